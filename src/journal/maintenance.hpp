// SPDX-License-Identifier: Apache-2.0
#pragma once
// The file journal's background work, on a thread of its own so the writer never waits for it:
// when a segment closes, its sidecar index (index.hpp), the signature of the chain head
// (signing.hpp) and, once it is old enough, its move to the archive (archive.hpp). None of it is
// on the durability path: a failure is reported through on_problem and retried at the next
// opportunity, and the journal goes on.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/signing.hpp"

namespace fixgate::journal::detail {

class Maintenance {
 public:
  /// The head of a segment when it closed: it will not grow again (`last` false), or it is the
  /// last segment at a clean close of the journal (`last` true: it may grow after a reopen).
  struct Closed {
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    Hash last_hash{};
    bool last = false;
  };

  /// `signer` signs the head of every closed segment (none: no signatures).
  Maintenance(std::filesystem::path dir, const Options& options, std::optional<HeadSigner> signer);
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  /// Starts the thread; `existing` are the segments found at open (closed ones without a usable
  /// sidecar are indexed first, old ones archived).
  void start(std::vector<SegmentInfo> existing);
  /// Queues the work for a closed segment. Any thread; never blocks on the work.
  void closed(const Closed& segment);
  /// True once everything queued so far is done (false when `timeout` passed first).
  bool wait_idle(std::chrono::milliseconds timeout);
  /// Does what is queued for indexes and signatures, skips archiving not yet begun, and stops.
  void stop();

 private:
  void run();
  void index(std::uint64_t first_seq);
  void sign(const Closed& segment);
  /// Moves every closed live segment older than the archive age to the archive.
  void archive_old();
  void report(const std::string& problem);

  std::filesystem::path dir_;
  std::optional<ArchiveOptions> archive_;
  std::optional<HeadSigner> signer_;
  std::filesystem::path signatures_dir_;
  std::function<void(const std::string&)> on_problem_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Closed> queue_;
  std::vector<std::uint64_t> to_index_;  // found at open without a usable sidecar
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fixgate::journal::detail
