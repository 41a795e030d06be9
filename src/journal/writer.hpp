// SPDX-License-Identifier: Apache-2.0
#pragma once
// The writer thread's file state: the current segment, the chain value, and the steps that turn
// queued frames into synced bytes. Only the writer thread touches it after open.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>

#include "fixgate/journal/journal.hpp"
#include "file.hpp"
#include "sha256.hpp"

namespace fixgate::journal {

struct Journal::Writer {
  std::filesystem::path dir;
  SyncPolicy sync = SyncPolicy::batch;
  std::uint64_t segment_bytes = 0;
  FaultHook fault_hook;
  detail::Fd lock_fd;             // flock on dir/LOCK: one writer per directory
  detail::Fd fd;                  // current segment; invalid until the first write needs one
  std::string segment_path;
  std::uint64_t segment_first_seq = 0;
  std::uint64_t segment_size = 0; // bytes in the current segment, header included
  std::uint64_t last_seq = 0;     // last record sealed (recovered at open)
  /// Told about each segment the writer leaves for a new one (the maintenance thread's queue).
  std::function<void(std::uint64_t first_seq, std::uint64_t last_seq, const Hash& last_hash)> on_closed;
  Hash hash{};                    // chain value after the last sealed record
  detail::ChainHasher hasher;
  Timings* timings = nullptr;     // the journal's, once it exists (recovery at open is not timed)

  /// Redacts FIX secrets, fills in the chain hash and CRC of the frame at `frame`; returns its
  /// size and seq.
  std::size_t seal(char* frame, std::uint64_t& seq);
  /// Writes and syncs a batch of queued frames under the sync policy, calling publish(seq, hash)
  /// whenever records become durable.
  std::expected<void, Error> write_batch(char* data, std::size_t size,
                                         const std::function<void(std::uint64_t, const Hash&)>& publish);
  /// fdatasync of the current segment (no-op without one).
  std::expected<void, Error> sync_segment();
  /// Opens the existing last segment for appending.
  std::expected<void, Error> reopen(const std::filesystem::path& path);

 private:
  std::expected<void, Error> write(const char* data, std::size_t size);
  /// write() of sealed records, timed as one batch append.
  std::expected<void, Error> write_records(const char* data, std::size_t size);
  std::expected<void, Error> start_segment(std::uint64_t first_seq);
};

}  // namespace fixgate::journal
