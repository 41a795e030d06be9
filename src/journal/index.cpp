// SPDX-License-Identifier: Apache-2.0
// Sidecar indexes: building one from a segment's frames, the file format, and IndexedJournal.

#include "fixgate/journal/index.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fcntl.h>
#include <unistd.h>

#include "crc32c.hpp"
#include "fixgate/journal/reader.hpp"
#include "format.hpp"
#include "segments.hpp"

namespace fixgate::journal {

using detail::make_error;
using detail::store;
using detail::load;

namespace {

constexpr char index_magic[8] = {'F', 'I', 'X', 'G', 'I', 'D', 'X', '1'};
constexpr std::uint32_t index_version = 1;
constexpr std::size_t index_header = 64;
constexpr std::size_t entry_bytes = 16;

bool by_hash(const SegmentIndex::Entry& a, const SegmentIndex::Entry& b) {
  return a.hash != b.hash ? a.hash < b.hash : a.seq_delta < b.seq_delta;
}

}  // namespace

void SegmentIndex::extend(const char* data, std::size_t size) {
  if (file_) {  // entries read in place from a sidecar: take a copy to add to
    owned_.assign(mapped_.begin(), mapped_.end());
    mapped_ = {};
    file_.reset();
  }
  auto& entries = owned_;
  std::size_t pos = std::max<std::size_t>(covered_bytes, detail::header_size);
  if (covered_bytes < detail::header_size) last_seq = first_seq - 1;
  const std::size_t before = entries.size();
  RecordView view;
  std::size_t frame_size = 0;
  while (pos < size && pos <= std::numeric_limits<std::uint32_t>::max()) {
    if (detail::decode_frame(data + pos, size - pos, view, frame_size) != detail::FrameStatus::ok) break;
    if (view.seq != last_seq + 1) break;  // not the next record: damage, which verify reports
    const auto fields = audit_fields(view.kind, view.payload);
    incomplete = incomplete || fields.incomplete;
    for (const auto& key : index_keys(fields)) {
      entries.push_back({index_hash(key), static_cast<std::uint32_t>(view.seq - first_seq), static_cast<std::uint32_t>(pos)});
    }
    if (last_seq + 1 == first_seq || view.timestamp_ns < min_ts) min_ts = view.timestamp_ns;
    if (last_seq + 1 == first_seq || view.timestamp_ns > max_ts) max_ts = view.timestamp_ns;
    last_seq = view.seq;
    pos += frame_size;
  }
  covered_bytes = pos;
  std::sort(entries.begin() + static_cast<std::ptrdiff_t>(before), entries.end(), by_hash);
  std::inplace_merge(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(before), entries.end(), by_hash);
}

std::span<const SegmentIndex::Entry> SegmentIndex::entries() const {
  return file_ ? mapped_ : std::span<const Entry>(owned_);
}

std::span<const SegmentIndex::Entry> SegmentIndex::find(std::uint64_t hash) const {
  const auto all = entries();
  const auto lower = std::lower_bound(all.begin(), all.end(), hash, [](const Entry& e, std::uint64_t h) { return e.hash < h; });
  auto upper = lower;
  while (upper != all.end() && upper->hash == hash) ++upper;
  return {lower, upper};
}

std::expected<SegmentIndex, Error> SegmentIndex::load(const std::filesystem::path& file) {
  auto map = detail::Mapping::open(file);
  if (!map) return std::unexpected(map.error());
  const char* d = map->data();
  const std::size_t size = map->size();
  const auto bad = [&](const std::string& why) {
    return std::unexpected(make_error(ErrorKind::bad_header, "sidecar index " + why, file.string()));
  };
  if (size < index_header + 4 || std::memcmp(d, index_magic, sizeof index_magic) != 0) return bad("has no index header");
  if (detail::load<std::uint32_t>(d + 8) != index_version) return bad("has an unknown version");
  const auto count = detail::load<std::uint64_t>(d + 56);
  if (count > (size - index_header - 4) / entry_bytes || index_header + count * entry_bytes + 4 != size) {
    return bad("has the wrong length");
  }
  const std::size_t body = index_header + count * entry_bytes;
  if (detail::load<std::uint32_t>(d + body) != detail::crc32c(d, body)) return bad("fails its CRC");
  SegmentIndex index;
  index.incomplete = (detail::load<std::uint32_t>(d + 12) & 1u) != 0;
  index.first_seq = detail::load<std::uint64_t>(d + 16);
  index.covered_bytes = detail::load<std::uint64_t>(d + 24);
  index.last_seq = detail::load<std::uint64_t>(d + 32);
  index.min_ts = detail::load<std::int64_t>(d + 40);
  index.max_ts = detail::load<std::int64_t>(d + 48);
  // Little-endian, 16 bytes each and 8-aligned after the 64-byte header: the layout of Entry.
  index.mapped_ = {reinterpret_cast<const Entry*>(d + index_header), count};
  index.file_ = std::make_shared<detail::Mapping>(std::move(*map));
  return index;
}

std::expected<void, Error> SegmentIndex::save(const std::filesystem::path& file) const {
  const auto entries = this->entries();
  std::string bytes(index_header + entries.size() * entry_bytes + 4, '\0');
  char* d = bytes.data();
  std::memcpy(d, index_magic, sizeof index_magic);
  store<std::uint32_t>(d + 8, index_version);
  store<std::uint32_t>(d + 12, incomplete ? 1u : 0u);
  store<std::uint64_t>(d + 16, first_seq);
  store<std::uint64_t>(d + 24, covered_bytes);
  store<std::uint64_t>(d + 32, last_seq);
  store<std::int64_t>(d + 40, min_ts);
  store<std::int64_t>(d + 48, max_ts);
  store<std::uint64_t>(d + 56, entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    char* e = d + index_header + i * entry_bytes;
    store<std::uint64_t>(e, entries[i].hash);
    store<std::uint32_t>(e + 8, entries[i].seq_delta);
    store<std::uint32_t>(e + 12, entries[i].offset);
  }
  const std::size_t body = bytes.size() - 4;
  store<std::uint32_t>(d + body, detail::crc32c(d, body));
  // Two writers (the daemon and `fixgate-journal index`) may race: each renames its own file.
  const auto tmp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    detail::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, detail::journal_file_mode));
    if (!fd.valid()) return std::unexpected(detail::io_error(errno, "create", tmp));
    if (auto ec = detail::write_all(fd.get(), bytes.data(), bytes.size())) {
      ::unlink(tmp.c_str());
      return std::unexpected(detail::io_error(ec.value(), "write", tmp));
    }
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(detail::io_error(err, "rename", tmp));
  }
  return {};
}

std::filesystem::path index_path(const std::filesystem::path& dir, std::uint64_t first_seq) {
  auto name = detail::segment_name(first_seq);
  name.replace(name.size() - 4, 4, ".fgi");
  return dir / name;
}

namespace {

SegmentIndex fresh_index(std::uint64_t first_seq, const detail::Mapping& bytes) {
  SegmentIndex index;
  index.first_seq = first_seq;
  index.extend(bytes.data(), bytes.size());
  return index;
}

/// A sidecar that belongs to this segment and claims nothing past its end (when that is known).
bool usable(const SegmentIndex& index, const SegmentInfo& segment) {
  if (index.first_seq != segment.first_seq || index.covered_bytes < detail::header_size) return false;
  return segment.archived || index.covered_bytes <= segment.bytes;
}

}  // namespace

std::expected<SegmentIndex, Error> write_segment_index(const std::filesystem::path& dir, std::uint64_t first_seq) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  const auto it = std::find_if(segments->begin(), segments->end(),
                               [&](const SegmentInfo& s) { return s.first_seq == first_seq; });
  if (it == segments->end()) {
    return std::unexpected(make_error(ErrorKind::invalid_argument, "no segment starts at seq " + std::to_string(first_seq),
                                      dir.string()));
  }
  auto bytes = detail::segment_bytes(*it);
  if (!bytes) return std::unexpected(bytes.error());
  auto index = fresh_index(first_seq, *bytes);
  if (auto saved = index.save(index_path(dir, first_seq)); !saved) return std::unexpected(saved.error());
  return index;
}

std::expected<std::uint64_t, Error> write_missing_indexes(const std::filesystem::path& dir) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  std::uint64_t written = 0;
  for (const auto& segment : *segments) {
    auto existing = SegmentIndex::load(index_path(dir, segment.first_seq));
    if (existing && usable(*existing, segment) && (segment.archived || existing->covered_bytes == segment.bytes)) continue;
    if (auto w = write_segment_index(dir, segment.first_seq); !w) return std::unexpected(w.error());
    ++written;
  }
  return written;
}

struct IndexedJournal::State {
  struct Segment {
    SegmentInfo info;
    SegmentIndex index;
    std::optional<detail::Mapping> bytes;  // loaded when first needed
    bool have_sidecar = false;
  };
  std::vector<Segment> segments;
  std::uint64_t indexed_here = 0;
  std::uint64_t bytes_here = 0;

  std::expected<const detail::Mapping*, Error> bytes_of(Segment& s) {
    if (!s.bytes) {
      auto b = detail::segment_bytes(s.info);
      if (!b) return std::unexpected(b.error());
      s.bytes = std::move(*b);
    }
    return &*s.bytes;
  }

  // Loads the segment's sidecar when it is usable; the bytes it covers.
  std::uint64_t load_sidecar(Segment& s, const std::filesystem::path& dir) {
    auto loaded = SegmentIndex::load(index_path(dir, s.info.first_seq));
    if (!loaded || !usable(*loaded, s.info)) return 0;
    s.index = std::move(*loaded);
    s.have_sidecar = true;
    return s.info.archived ? s.info.bytes : std::min(s.index.covered_bytes, s.info.bytes);
  }

  // Builds in memory what the sidecar does not cover (all of it when there is none).
  std::expected<void, Error> complete_index(Segment& s) {
    const bool have = s.have_sidecar;
    if (have && (s.info.archived || s.index.covered_bytes == s.info.bytes)) return {};
    auto bytes = bytes_of(s);
    if (!bytes) return std::unexpected(bytes.error());
    if (!have) {
      s.index = fresh_index(s.info.first_seq, **bytes);
      ++indexed_here;
      bytes_here += (*bytes)->size();
    } else {
      bytes_here += (*bytes)->size() - s.index.covered_bytes;
      s.index.extend((*bytes)->data(), (*bytes)->size());
    }
    release(s);
    return {};
  }

  // An archived segment's bytes are decompressed into memory: hold them only while in use.
  static void release(Segment& s) {
    if (s.info.archived) s.bytes.reset();
  }
};

IndexedJournal::IndexedJournal(std::unique_ptr<State> state) : state_(std::move(state)) {}
IndexedJournal::IndexedJournal(IndexedJournal&&) noexcept = default;
IndexedJournal& IndexedJournal::operator=(IndexedJournal&&) noexcept = default;
IndexedJournal::~IndexedJournal() = default;

std::expected<IndexedJournal, Error> IndexedJournal::open(const std::filesystem::path& dir) {
  auto opened = open_if_covered(dir, 0);
  if (!opened) return std::unexpected(opened.error());
  return std::move(**opened);
}

std::expected<std::optional<IndexedJournal>, Error> IndexedJournal::open_if_covered(const std::filesystem::path& dir,
                                                                                      double min_coverage) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  auto state = std::make_unique<State>();
  std::uint64_t total = 0, covered = 0;
  for (auto& info : *segments) {
    total += info.bytes;
    state->segments.push_back({std::move(info), {}, std::nullopt, false});
    covered += state->load_sidecar(state->segments.back(), dir);
  }
  if (total != 0 && static_cast<double>(covered) < min_coverage * static_cast<double>(total)) return std::nullopt;
  for (auto& s : state->segments) {
    if (auto done = state->complete_index(s); !done) return std::unexpected(done.error());
  }
  return IndexedJournal(std::move(state));
}

std::expected<void, Error> IndexedJournal::find(const std::vector<IndexKey>& keys,
                                                const std::function<bool(const RecordView&)>& visit, TimeRange range) {
  std::vector<std::uint64_t> hashes;
  for (const auto& key : keys) hashes.push_back(index_hash(key));
  for (auto& s : state_->segments) {
    const bool empty = s.index.last_seq < s.index.first_seq;
    if (empty || s.index.max_ts < range.from_ns || s.index.min_ts > range.to_ns) continue;
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::map<std::uint32_t, std::uint32_t> hits;  // seq delta -> offset, in seq order
      for (const auto h : hashes) {
        for (const auto& e : s.index.find(h)) hits.emplace(e.seq_delta, e.offset);
      }
      if (hits.empty()) break;
      auto bytes = state_->bytes_of(s);
      if (!bytes) return std::unexpected(bytes.error());
      const char* data = (*bytes)->data();
      const std::size_t size = (*bytes)->size();
      // Every entry must name the record at its offset; otherwise the sidecar is not this
      // segment's (rewritten, or an archive put back from elsewhere): index it afresh, once.
      bool stale = false;
      std::vector<RecordView> found;
      for (const auto& [delta, offset] : hits) {
        RecordView view;
        std::size_t frame_size = 0;
        if (offset >= size || detail::decode_frame(data + offset, size - offset, view, frame_size) != detail::FrameStatus::ok ||
            view.seq != s.info.first_seq + delta) {
          stale = true;
          break;
        }
        found.push_back(view);
      }
      if (stale && attempt == 0) {
        s.index = fresh_index(s.info.first_seq, **bytes);
        ++state_->indexed_here;
        state_->bytes_here += size;
        continue;
      }
      if (stale) {
        return std::unexpected(make_error(ErrorKind::bad_header, "index of segment does not match it",
                                          s.info.path.string()));
      }
      for (const auto& view : found) {
        if (range.contains(view.timestamp_ns) && !visit(view)) return {};
      }
      State::release(s);
      break;
    }
  }
  return {};
}

bool IndexedJournal::complete() const {
  return std::none_of(state_->segments.begin(), state_->segments.end(),
                      [](const State::Segment& s) { return s.index.incomplete; });
}

std::uint64_t IndexedJournal::segments_indexed_here() const { return state_->indexed_here; }
std::uint64_t IndexedJournal::bytes_indexed_here() const { return state_->bytes_here; }

}  // namespace fixgate::journal
