// SPDX-License-Identifier: Apache-2.0
// Reading a journal directory in seq order over memory-mapped segments. Recovery, scan and
// verify all go through Reader, so the rules for what counts as a torn tail live in one place.

#include "fixgate/journal/reader.hpp"

#include <algorithm>
#include <system_error>

#include "archive.hpp"
#include "file.hpp"
#include "format.hpp"
#include "segments.hpp"
#include "sha256.hpp"

namespace fixgate::journal {

using detail::FrameStatus;
using detail::make_error;

namespace {

/// The segments in one directory: live ones (NNNN.fgj) or archived ones (NNNN.fgj.zst).
std::expected<void, Error> list_into(const std::filesystem::path& dir, bool archived, std::vector<SegmentInfo>& out) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec && archived && ec == std::errc::no_such_file_or_directory) {
    Error e = make_error(ErrorKind::bad_archive, "archive directory " + dir.string() +
                                                     " (named in the journal's ARCHIVE file) is missing");
    e.segment = dir.string();
    return std::unexpected(e);
  }
  if (ec) return std::unexpected(detail::io_error(ec.value(), "list", dir.string()));
  for (const auto& entry : it) {
    const auto name = entry.path().filename().string();
    const auto seq = archived ? detail::parse_archive_name(name) : detail::parse_segment_name(name);
    if (!seq) continue;
    std::error_code size_ec;
    const auto bytes = entry.file_size(size_ec);
    if (size_ec) return std::unexpected(detail::io_error(size_ec.value(), "stat", entry.path()));
    out.push_back(SegmentInfo{entry.path(), *seq, bytes, archived});
  }
  return {};
}

}  // namespace

std::expected<std::vector<SegmentInfo>, Error> list_segments(const std::filesystem::path& dir) {
  std::vector<SegmentInfo> out;
  if (auto live = list_into(dir, false, out); !live) return std::unexpected(live.error());
  auto archives = detail::archive_dirs(dir);
  if (!archives) return std::unexpected(archives.error());
  for (const auto& archive : *archives) {
    if (auto listed = list_into(archive, true, out); !listed) return std::unexpected(listed.error());
  }
  // Live first among equals: a segment still in the directory beside its archived copy (a crash
  // between archiving and removing it) is read from the directory.
  std::stable_sort(out.begin(), out.end(), [](const SegmentInfo& a, const SegmentInfo& b) {
    return a.first_seq != b.first_seq ? a.first_seq < b.first_seq : !a.archived && b.archived;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const SegmentInfo& a, const SegmentInfo& b) { return a.first_seq == b.first_seq; }),
            out.end());
  return out;
}

namespace {

/// Where the segment starting at `seq` should be: "NNNN.fgj in DIR or ARCHIVE/NNNN.fgj.zst".
std::string missing_segment(const std::filesystem::path& dir, std::uint64_t seq) {
  std::string text = detail::segment_name(seq) + " in " + dir.string();
  auto archives = detail::archive_dirs(dir);
  if (archives) {
    for (const auto& a : *archives) text += " or " + (a / detail::archive_name(seq)).string();
  }
  return text;
}

}  // namespace

namespace detail {

std::expected<Mapping, Error> segment_bytes(const SegmentInfo& segment) {
  if (segment.archived) return decompress_segment(segment.path);
  auto mapped = Mapping::open(segment.path);
  if (mapped || mapped.error().io != std::errc::no_such_file_or_directory) return mapped;
  // Archived since it was listed: read the copy.
  auto archives = archive_dirs(segment.path.parent_path());
  if (!archives) return mapped;
  for (const auto& a : *archives) {
    const auto copy = a / archive_name(segment.first_seq);
    std::error_code ec;
    if (std::filesystem::exists(copy, ec)) return decompress_segment(copy);
  }
  return mapped;
}

}  // namespace detail

struct Reader::State {
  std::filesystem::path dir;
  ReadOptions options;
  std::vector<SegmentInfo> segments;
  std::size_t index = 0;        // segment being read
  bool mapped = false;
  bool done = false;
  bool started = false;         // a segment has been opened (continuity checks apply after)
  std::uint64_t segments_read = 0;
  detail::Mapping map;
  std::size_t pos = 0;
  std::uint64_t expected_seq = 0;
  std::uint64_t last_seq = 0;
  Hash hash{};
  std::optional<Error> tail;
  std::optional<detail::ChainHasher> hasher;

  bool last_segment() const { return index + 1 == segments.size(); }
  std::string segment_path() const { return segments[index].path.string(); }

  // Stops at the end, or reports damage: at the tail of the last segment it ends a non-strict
  // read; anywhere else it is an error.
  std::expected<bool, Error> damage(Error error, bool tail_candidate) {
    if (tail_candidate && last_segment() && !options.strict_tail) {
      tail = std::move(error);
      done = true;
      return false;
    }
    done = true;
    return std::unexpected(std::move(error));
  }

  std::expected<bool, Error> open_segment() {
    const auto& info = segments[index];
    auto m = detail::segment_bytes(info);
    if (!m) {
      done = true;
      return std::unexpected(m.error());
    }
    map = std::move(*m);
    mapped = true;
    ++segments_read;
    detail::SegmentHeader header;
    if (auto why = detail::decode_header(map.data(), map.size(), header)) {
      // A last segment no longer than its header is a crash while the segment was being created.
      const bool torn_create = map.size() <= detail::header_size;
      return damage(make_error(ErrorKind::bad_header, *why, segment_path(), 0, info.first_seq,
                               last_seq),
                    torn_create);
    }
    if (header.first_seq != info.first_seq) {
      return damage(make_error(ErrorKind::bad_header,
                               "header says first seq " + std::to_string(header.first_seq) +
                                   " but the file name says " + std::to_string(info.first_seq),
                               segment_path(), 0, info.first_seq, last_seq),
                    false);
    }
    if (started) {
      if (header.first_seq != expected_seq) {
        const std::string missing =
            header.first_seq > expected_seq ? "; missing: " + missing_segment(dir, expected_seq) : std::string();
        return damage(make_error(ErrorKind::seq_gap,
                                 "segment starts at seq " + std::to_string(header.first_seq) +
                                     " but seq " + std::to_string(expected_seq) +
                                     " was expected (missing or extra segment" + missing + ")",
                                 segment_path(), 0, expected_seq, last_seq),
                      false);
      }
      if (header.prev_hash != hash) {
        return damage(make_error(ErrorKind::hash_mismatch,
                                 "segment's previous hash differs from the last record before it",
                                 segment_path(), 0, header.first_seq, last_seq),
                      false);
      }
    } else {
      expected_seq = header.first_seq;
      hash = header.prev_hash;
      last_seq = header.first_seq - 1;
      started = true;
    }
    pos = detail::header_size;
    return true;
  }

  std::expected<bool, Error> next(RecordView& out) {
    while (!done) {
      if (!mapped) {
        if (index >= segments.size()) {
          done = true;
          return false;
        }
        auto opened = open_segment();
        if (!opened || !*opened) return opened;
      }
      std::size_t frame_size = 0;
      const auto status = detail::decode_frame(map.data() + pos, map.size() - pos, out, frame_size);
      if (status == FrameStatus::end) {
        if (last_segment()) {
          done = true;
          return false;
        }
        ++index;
        mapped = false;
        map = detail::Mapping();
        continue;
      }
      if (status != FrameStatus::ok) return frame_damage(status);
      if (out.seq != expected_seq) {
        return damage(make_error(ErrorKind::seq_gap,
                                 "record has seq " + std::to_string(out.seq) + ", expected " +
                                     std::to_string(expected_seq),
                                 segment_path(), pos, out.seq, last_seq),
                      false);
      }
      if (hasher) {
        const Hash computed =
            hasher->next(hash, map.data() + pos + detail::frame_prefix,
                         frame_size - detail::frame_prefix - detail::hash_size);
        if (computed != *out.hash) {
          return damage(make_error(ErrorKind::hash_mismatch,
                                   "chain hash is not SHA-256(previous hash || body)",
                                   segment_path(), pos, out.seq, last_seq),
                        false);
        }
      }
      hash = *out.hash;
      last_seq = out.seq;
      ++expected_seq;
      pos += frame_size;
      if (out.seq >= options.from_seq) return true;
    }
    return false;
  }

  std::expected<bool, Error> frame_damage(FrameStatus status) {
    const ErrorKind kind = status == FrameStatus::crc_mismatch ? ErrorKind::crc_mismatch
                           : status == FrameStatus::bad_length ? ErrorKind::bad_length
                                                               : ErrorKind::torn_tail;
    const char* what = status == FrameStatus::crc_mismatch ? "record CRC32C mismatch"
                       : status == FrameStatus::bad_length ? "impossible record length"
                                                           : "record cut short by end of file";
    // Damage followed by any good record is not a torn write: never treat it as the tail.
    const bool followed_by_good =
        detail::valid_frame_after(map.data(), map.size(), pos, last_seq);
    return damage(make_error(kind, what, segment_path(), pos, expected_seq, last_seq),
                  !followed_by_good);
  }
};

Reader::Reader(std::unique_ptr<State> state) : state_(std::move(state)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

std::expected<Reader, Error> Reader::open(const std::filesystem::path& dir, ReadOptions options) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  auto state = std::make_unique<State>();
  state->dir = dir;
  state->options = options;
  state->segments = std::move(*segments);
  state->hash = genesis_hash();
  if (options.verify_chain) state->hasher.emplace();
  // Start in the last segment whose first seq is at or before from_seq: earlier ones hold nothing
  // wanted (and each segment header carries what is needed to read it alone).
  auto& segs = state->segments;
  auto it = std::upper_bound(segs.begin(), segs.end(), options.from_seq,
                             [](std::uint64_t seq, const SegmentInfo& s) { return seq < s.first_seq; });
  if (it != segs.begin()) state->index = static_cast<std::size_t>(it - segs.begin()) - 1;
  return Reader(std::move(state));
}

std::expected<bool, Error> Reader::next(RecordView& out) { return state_->next(out); }
const std::optional<Error>& Reader::tail() const { return state_->tail; }
std::uint64_t Reader::last_seq() const { return state_->last_seq; }
Hash Reader::last_hash() const { return state_->hash; }
std::uint64_t Reader::segments_read() const { return state_->segments_read; }

std::expected<ScanSummary, Error> scan(const std::filesystem::path& dir,
                                       const std::function<bool(const RecordView&)>& visit,
                                       ReadOptions options) {
  auto reader = Reader::open(dir, options);
  if (!reader) return std::unexpected(reader.error());
  ScanSummary summary;
  RecordView view;
  for (;;) {
    auto more = reader->next(view);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (summary.records == 0) summary.first_seq = view.seq;
    ++summary.records;
    summary.bytes += detail::frame_overhead + view.stream.size() + view.payload.size();
    if (!visit(view)) break;
  }
  summary.segments = reader->segments_read();
  summary.last_seq = reader->last_seq();
  summary.last_hash = reader->last_hash();
  summary.tail = reader->tail();
  return summary;
}

std::expected<ScanSummary, Error> verify(const std::filesystem::path& dir) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  if (!segments->empty() && segments->front().first_seq != 1) {
    return std::unexpected(make_error(ErrorKind::seq_gap,
                                      "journal does not start at seq 1 (earliest segment starts at " +
                                          std::to_string(segments->front().first_seq) + "; missing: " +
                                          missing_segment(dir, 1) + ")",
                                      segments->front().path.string(), 0, 1, 0));
  }
  if (!segments->empty()) {
    // The chain must start from genesis, not just from whatever the first header claims.
    auto first = detail::segment_bytes(segments->front());
    detail::SegmentHeader header;
    if (first && !detail::decode_header(first->data(), first->size(), header) &&
        header.prev_hash != genesis_hash()) {
      return std::unexpected(make_error(ErrorKind::hash_mismatch,
                                        "first segment does not chain from the genesis hash",
                                        segments->front().path.string(), 0, 1, 0));
    }
  }
  ReadOptions options;
  options.verify_chain = true;
  options.strict_tail = true;
  return scan(dir, [](const RecordView&) { return true; }, options);
}

std::expected<ScanSummary, Error> verify_segment(const std::filesystem::path& segment_file) {
  const auto name = segment_file.filename().string();
  const auto archived_seq = detail::parse_archive_name(name);
  auto seq = archived_seq ? archived_seq : detail::parse_segment_name(name);
  if (!seq) {
    return std::unexpected(make_error(ErrorKind::invalid_argument,
                                      "not a segment file name: " + segment_file.string()));
  }
  auto state = std::make_unique<Reader::State>();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(segment_file, ec);
  if (ec) return std::unexpected(detail::io_error(ec.value(), "stat", segment_file.string()));
  state->segments.push_back(SegmentInfo{segment_file, *seq, bytes, archived_seq.has_value()});
  state->options.verify_chain = true;
  state->options.strict_tail = true;
  state->hasher.emplace();
  Reader reader(std::move(state));
  ScanSummary summary;
  RecordView view;
  for (;;) {
    auto more = reader.next(view);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (summary.records == 0) summary.first_seq = view.seq;
    ++summary.records;
    summary.bytes += detail::frame_overhead + view.stream.size() + view.payload.size();
  }
  summary.segments = 1;
  summary.last_seq = reader.last_seq();
  summary.last_hash = reader.last_hash();
  return summary;
}

}  // namespace fixgate::journal
