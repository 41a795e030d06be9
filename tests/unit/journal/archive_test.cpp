// SPDX-License-Identifier: Apache-2.0
// Archiving: closed segments old enough move to the archive directory zstd-compressed, only
// after the copy reads back identical; recovery, scans, verify and the indexes read them as one
// chain with the live segments; a missing or altered archive is named.

#include <catch2/catch.hpp>

#include <zstd.h>

#include "archive.hpp"
#include "crc32c.hpp"
#include "fixgate/journal/index.hpp"
#include "format.hpp"
#include "test_util.hpp"

using namespace journal_test;

namespace {

std::unique_ptr<Journal> open_archiving(const TempDir& tmp, std::chrono::seconds after = std::chrono::seconds(0)) {
  Options o;
  o.dir = tmp.journal();
  o.sync = SyncPolicy::batch;
  o.segment_bytes = 4096;
  o.archive = ArchiveOptions{tmp.path() / "archive", after, 3};
  auto j = Journal::open(std::move(o));
  if (!j) FAIL("open: " << j.error().to_string());
  return std::move(*j);
}

std::vector<fs::path> files(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Writes 300 records through an archiving journal and closes it; returns the summary of a
/// verify of the journal before anything could move (the reference chain head).
Hash write_and_archive(const TempDir& tmp) {
  auto j = open_archiving(tmp);
  append_range(*j, 1, 300);
  REQUIRE(j->wait_maintenance(std::chrono::seconds(30)));
  return j->durable_hash();
}

}  // namespace

TEST_CASE("closed segments move to the archive compressed, and the journal reads as one chain") {
  TempDir tmp;
  const Hash head = write_and_archive(tmp);
  const auto archived = files(tmp.path() / "archive", ".fgj.zst");
  const auto live = files(tmp.journal(), ".fgj");
  REQUIRE(archived.size() > 5);
  CHECK(live.size() == 1);  // only the segment being written stays
  CHECK(read_file(tmp.journal() / "ARCHIVE") == (tmp.path() / "archive").string() + "\n");
  auto summary = verify(tmp.journal());
  REQUIRE(summary);
  CHECK(summary->records == 300);
  CHECK(summary->last_hash == head);
  const auto records = read_all(tmp.journal());
  REQUIRE(records.size() == 300);
  for (std::uint64_t s = 1; s <= 300; ++s) CHECK(records[s - 1] == record_for(s));
  // Recovery reads them too and the journal goes on.
  {
    auto j = open_archiving(tmp);
    CHECK(j->recovery().last_seq == 300);
    append_range(*j, 301, 320);
  }
  CHECK(verify(tmp.journal())->records == 320);
  // An archived segment on its own.
  CHECK(verify_segment(archived.front())->first_seq == 1);
}

TEST_CASE("a segment younger than the archive age stays where it is") {
  TempDir tmp;
  {
    auto j = open_archiving(tmp, std::chrono::hours(1));
    append_range(*j, 1, 300);
    REQUIRE(j->wait_maintenance(std::chrono::seconds(30)));
  }
  CHECK(files(tmp.path() / "archive", ".fgj.zst").empty());
  CHECK(files(tmp.journal(), ".fgj").size() > 5);
}

TEST_CASE("a missing archived segment is named, by verify and by recovery") {
  TempDir tmp;
  write_and_archive(tmp);
  const auto archived = files(tmp.path() / "archive", ".fgj.zst");
  fs::remove(archived[2]);
  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::seq_gap);
  CHECK_THAT(v.error().text, Catch::Contains(archived[2].string()));
  Options o;
  o.dir = tmp.journal();
  auto j = Journal::open(o);
  REQUIRE_FALSE(j);
  CHECK_THAT(j.error().text, Catch::Contains(archived[2].string()));
  fs::remove(archived[0]);
  v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK_THAT(v.error().text, Catch::Contains(archived[0].string()));  // the first one: no seq 1
}

TEST_CASE("an altered archive is named: a damaged file, or a record rewritten and recompressed") {
  TempDir tmp;
  write_and_archive(tmp);
  const auto archived = files(tmp.path() / "archive", ".fgj.zst");
  const auto original = read_file(archived[1]);

  auto damaged = original;
  damaged[damaged.size() / 2] ^= 0x01;
  write_file(archived[1], damaged);
  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::bad_archive);
  CHECK(v.error().segment == archived[1].string());

  // Someone who can decompress, edit a payload byte, fix the CRC and recompress: the chain says so.
  write_file(archived[1], original);
  auto bytes = detail::decompress_segment(archived[1].string());
  REQUIRE(bytes);
  std::string segment(bytes->data(), bytes->size());
  RecordView first;
  std::size_t frame = 0;
  REQUIRE(detail::decode_frame(segment.data() + 64, segment.size() - 64, first, frame) == detail::FrameStatus::ok);
  segment[static_cast<std::size_t>(first.payload.data() - segment.data())] ^= 0x01;
  const auto body_len = detail::load<std::uint32_t>(segment.data() + 64);
  detail::store<std::uint32_t>(segment.data() + 68, detail::crc32c(segment.data() + 72, body_len + 32));
  std::string packed(ZSTD_compressBound(segment.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), segment.data(), segment.size(), 3));
  write_file(archived[1], packed);
  v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::hash_mismatch);
  CHECK(v.error().segment == archived[1].string());
  CHECK(v.error().seq == first.seq);
}

TEST_CASE("an archive directory the journal names but that is gone is named") {
  TempDir tmp;
  write_and_archive(tmp);
  fs::rename(tmp.path() / "archive", tmp.path() / "elsewhere");
  auto v = verify(tmp.journal());
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::bad_archive);
  CHECK_THAT(v.error().text, Catch::Contains((tmp.path() / "archive").string()));
}

TEST_CASE("a segment both archived and still present is read once, and archiving it again only removes it") {
  TempDir tmp;
  {
    auto j = open_archiving(tmp, std::chrono::hours(1));
    append_range(*j, 1, 100);
  }
  const auto live = files(tmp.journal(), ".fgj");
  REQUIRE(live.size() > 2);
  const auto first_seq = *detail::parse_segment_name(live[0].filename().string());
  // As a crash between the archive copy's rename and the segment's removal leaves it.
  const ArchiveOptions options{tmp.path() / "archive", std::chrono::seconds(0), 3};
  const auto copy = tmp.path() / "copy.fgj";
  fs::copy_file(live[0], copy);
  REQUIRE(detail::archive_segment(tmp.journal(), first_seq, options));
  fs::copy_file(copy, live[0]);
  CHECK(read_all(tmp.journal()).size() == 100);
  REQUIRE(detail::archive_segment(tmp.journal(), first_seq, options));
  CHECK_FALSE(fs::exists(live[0]));
  CHECK(verify(tmp.journal())->records == 100);
  // A copy in the way that is not the segment's: the segment stays.
  fs::copy_file(live[1], copy, fs::copy_options::overwrite_existing);
  const auto second = *detail::parse_segment_name(live[1].filename().string());
  write_file(tmp.path() / "archive" / detail::archive_name(second), "not a zstd frame");
  auto refused = detail::archive_segment(tmp.journal(), second, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::bad_archive);
  CHECK(fs::exists(live[1]));
}

TEST_CASE("the indexes find records in archived segments") {
  TempDir tmp;
  {
    auto j = open_archiving(tmp);
    for (int n = 1; n <= 200; ++n) {
      REQUIRE(j->append(RecordKind::upstream_request, "demo", R"({"op":"new","client_order_id":"c)" + std::to_string(n) + R"("})", n));
    }
    REQUIRE(j->wait_durable(200, std::chrono::seconds(10)));
    REQUIRE(j->wait_maintenance(std::chrono::seconds(30)));
  }
  REQUIRE(files(tmp.path() / "archive", ".fgj.zst").size() > 2);
  auto index = IndexedJournal::open(tmp.journal());
  REQUIRE(index);
  CHECK(index->segments_indexed_here() == 0);  // the sidecars stayed with the journal
  std::vector<std::uint64_t> found;
  REQUIRE(index->find({{IndexKind::id, "c3"}, {IndexKind::id, "c177"}}, [&](const RecordView& r) {
    found.push_back(r.seq);
    return true;
  }));
  CHECK(found == std::vector<std::uint64_t>{3, 177});
}
