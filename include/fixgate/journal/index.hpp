// SPDX-License-Identifier: Apache-2.0
#pragma once
// Finding records by order id, account, symbol or apply_fix reference without reading the whole
// journal. Each closed segment gets a sidecar index, NNNN.fgi beside NNNN.fgj (the journal writes
// it in the background when the segment closes and at a clean close; `fixgate-journal index`
// writes missing ones): the keys of audit.hpp, hashed, each with the record that carries it. A
// reader (IndexedJournal) uses the sidecars it finds and indexes in memory whatever they do not
// cover (a missing or stale sidecar, the tail of the segment being written), so an answer never
// depends on a sidecar being there. spec/journal-format.md, "Sidecar index".

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fixgate/journal/audit.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal {

/// The sidecar index of one segment.
class SegmentIndex {
 public:
  /// One key of one record: the key's hash, the record's seq - first_seq and its frame offset.
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t seq_delta = 0;
    std::uint32_t offset = 0;
  };
  std::uint64_t first_seq = 0;      ///< the segment's first seq (its name)
  std::uint64_t covered_bytes = 0;  ///< the segment's bytes indexed: frames in [64, covered_bytes)
  std::uint64_t last_seq = 0;       ///< last record indexed; first_seq - 1 when none
  std::int64_t min_ts = 0;          ///< timestamps of the records indexed (0 when none)
  std::int64_t max_ts = 0;
  bool incomplete = false;          ///< a record had a key value no index can hold (AuditFields)

  /// Indexes the frames of a segment's bytes from covered_bytes on (an empty index starts after
  /// the header), stopping at the end of good frames. `data` is the whole segment file.
  void extend(const char* data, std::size_t size);
  /// The entries whose hash is `hash`.
  std::span<const Entry> find(std::uint64_t hash) const;
  /// Every entry, sorted by hash, then seq.
  std::span<const Entry> entries() const;

  /// Reads a sidecar file; bad_header when it is damaged or not one (the caller rebuilds it).
  static std::expected<SegmentIndex, Error> load(const std::filesystem::path& file);
  /// Writes the sidecar atomically (a temporary file renamed over it); not synced: an index lost
  /// in a crash is rebuilt.
  std::expected<void, Error> save(const std::filesystem::path& file) const;

 private:
  std::vector<Entry> owned_;           // built or extended here
  std::shared_ptr<const void> file_;   // a loaded sidecar stays mapped: its entries are read in place
  std::span<const Entry> mapped_;
};
static_assert(sizeof(SegmentIndex::Entry) == 16, "sidecar entries are read in place from the file");

/// dir/NNNNNNNNNNNNNNNNNNNN.fgi for the segment starting at first_seq.
std::filesystem::path index_path(const std::filesystem::path& dir, std::uint64_t first_seq);

/// Indexes one segment of `dir` (live or archived) completely and writes its sidecar.
std::expected<SegmentIndex, Error> write_segment_index(const std::filesystem::path& dir, std::uint64_t first_seq);

/// Writes the sidecar of every segment of `dir` that has none or a stale one; how many it wrote.
std::expected<std::uint64_t, Error> write_missing_indexes(const std::filesystem::path& dir);

/// Every record of a journal directory by its keys. Read-only; the sidecars it loads and the
/// indexes it builds for what they miss stay in memory for the life of the object.
class IndexedJournal {
 public:
  /// Lists the segments and loads their sidecars; indexes in memory what no sidecar covers.
  static std::expected<IndexedJournal, Error> open(const std::filesystem::path& dir);
  /// The same, unless usable sidecars cover less than `min_coverage` (0..1) of the segments'
  /// bytes (an archived segment counts whole): then nullopt, before anything is indexed here,
  /// since indexing most of a journal in memory costs about as much as reading every record.
  static std::expected<std::optional<IndexedJournal>, Error> open_if_covered(const std::filesystem::path& dir,
                                                                               double min_coverage);
  IndexedJournal(IndexedJournal&&) noexcept;
  IndexedJournal& operator=(IndexedJournal&&) noexcept;
  ~IndexedJournal();

  /// Calls `visit` for every record carrying any of `keys` and stamped within `range`, in seq
  /// order, each once (a record whose key only shares a hash is included: the caller checks).
  /// The views live until `visit` returns; it answers false to stop.
  std::expected<void, Error> find(const std::vector<IndexKey>& keys, const std::function<bool(const RecordView&)>& visit,
                                  TimeRange range = {});
  /// False when some record has a key value no index can hold: a caller that must see every
  /// record of an order then reads the whole journal instead.
  bool complete() const;
  /// Segments whose sidecar was missing, damaged or stale and were indexed in memory.
  std::uint64_t segments_indexed_here() const;
  /// Bytes read to index what the sidecars did not cover.
  std::uint64_t bytes_indexed_here() const;

 private:
  struct State;
  explicit IndexedJournal(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace fixgate::journal
