// SPDX-License-Identifier: Apache-2.0
// Recovery and verify: torn tails are cut and reported, damage anywhere else is refused and named.

#include <catch2/catch.hpp>

#include <cstring>

#include "test_util.hpp"

using namespace journal_test;

namespace {

/// Byte offset of record `seq` in a single-segment journal built by append_range(1, ...).
std::uint64_t offset_of(std::uint64_t seq) {
  std::uint64_t off = header_size;
  for (std::uint64_t s = 1; s < seq; ++s) off += frame_size(stream_for(s), payload_for(s));
  return off;
}

fs::path only_segment(const fs::path& dir) {
  auto segs = list_segments(dir);
  if (!segs || segs->size() != 1) throw std::runtime_error("expected one segment");
  return segs->front().path;
}

void flip_byte(const fs::path& file, std::uint64_t offset) {
  std::string bytes = read_file(file);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5A);
  write_file(file, bytes);
}

}  // namespace

TEST_CASE("truncating the last record at every byte keeps exactly the records before it") {
  TempDir tmp;
  const fs::path original = tmp.path() / "original";
  const std::uint64_t n = 6;
  {
    auto j = open_journal(original);
    append_range(*j, 1, n);
  }
  const std::string segment_name = only_segment(original).filename().string();
  const std::uint64_t last_start = offset_of(n);
  const std::uint64_t end = offset_of(n + 1);
  REQUIRE(fs::file_size(original / segment_name) == end);

  for (std::uint64_t cut = last_start; cut < end; ++cut) {
    INFO("cut at byte " << cut);
    const fs::path dir = tmp.path() / "cut";
    copy_dir(original, dir);
    fs::resize_file(dir / segment_name, cut);

    auto opened = Journal::open(Options{.dir = dir});
    REQUIRE(opened);
    auto& j = **opened;
    const auto& report = j.recovery();
    CHECK(report.last_seq == n - 1);
    CHECK(report.records == n - 1);
    CHECK(report.truncated == (cut > last_start));
    if (cut > last_start) {
      CHECK(report.truncated_segment == (dir / segment_name).string());
      CHECK(report.truncated_offset == last_start);
      CHECK(report.truncated_bytes == cut - last_start);
      CHECK(report.to_string().find("after seq " + std::to_string(n - 1)) != std::string::npos);
    }
    CHECK(fs::file_size(dir / segment_name) == last_start);
    // Appends continue with the next seq and the chain from the last good record.
    append_range(j, n, n + 1);
    REQUIRE(j.close());
    const auto got = read_all(dir);
    REQUIRE(got.size() == n + 1);
    CHECK(got[n - 1] == record_for(n));
    REQUIRE(verify(dir));
  }
}

TEST_CASE("a last segment cut inside its header is removed and reported") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    append_range(*j, 1, 100);
  }
  auto segs = list_segments(tmp.journal());
  REQUIRE(segs);
  REQUIRE(segs->size() >= 2);
  const auto last = segs->back();
  fs::resize_file(last.path, 30);
  auto j = open_journal(tmp.journal(), SyncPolicy::batch, 4096);
  CHECK(j->recovery().removed_segment == last.path.string());
  CHECK(j->recovery().last_seq == last.first_seq - 1);
  append_range(*j, last.first_seq, 120);
  REQUIRE(j->close());
  REQUIRE(verify(tmp.journal()));
}

TEST_CASE("zeros after the last record are a torn tail") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal());
    append_range(*j, 1, 10);
  }
  const auto seg = only_segment(tmp.journal());
  write_file(seg, read_file(seg) + std::string(4096, '\0'));
  auto j = open_journal(tmp.journal());
  CHECK(j->recovery().truncated);
  CHECK(j->recovery().truncated_reason == ErrorKind::bad_length);
  CHECK(j->recovery().last_seq == 10);
}

TEST_CASE("a flipped byte in the middle is named by verify and refused by open") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal());
    append_range(*j, 1, 10);
  }
  const auto seg = only_segment(tmp.journal());
  // Offsets inside record 4: the length, the CRC, the seq, the payload and the hash.
  const std::uint64_t start = offset_of(4);
  const std::uint64_t size = frame_size(stream_for(4), payload_for(4));
  for (std::uint64_t at : {start, start + 5, start + 9, start + size - 40, start + size - 1}) {
    INFO("flipped byte " << at);
    const fs::path dir = tmp.path() / "flipped";
    copy_dir(tmp.journal(), dir);
    flip_byte(dir / seg.filename(), at);

    auto v = verify(dir);
    REQUIRE_FALSE(v);
    CHECK(v.error().seq == 4);
    CHECK(v.error().offset == start);
    CHECK(v.error().last_good_seq == 3);
    CHECK(v.error().segment == (dir / seg.filename()).string());

    auto opened = Journal::open(Options{.dir = dir});
    REQUIRE_FALSE(opened);
    CHECK(opened.error().seq == 4);
    CHECK(opened.error().offset == start);
    CHECK(opened.error().text.find(seg.filename().string()) != std::string::npos);
  }
}

TEST_CASE("damage in a segment that is not the last is refused even at its end") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    append_range(*j, 1, 100);
  }
  auto segs = list_segments(tmp.journal());
  REQUIRE(segs);
  REQUIRE(segs->size() >= 3);
  const auto victim = (*segs)[1];
  fs::resize_file(victim.path, victim.bytes - 1);
  auto opened = Journal::open(Options{.dir = tmp.journal()});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().segment == victim.path.string());
  REQUIRE_FALSE(verify(tmp.journal()));
}

TEST_CASE("a rewritten record with a fixed-up CRC breaks the hash chain") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal());
    append_range(*j, 1, 10);
  }
  const auto seg = only_segment(tmp.journal());
  std::string bytes = read_file(seg);
  const std::uint64_t start = offset_of(5);
  const std::uint64_t size = frame_size(stream_for(5), payload_for(5));
  bytes[start + 8 + 28 + stream_for(5).size()] = 'X';  // first payload byte
  // Recompute the CRC as a tamperer would (CRC32C over body and hash).
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint64_t i = start + 8; i < start + size; ++i) {
    crc ^= static_cast<unsigned char>(bytes[i]);
    for (int k = 0; k < 8; ++k) crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  crc = ~crc;
  std::memcpy(bytes.data() + start + 4, &crc, 4);
  write_file(seg, bytes);

  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::hash_mismatch);
  CHECK(v.error().seq == 5);
  CHECK(v.error().offset == start);
  // A plain scan checks CRCs only: the record reads, with the tampered byte.
  CHECK(read_all(tmp.journal())[4].payload[0] == 'X');
}

TEST_CASE("a deleted middle segment is a named seq gap") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    append_range(*j, 1, 100);
  }
  auto segs = list_segments(tmp.journal());
  REQUIRE(segs);
  REQUIRE(segs->size() >= 3);
  const auto removed = (*segs)[1];
  const auto after = (*segs)[2];
  fs::remove(removed.path);

  auto opened = Journal::open(Options{.dir = tmp.journal()});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::seq_gap);
  CHECK(opened.error().segment == after.path.string());
  CHECK(opened.error().seq == removed.first_seq);
  CHECK(opened.error().last_good_seq == removed.first_seq - 1);
  CHECK(opened.error().text.find("missing") != std::string::npos);

  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::seq_gap);
  CHECK(v.error().seq == removed.first_seq);
}

TEST_CASE("a deleted first segment fails verify but each remaining segment verifies alone") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    append_range(*j, 1, 100);
  }
  auto segs = list_segments(tmp.journal());
  REQUIRE(segs);
  fs::remove(segs->front().path);
  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::seq_gap);
  for (std::size_t i = 1; i < segs->size(); ++i) REQUIRE(verify_segment((*segs)[i].path));
}

TEST_CASE("verify reports a torn tail that a non-strict scan treats as the end") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal());
    append_range(*j, 1, 5);
  }
  const auto seg = only_segment(tmp.journal());
  fs::resize_file(seg, fs::file_size(seg) - 3);
  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::torn_tail);
  CHECK(v.error().seq == 5);
  auto s = scan(tmp.journal(), [](const RecordView&) { return true; });
  REQUIRE(s);
  CHECK(s->records == 4);
  REQUIRE(s->tail);
  CHECK(s->tail->kind == ErrorKind::torn_tail);
}
