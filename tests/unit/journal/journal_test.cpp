// SPDX-License-Identifier: Apache-2.0
// Writer and reader round trips: segment rolls, sync policies, reopen, concurrent producers.

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "test_util.hpp"

using namespace journal_test;

TEST_CASE("a written record reads back byte for byte") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::batch);
    auto seq = j->append(RecordKind::fix_out, "LSE", std::string("a\0b", 3), 42);
    REQUIRE(seq);
    CHECK(*seq == 1);
    REQUIRE(j->wait_durable(1, std::chrono::seconds(5)));
    CHECK(j->durable_seq() == 1);
  }
  const auto got = read_all(tmp.journal());
  REQUIRE(got.size() == 1);
  CHECK(got[0] == Record{1, 42, RecordKind::fix_out, "LSE", std::string("a\0b", 3)});
  REQUIRE(verify(tmp.journal()));
}

TEST_CASE("an empty journal opens, scans and verifies") {
  TempDir tmp;
  auto j = open_journal(tmp.journal());
  CHECK(j->last_seq() == 0);
  CHECK(j->durable_seq() == 0);
  CHECK(j->recovery().records == 0);
  CHECK(j->recovery().last_hash == genesis_hash());
  CHECK(read_all(tmp.journal()).empty());
  auto v = verify(tmp.journal());
  REQUIRE(v);
  CHECK(v->records == 0);
}

TEST_CASE("many records round trip across segment rolls and reopen continues the chain") {
  TempDir tmp;
  const std::uint64_t n = 3000;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 16 * 1024);
    append_range(*j, 1, n / 2);
  }
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::batch, 16 * 1024);
    CHECK(j->recovery().last_seq == n / 2);
    CHECK(j->recovery().records == n / 2);
    CHECK_FALSE(j->recovery().truncated);
    CHECK(j->durable_seq() == n / 2);
    CHECK(j->last_seq() == n / 2);
    append_range(*j, n / 2 + 1, n);
    REQUIRE(j->close());
  }
  const auto got = read_all(tmp.journal());
  REQUIRE(got.size() == n);
  for (std::uint64_t s = 1; s <= n; ++s) REQUIRE(got[s - 1] == record_for(s));

  auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  CHECK(segments->size() > 10);
  CHECK(segments->front().first_seq == 1);
  for (const auto& seg : *segments) {
    CHECK(seg.bytes <= 16 * 1024);
    CHECK(seg.path.filename().string().size() == 24);
    auto alone = verify_segment(seg.path);
    REQUIRE(alone);
    CHECK(alone->first_seq == seg.first_seq);
  }
  auto v = verify(tmp.journal());
  REQUIRE(v);
  CHECK(v->records == n);
  CHECK(v->last_seq == n);
  CHECK(v->segments == segments->size());
}

TEST_CASE("a reader starts at any seq") {
  TempDir tmp;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::none, 8 * 1024);
    append_range(*j, 1, 500);
  }
  for (std::uint64_t from : {1u, 2u, 77u, 250u, 500u}) {
    ReadOptions o;
    o.from_seq = from;
    const auto got = read_all(tmp.journal(), o);
    REQUIRE(got.size() == 500 - from + 1);
    CHECK(got.front().seq == from);
  }
  ReadOptions past;
  past.from_seq = 501;
  CHECK(read_all(tmp.journal(), past).empty());
}

TEST_CASE("every sync policy makes appended records durable and reports progress") {
  for (auto policy : {SyncPolicy::every, SyncPolicy::batch, SyncPolicy::none}) {
    TempDir tmp;
    std::mutex m;
    std::vector<std::uint64_t> reported;
    Options o;
    o.dir = tmp.journal();
    o.sync = policy;
    o.on_durable = [&](std::uint64_t seq) {
      std::lock_guard lock(m);
      reported.push_back(seq);
    };
    auto opened = Journal::open(std::move(o));
    REQUIRE(opened);
    auto& j = **opened;
    const std::uint64_t n = 200;
    append_range(j, 1, n);
    CHECK(j.durable_seq() == n);
    CHECK(j.failure() == std::nullopt);
    REQUIRE(j.close());
    std::lock_guard lock(m);
    REQUIRE_FALSE(reported.empty());
    CHECK(reported.back() == n);
    for (std::size_t i = 1; i < reported.size(); ++i) CHECK(reported[i] > reported[i - 1]);
    // `every` syncs and reports each record on its own; the others group.
    if (policy == SyncPolicy::every) CHECK(reported.size() == n);
    CHECK(read_all(tmp.journal()).size() == n);
  }
}

TEST_CASE("the writer times each batch it writes and each fdatasync") {
  for (auto policy : {SyncPolicy::every, SyncPolicy::batch, SyncPolicy::none}) {
    INFO("policy " << static_cast<int>(policy));
    TempDir tmp;
    auto j = open_journal(tmp.journal(), policy);
    const std::uint64_t n = 50;
    append_range(*j, 1, n);
    const auto& timings = j->timings();
    const auto writes = timings.append.snapshot();
    const auto syncs = timings.sync.snapshot();
    CHECK(writes.sum > 0);
    if (policy == SyncPolicy::every) {
      CHECK(writes.count == n);  // no grouping: each record written and synced on its own
      CHECK(syncs.count == n);
    } else {
      CHECK((writes.count >= 1 && writes.count <= n));  // grouped: one write per batch
    }
    if (policy == SyncPolicy::batch) CHECK(syncs.count == writes.count);  // one fdatasync per batch
    if (policy == SyncPolicy::none) CHECK(syncs.count == 0);              // nothing synced while running...
    REQUIRE(j->close());
    if (policy == SyncPolicy::none) CHECK(timings.sync.snapshot().count == 1);  // ...but once at close
  }
}

TEST_CASE("wait_durable refuses a seq that was never appended and times out cleanly") {
  TempDir tmp;
  auto j = open_journal(tmp.journal());
  auto never = j->wait_durable(5, std::chrono::milliseconds(1));
  REQUIRE_FALSE(never);
  CHECK(never.error().kind == ErrorKind::invalid_argument);
  append_range(*j, 1, 1);
  CHECK(j->wait_durable(1, std::chrono::nanoseconds::max()));
}

TEST_CASE("appends after close are refused") {
  TempDir tmp;
  auto j = open_journal(tmp.journal());
  append_range(*j, 1, 3);
  REQUIRE(j->close());
  auto late = j->append(RecordKind::engine_event, "", "x", 0);
  REQUIRE_FALSE(late);
  CHECK(late.error().kind == ErrorKind::closed);
}

TEST_CASE("a second writer on the same directory is refused") {
  TempDir tmp;
  auto first = open_journal(tmp.journal());
  Options o;
  o.dir = tmp.journal();
  auto second = Journal::open(std::move(o));
  REQUIRE_FALSE(second);
  CHECK(second.error().kind == ErrorKind::locked);
}

TEST_CASE("concurrent appenders from two threads get contiguous seqs") {
  TempDir tmp;
  auto j = open_journal(tmp.journal(), SyncPolicy::batch, 64 * 1024);
  const std::uint64_t per_thread = 20000;
  std::vector<std::uint64_t> seqs[2];
  auto producer = [&](int id) {
    for (std::uint64_t i = 0; i < per_thread; ++i) {
      const std::string payload = std::to_string(id) + ":" + std::to_string(i);
      auto seq = j->append(RecordKind::upstream_event, "client" + std::to_string(id), payload, 0);
      if (!seq) return;
      seqs[id].push_back(*seq);
    }
  };
  std::thread a(producer, 0);
  std::thread b(producer, 1);
  a.join();
  b.join();
  REQUIRE(seqs[0].size() == per_thread);
  REQUIRE(seqs[1].size() == per_thread);
  REQUIRE(j->wait_durable(2 * per_thread, std::chrono::seconds(60)));
  REQUIRE(j->close());
  for (const auto& s : seqs) {
    for (std::size_t i = 1; i < s.size(); ++i) REQUIRE(s[i] > s[i - 1]);
  }
  std::vector<bool> seen(2 * per_thread + 1, false);
  for (const auto& s : seqs) {
    for (auto q : s) {
      REQUIRE(q >= 1);
      REQUIRE(q <= 2 * per_thread);
      REQUIRE_FALSE(seen[q]);
      seen[q] = true;
    }
  }
  // On disk each record is where its seq says, and each thread's payloads are in its own order.
  std::uint64_t next[2] = {0, 0};
  std::uint64_t expected_seq = 1;
  auto s = scan(tmp.journal(), [&](const RecordView& v) {
    REQUIRE(v.seq == expected_seq++);
    const int id = v.payload[0] - '0';
    REQUIRE(v.payload == std::to_string(id) + ":" + std::to_string(next[id]++));
    return true;
  });
  REQUIRE(s);
  CHECK(s->records == 2 * per_thread);
  REQUIRE(verify(tmp.journal()));
}

TEST_CASE("record kinds have stable codes and names") {
  CHECK(static_cast<int>(RecordKind::fix_in) == 1);
  CHECK(static_cast<int>(RecordKind::checkpoint) == 7);
  for (std::uint16_t k = 1; k <= max_known_kind; ++k) {
    const auto kind = static_cast<RecordKind>(k);
    CHECK(kind_from_name(name(kind)) == kind);
  }
  CHECK(name(static_cast<RecordKind>(99)) == "unknown");
  CHECK_FALSE(kind_from_name("nope"));
}
