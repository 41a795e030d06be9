// SPDX-License-Identifier: Apache-2.0
// Sidecar indexes: written by the journal when a segment closes and at a clean close, read by
// IndexedJournal, which answers exactly what a full scan would whether or not the sidecars are
// there, whole, or current.

#include <catch2/catch.hpp>

#include <set>

#include "fixgate/journal/index.hpp"
#include "test_util.hpp"

using namespace journal_test;

namespace {

/// Appends `orders` orders of five records each (request, accepted, NewOrderSingle, report,
/// apply_fix); returns the last seq.
std::uint64_t write_orders(Journal& j, int from, int orders) {
  std::uint64_t last = 0;
  for (int n = from; n < from + orders; ++n) {
    const auto id = std::to_string(n);
    const auto ts = static_cast<std::int64_t>(n) * 1000;
    REQUIRE(j.append(RecordKind::upstream_request, "demo",
                     R"({"op":"new","client_order_id":"c)" + id + R"(","account":"A)" + std::to_string(n % 3) +
                         R"(","symbol":"S)" + std::to_string(n % 5) + R"("})" "\n", ts));
    REQUIRE(j.append(RecordKind::upstream_event, "demo",
                     R"({"event":"accepted","seq":1,"client_order_id":"c)" + id + R"(","cl_ord_id":"FG)" + id + R"("})" "\n", ts));
    REQUIRE(j.append(RecordKind::fix_out, "SIM", fix("8=FIX.4.4|35=D|11=FG" + id + "|1=A" + std::to_string(n % 3) + "|"), ts));
    auto report = j.append(RecordKind::fix_in, "SIM", fix("8=FIX.4.4|35=8|11=FG" + id + "|37=O" + id + "|17=E" + id + "|"), ts);
    REQUIRE(report);
    auto marker = j.append(RecordKind::engine_event, "SIM", "apply_fix " + std::to_string(*report), ts);
    REQUIRE(marker);
    last = *marker;
  }
  REQUIRE(j.wait_durable(last, std::chrono::seconds(30)));
  return last;
}

/// The seqs carrying `key`, by reading every record (what an index must agree with).
std::set<std::uint64_t> by_scan(const fs::path& dir, const IndexKey& key) {
  std::set<std::uint64_t> out;
  REQUIRE(scan(dir, [&](const RecordView& r) {
    const auto keys = index_keys(audit_fields(r.kind, r.payload));
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) out.insert(r.seq);
    return true;
  }));
  return out;
}

std::set<std::uint64_t> by_index(IndexedJournal& index, const std::vector<IndexKey>& keys) {
  std::set<std::uint64_t> out;
  std::uint64_t previous = 0;
  REQUIRE(index.find(keys, [&](const RecordView& r) {
    CHECK(r.seq > previous);  // in seq order, each once
    previous = r.seq;
    out.insert(r.seq);
    return true;
  }));
  return out;
}

const std::vector<IndexKey> probes{{IndexKind::id, "c7"},      {IndexKind::id, "FG7"},  {IndexKind::id, "O42"},
                                   {IndexKind::id, "E99"},     {IndexKind::account, "A1"}, {IndexKind::symbol, "S4"},
                                   {IndexKind::applies, "19"}, {IndexKind::id, "nothing"}};

void agrees_with_scan(const fs::path& dir, IndexedJournal& index) {
  for (const auto& key : probes) {
    INFO(key.text);
    CHECK(by_index(index, {key}) == by_scan(dir, key));
  }
}

}  // namespace

TEST_CASE("the journal writes a sidecar for each closed segment and the last one at close") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::batch, 4096);
    write_orders(*j, 1, 120);
    REQUIRE(j->wait_maintenance(std::chrono::seconds(30)));
  }
  auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  REQUIRE(segments->size() > 5);
  for (const auto& s : *segments) {
    auto index = SegmentIndex::load(index_path(tmp.journal(), s.first_seq));
    REQUIRE(index);
    CHECK(index->covered_bytes == s.bytes);  // the whole segment, the last one included
  }
  auto index = IndexedJournal::open(tmp.journal());
  REQUIRE(index);
  CHECK(index->segments_indexed_here() == 0);
  CHECK(index->bytes_indexed_here() == 0);
  CHECK(index->complete());
  agrees_with_scan(tmp.journal(), *index);
  CHECK(by_index(*index, {{IndexKind::id, "FG7"}}).size() == 3);  // accepted, NewOrderSingle, report
}

TEST_CASE("missing, damaged or stale sidecars are indexed afresh and the answers stay exact") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    write_orders(*j, 1, 60);
  }
  auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  REQUIRE(segments->size() >= 4);
  fs::remove(index_path(tmp.journal(), (*segments)[0].first_seq));
  auto damaged = read_file(index_path(tmp.journal(), (*segments)[1].first_seq));
  damaged[damaged.size() / 2] ^= 0x20;
  write_file(index_path(tmp.journal(), (*segments)[1].first_seq), damaged);
  // Another segment's entries under this one's name and size: they name records that are not
  // there, which the first lookup that touches them notices.
  auto foreign = SegmentIndex::load(index_path(tmp.journal(), (*segments)[3].first_seq));
  REQUIRE(foreign);
  foreign->first_seq = (*segments)[2].first_seq;
  foreign->covered_bytes = (*segments)[2].bytes;
  REQUIRE(foreign->save(index_path(tmp.journal(), (*segments)[2].first_seq)));
  auto index = IndexedJournal::open(tmp.journal());
  REQUIRE(index);
  CHECK(index->segments_indexed_here() == 2);  // the missing and the damaged one
  agrees_with_scan(tmp.journal(), *index);
  for (int n = 1; n <= 60; ++n) {
    const auto got = by_index(*index, {{IndexKind::id, "FG" + std::to_string(n)}});
    CHECK(got == by_scan(tmp.journal(), {IndexKind::id, "FG" + std::to_string(n)}));
  }
  CHECK(index->segments_indexed_here() == 3);  // and the foreign one, once a lookup touched it
}

TEST_CASE("records written after a sidecar are found from the segment's tail") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 1 << 20);
    write_orders(*j, 1, 10);
  }
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 1 << 20);
    write_orders(*j, 11, 10);
    auto index = IndexedJournal::open(tmp.journal());  // while the journal is open: no new sidecar yet
    REQUIRE(index);
    CHECK(index->segments_indexed_here() == 0);
    CHECK(index->bytes_indexed_here() > 0);
    CHECK(by_index(*index, {{IndexKind::id, "c15"}}) == by_scan(tmp.journal(), {IndexKind::id, "c15"}));
    CHECK(by_index(*index, {{IndexKind::id, "c15"}}).size() == 2);
  }
}

TEST_CASE("a record with an id no index can hold makes the index say it is not complete") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal());
    write_orders(*j, 1, 3);
    REQUIRE(j->append(RecordKind::upstream_request, "demo", R"({"op":"new","client_order_id":"\u0041"})", 1));
  }
  auto index = IndexedJournal::open(tmp.journal());
  REQUIRE(index);
  CHECK_FALSE(index->complete());
}

TEST_CASE("write_missing_indexes writes only what is missing or stale") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 4096);
    write_orders(*j, 1, 30);
  }
  auto none = write_missing_indexes(tmp.journal());
  REQUIRE(none);
  CHECK(*none == 0);
  auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  fs::remove(index_path(tmp.journal(), (*segments)[1].first_seq));
  auto one = write_missing_indexes(tmp.journal());
  REQUIRE(one);
  CHECK(*one == 1);
  CHECK(SegmentIndex::load(index_path(tmp.journal(), (*segments)[1].first_seq)));
}
