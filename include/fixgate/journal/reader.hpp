// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading a journal directory: in-order iteration over memory-mapped segments with the CRC of
// every record checked, an optional recomputation of the hash chain, and verify() for audits.
// A reader never writes; it may run while a Journal appends (it sees what was written when each
// segment was mapped, and treats a partly written last record as the end).

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixgate/journal/error.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal {

/// How to read.
struct ReadOptions {
  std::uint64_t from_seq = 1;  ///< first record to return (earlier ones are skipped quickly)
  bool verify_chain = false;   ///< recompute SHA-256 chain values (slower; verify() sets it)
  bool strict_tail = false;    ///< a torn/corrupt tail of the last segment is an error, not the end
};

/// One segment file of a journal directory.
struct SegmentInfo {
  std::filesystem::path path;  ///< e.g. dir/00000000000000000001.fgj, or ARCHIVE/....fgj.zst
  std::uint64_t first_seq = 0; ///< from the file name (and header)
  std::uint64_t bytes = 0;     ///< file size when listed (of the compressed file when archived)
  bool archived = false;       ///< moved to the archive: `path` is its zstd-compressed copy
};

/// Segment files of `dir` in seq order; files that are not segments are ignored.
std::expected<std::vector<SegmentInfo>, Error> list_segments(const std::filesystem::path& dir);

/// Totals of a scan or a verify.
struct ScanSummary {
  std::uint64_t segments = 0;  ///< segment files read
  std::uint64_t records = 0;   ///< records visited
  std::uint64_t first_seq = 0; ///< first record visited (0 when none)
  std::uint64_t last_seq = 0;  ///< last record visited (0 when none)
  Hash last_hash{};            ///< chain value after last_seq
  std::uint64_t bytes = 0;     ///< record bytes read
  std::optional<Error> tail;   ///< torn/corrupt tail that ended a non-strict scan
};

/// Iterates the records of a journal directory in seq order.
class Reader {
 public:
  /// Lists and checks the segments (contiguous first seqs are checked as they are reached).
  static std::expected<Reader, Error> open(const std::filesystem::path& dir,
                                           ReadOptions options = {});
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  /// Fills `out` with the next record and answers true, or false at the end; an error for
  /// corruption. The views in `out` stay valid until the next call.
  std::expected<bool, Error> next(RecordView& out);
  /// Set when reading stopped early at a torn or corrupt tail of the last segment (non-strict).
  const std::optional<Error>& tail() const;
  /// Seq of the last record returned (0 before the first).
  std::uint64_t last_seq() const;
  /// Chain value of the last record returned (the segment's previous hash before any).
  Hash last_hash() const;
  /// Segment files opened so far.
  std::uint64_t segments_read() const;

 private:
  friend std::expected<ScanSummary, Error> verify_segment(const std::filesystem::path&);
  struct State;
  explicit Reader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Calls `visit` for each record from options.from_seq; `visit` answers false to stop early.
std::expected<ScanSummary, Error> scan(const std::filesystem::path& dir,
                                       const std::function<bool(const RecordView&)>& visit,
                                       ReadOptions options = {});

/// Full audit: every header, length, CRC, seq and chain value from genesis to the end; any
/// damage, a torn tail included, is returned as the first bad record.
std::expected<ScanSummary, Error> verify(const std::filesystem::path& dir);

/// Audits one segment file on its own, starting from the previous hash in its header.
std::expected<ScanSummary, Error> verify_segment(const std::filesystem::path& segment_file);

}  // namespace fixgate::journal
