// SPDX-License-Identifier: Apache-2.0
#pragma once
// The file-backed journal writer: a directory of segment files, appended by any thread without
// waiting for the disk, written and synced in groups by one writer thread (group commit).
//
// Producers call append(); it assigns the next record sequence number, copies the record into an
// in-memory buffer under a short lock and returns. The writer thread redacts FIX secrets, chains
// the hashes, frames, writes and syncs per SyncPolicy, then publishes durable_seq() and calls
// on_durable. A failed write or sync is final: the journal enters the failed state, durable_seq()
// never moves again and append() refuses (a failed fsync is never retried: the kernel may already
// have dropped the dirty pages, so a later "successful" fsync would lie).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/record.hpp"
#include "fixgate/journal/signing.hpp"
#include "fixgate/journal/store.hpp"

namespace fixgate::journal {

namespace detail {
class Maintenance;
}

/// When a record counts as durable (mirrors config::SyncPolicy; the journal does not depend on
/// config, the engine maps one to the other).
enum class SyncPolicy {
  every,  ///< fdatasync after each record, no grouping
  batch,  ///< one fdatasync for all records waiting (group commit)
  none,   ///< written to the page cache: survives a process crash, not a power cut
};

/// Which file operation a fault hook is asked about.
enum class IoOp { write, sync };

/// Test seam for storage faults: return a non-zero error_code to make that operation fail as if
/// the kernel had said so. Called on the writer thread before each write/sync.
using FaultHook = std::function<std::error_code(IoOp op, const std::string& segment)>;

/// Moving closed segments to an archive directory, zstd-compressed (spec/journal-format.md,
/// "Archive"). Archived segments stay part of the journal: recovery and every reader read them.
struct ArchiveOptions {
  std::filesystem::path dir{};   ///< created if missing; named in the journal directory's ARCHIVE file
  std::chrono::seconds after{std::chrono::hours(24 * 7)};  ///< age (since its last write) of a closed segment that moves
  int level = 3;                 ///< zstd compression level (1..19)
};

/// Everything the writer needs; the engine builds it from config::Journal.
struct Options {
  std::filesystem::path dir{};                        ///< created if missing
  SyncPolicy sync = SyncPolicy::batch;                ///< durability rule
  std::uint64_t segment_bytes = 64ull << 20;          ///< roll to a new segment past this size
  std::uint64_t max_pending_bytes = 256ull << 20;     ///< append() answers backpressure past it
  /// Called on the writer thread after each sync with the new durable_seq(), after waiters are
  /// woken (it may trail a wait_durable() that returned); keep it short, do not
  /// throw, and do not call wait_durable() or close() from it (the writer would wait on itself).
  std::function<void(std::uint64_t seq)> on_durable{};
  /// Called on the writer thread, once, when a write or sync fails, before failure() or any
  /// wait_durable() reports it; same rules as on_durable.
  std::function<void(const Error& error)> on_failure{};
  FaultHook fault_hook{};                             ///< tests only; empty in production
  std::optional<ArchiveOptions> archive{};            ///< absent: segments stay in `dir`
  /// Ed25519 private key (PKCS#8 PEM) that signs the chain head each time a segment closes and at
  /// a clean close (signing.hpp); empty: no signatures. An unreadable key fails open().
  std::filesystem::path signing_key{};
  /// Where the signature files go; empty: `dir`. Another volume or machine keeps a cut journal
  /// from taking its signatures with it.
  std::filesystem::path signatures_dir{};
  /// Called on the journal's maintenance thread when background work (a sidecar index, a
  /// signature, archiving) could not be done; the journal goes on. Keep it short; do not throw.
  std::function<void(const std::string& problem)> on_problem{};
};

/// What recovery found and did when the journal was opened; the caller logs it.
struct RecoveryReport {
  std::uint64_t segments = 0;         ///< segment files found
  std::uint64_t records = 0;          ///< records kept
  std::uint64_t first_seq = 0;        ///< first record kept (0 when empty)
  std::uint64_t last_seq = 0;         ///< last record kept (0 when empty)
  Hash last_hash{};                   ///< chain value after last_seq (genesis when empty)
  bool truncated = false;             ///< a torn or corrupt tail was cut
  std::string truncated_segment;      ///< the segment file that was cut
  std::uint64_t truncated_offset = 0; ///< byte offset where it was cut (new file size)
  std::uint64_t truncated_bytes = 0;  ///< how many bytes were cut
  ErrorKind truncated_reason = ErrorKind::torn_tail;  ///< torn_tail, bad_length or crc_mismatch
  std::string removed_segment;        ///< a last segment with only a torn header that was removed
  /// One line for the log, e.g. "journal: 12 records in 1 segment, last seq 12; cut 37 bytes ...".
  std::string to_string() const;
};

/// An open, writable journal directory. Not copyable or movable: the writer thread points at it.
class Journal final : public Store {
 public:
  /// Opens (creating if needed) and recovers the directory, then starts the writer thread.
  /// Fails on corruption that is not a torn tail of the last segment, naming segment/offset/seq.
  static std::expected<std::unique_ptr<Journal>, Error> open(Options options);

  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  /// Closes: writes and syncs what is pending, stops the writer thread.
  ~Journal() override;

  /// Assigns the next seq and queues the record; never waits for the disk.
  std::expected<std::uint64_t, Error> append(RecordKind kind, std::string_view stream,
                                             std::string_view payload, std::int64_t timestamp_ns) override;

  /// Highest seq durable under the sync policy; 0 when nothing is (recovered records count).
  std::uint64_t durable_seq() const override { return durable_seq_.load(std::memory_order_acquire); }
  /// Highest seq handed out by append() (or recovered).
  std::uint64_t last_seq() const override;
  /// Blocks until `seq` is durable, the journal fails, or `timeout` passes (timeout error).
  std::expected<void, Error> wait_durable(std::uint64_t seq, std::chrono::nanoseconds timeout) override;
  /// The storage fault that stopped the journal, if any.
  std::optional<Error> failure() const override;
  /// Chain value of the last durable record: anchor it elsewhere to detect a full rewrite.
  Hash durable_hash() const override;
  /// What recovery did at open.
  const RecoveryReport& recovery() const { return recovery_; }
  /// The options the journal was opened with.
  const Options& options() const { return options_; }
  /// Writes and syncs everything pending, then stops the writer; append() answers closed after.
  /// Returns the failure if the journal failed before or while closing.
  std::expected<void, Error> close() override;
  /// Waits until the background work queued so far (sidecar indexes, signatures, archiving) is
  /// done; false when `timeout` passed first.
  bool wait_maintenance(std::chrono::milliseconds timeout);
  /// Reads the directory's records (journal::scan(options().dir, ...)).
  std::expected<ScanSummary, Error> scan(const std::function<bool(const RecordView&)>& visit,
                                         ReadOptions options = {}) const override;
  /// The journal directory.
  std::string where() const override { return options_.dir.string(); }

 private:
  struct Writer;  // file state and buffers owned by the writer thread (src/journal/writer.cpp)

  Journal(Options options, RecoveryReport recovery, std::unique_ptr<Writer> writer, std::optional<HeadSigner> signer);
  void run();
  void fail(Error error);

  Options options_;
  RecoveryReport recovery_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<detail::Maintenance> maintenance_;

  mutable std::mutex mutex_;            // guards everything below except the atomics
  std::condition_variable work_cv_;     // writer waits for appends or close
  std::condition_variable durable_cv_;  // wait_durable waits for progress or failure
  struct Pending;                       // encoded records waiting for the writer
  std::unique_ptr<Pending> pending_;
  std::uint64_t next_seq_ = 1;
  bool writer_idle_ = false;            // notify only a sleeping writer: saves a syscall per append
  bool closing_ = false;
  bool closed_ = false;
  std::optional<Error> failure_;
  Hash durable_hash_{};
  std::atomic<std::uint64_t> durable_seq_{0};
  std::thread thread_;
};

}  // namespace fixgate::journal
