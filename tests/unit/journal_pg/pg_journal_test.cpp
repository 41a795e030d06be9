// SPDX-License-Identifier: Apache-2.0
// PgJournal round trips, seq numbering, the chain against the file backend, redaction, audit
// columns, and when durable_seq() may move.

#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include "fixgate/journal/journal.hpp"
#include "pg_test_util.hpp"

using namespace pg_test;

TEST_CASE("pg: a written record reads back byte for byte") {
  const auto name = unique_name("roundtrip");
  {
    auto j = open_pg(name);
    auto seq = j->append(RecordKind::fix_out, "LSE", std::string("a\0b", 3), 42);
    REQUIRE(seq);
    CHECK(*seq == 1);
    REQUIRE(j->wait_durable(1, std::chrono::seconds(10)));
    CHECK(j->durable_seq() == 1);
    REQUIRE(j->close());
  }
  const auto got = read_all(name);
  REQUIRE(got.size() == 1);
  CHECK(got[0].record == Record{1, 42, RecordKind::fix_out, "LSE", std::string("a\0b", 3)});
  // The row itself, read with plain SQL.
  Sql sql;
  auto rows = sql.query("SELECT seq, ts_ns, kind, flags, encode(stream, 'escape'), encode(payload, 'hex'),"
                        " octet_length(hash) FROM fixgate_journal WHERE journal = $1", {name});
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0][0] == "1");
  CHECK(*rows[0][1] == "42");
  CHECK(*rows[0][2] == "2");
  CHECK(*rows[0][3] == "0");
  CHECK(*rows[0][4] == "LSE");
  CHECK(*rows[0][5] == "610062");
  CHECK(*rows[0][6] == "32");
  auto v = pg_verify(dsn(), name);
  REQUIRE(v);
  CHECK(v->records == 1);
}

TEST_CASE("pg: an empty journal opens, scans and verifies") {
  const auto name = unique_name("empty");
  auto j = open_pg(name);
  CHECK(j->last_seq() == 0);
  CHECK(j->durable_seq() == 0);
  CHECK(j->recovery().records == 0);
  CHECK(j->recovery().last_hash == genesis_hash());
  CHECK(j->recovery().schema_version == pg_schema_version);
  CHECK(j->durable_hash() == genesis_hash());
  CHECK(read_all(name).empty());
  auto v = j->verify();
  REQUIRE(v);
  CHECK(v->records == 0);
}

TEST_CASE("pg: many records round trip and a reader starts at any seq") {
  const auto name = unique_name("many");
  const std::uint64_t n = 3000;
  auto j = open_pg(name);
  append_range(*j, 1, n);
  CHECK(j->last_seq() == n);
  CHECK(j->durable_seq() == n);
  const auto got = read_all(name);
  REQUIRE(got.size() == n);
  for (std::uint64_t s = 1; s <= n; ++s) REQUIRE(got[s - 1].record == record_for(s));
  for (std::uint64_t from : {1u, 2u, 77u, 2500u, 3000u}) {
    ReadOptions o;
    o.from_seq = from;
    o.verify_chain = true;
    const auto part = read_all(name, o);
    REQUIRE(part.size() == n - from + 1);
    CHECK(part.front().record.seq == from);
  }
  ReadOptions past;
  past.from_seq = n + 1;
  CHECK(read_all(name, past).empty());
  // A scan stops when the visitor says so.
  std::uint64_t seen = 0;
  auto s = j->scan([&](const RecordView&) { return ++seen < 10; });
  REQUIRE(s);
  CHECK(seen == 10);
  auto v = j->verify();
  REQUIRE(v);
  CHECK(v->records == n);
  CHECK(v->last_seq == n);
  CHECK(v->last_hash == j->durable_hash());
}

TEST_CASE("pg: the chain is identical to the file backend's for the same records") {
  // FIX records with secrets included, so redaction and its flag are part of what is compared.
  std::vector<Record> records;
  for (std::uint64_t s = 1; s <= 400; ++s) records.push_back(record_for(s));
  records[9] = Record{10, 10000, RecordKind::fix_in, "LSE",
                      fix("8=FIX.4.4|9=40|35=A|553=u|554=s3cret|925=n3w|98=0|108=30|10=000|")};
  records[10] = Record{11, 11000, RecordKind::fix_out, "LSE", fix("8=FIX.4.4|35=D|11=c1|1=ACC|55=7203|10=000|")};
  records[11] = Record{12, 12000, RecordKind::upstream_request, "demo", "{\"op\":\"new\",\"554\":\"x\"}"};
  records[12] = Record{13, -5, static_cast<RecordKind>(42), "", ""};  // unknown kind, negative time

  journal_test::TempDir tmp;
  {
    Options o;
    o.dir = tmp.journal();
    o.sync = SyncPolicy::batch;
    auto file = Journal::open(std::move(o));
    REQUIRE(file);
    for (const auto& r : records) REQUIRE((*file)->append(r.kind, r.stream, r.payload, r.timestamp_ns));
    REQUIRE((*file)->close());
  }
  const auto name = unique_name("chain");
  Hash pg_head{};
  {
    auto j = open_pg(name);
    for (const auto& r : records) REQUIRE(j->append(r.kind, r.stream, r.payload, r.timestamp_ns));
    REQUIRE(j->wait_durable(records.size(), std::chrono::seconds(30)));
    pg_head = j->durable_hash();
  }
  const auto from_file = read_all_file(tmp.journal());
  const auto from_pg = read_all(name);
  REQUIRE(from_file.size() == records.size());
  REQUIRE(from_pg.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO("seq " << i + 1);
    CHECK(from_pg[i].record == from_file[i].record);
    CHECK(from_pg[i].flags == from_file[i].flags);
    CHECK(to_hex(from_pg[i].hash) == to_hex(from_file[i].hash));
  }
  CHECK(to_hex(pg_head) == to_hex(from_file.back().hash));
  CHECK(from_pg[9].flags == flag_redacted);
  CHECK(from_pg[10].flags == 0);
  CHECK(from_pg[11].flags == 0);
  auto v = pg_verify(dsn(), name);
  REQUIRE(v);
  CHECK(v->records == records.size());
}

TEST_CASE("pg: FIX passwords never reach the database") {
  const auto name = unique_name("redact");
  auto j = open_pg(name);
  const std::string logon = fix("8=FIX.4.4|9=40|35=A|553=user|554=s3cret|925=n3wpass!|10=123|");
  REQUIRE(j->append(RecordKind::fix_out, "LSE", logon, 1));
  REQUIRE(j->append(RecordKind::upstream_request, "demo", "554=s3cret", 2));
  REQUIRE(j->wait_durable(2, std::chrono::seconds(10)));
  const auto got = read_all(name);
  REQUIRE(got.size() == 2);
  CHECK(got[0].record.payload == fix("8=FIX.4.4|9=40|35=A|553=user|554=******|925=********|10=123|"));
  CHECK(got[0].flags == flag_redacted);
  CHECK(got[1].record.payload == "554=s3cret");  // not a FIX kind: written as given
  CHECK(got[1].flags == 0);
  Sql sql;
  CHECK(sql.one("SELECT count(*) FROM fixgate_journal WHERE journal = $1 AND kind = 2 AND"
                " (position('s3cret'::bytea in payload) > 0 OR position('n3wpass'::bytea in payload) > 0)",
                {name}) == "0");
}

TEST_CASE("pg: order ids, account and symbol are indexed columns") {
  const auto name = unique_name("audit");
  auto j = open_pg(name);
  REQUIRE(j->append(RecordKind::fix_out, "LSE", fix("8=FIX.4.4|35=D|11=C1|1=ACC1|55=7203|10=000|"), 1));
  REQUIRE(j->append(RecordKind::fix_in, "LSE", fix("8=FIX.4.4|35=8|11=C2|41=C1|37=O9|17=E5|1=ACC1|55=7203|10=000|"), 2));
  REQUIRE(j->append(RecordKind::upstream_request, "demo",
                    R"({"op":"new","id":"r1","client_order_id":"c1","account":"ACC2","symbol":"6758","side":"buy"})", 3));
  REQUIRE(j->append(RecordKind::upstream_event, "demo",
                    R"({"event":"execution","seq":8,"client_order_id":"c1","exec_id":"E1","text":"a \"quoted\" word"})", 4));
  REQUIRE(j->append(RecordKind::engine_event, "", "11=C1", 5));  // not extracted: not FIX or upstream
  REQUIRE(j->wait_durable(5, std::chrono::seconds(10)));
  Sql sql;
  auto rows = sql.query("SELECT seq, cl_ord_id, orig_cl_ord_id, order_id, exec_id, account, symbol"
                        " FROM fixgate_journal WHERE journal = $1 ORDER BY seq", {name});
  REQUIRE(rows.size() == 5);
  using O = std::optional<std::string>;
  CHECK(rows[0] == std::vector<O>{"1", "C1", O{}, O{}, O{}, "ACC1", "7203"});
  CHECK(rows[1] == std::vector<O>{"2", "C2", "C1", "O9", "E5", "ACC1", "7203"});
  CHECK(rows[2] == std::vector<O>{"3", "c1", O{}, O{}, O{}, "ACC2", "6758"});
  CHECK(rows[3] == std::vector<O>{"4", "c1", O{}, O{}, "E1", O{}, O{}});
  CHECK(rows[4] == std::vector<O>{"5", O{}, O{}, O{}, O{}, O{}, O{}});
  CHECK(sql.one("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM fixgate_journal"
                " WHERE journal = $1 AND (cl_ord_id = 'C1' OR orig_cl_ord_id = 'C1')", {name}) == "1,2");
  // The indexes the journal tool's queries use exist.
  CHECK(sql.one("SELECT count(*) FROM pg_indexes WHERE tablename = 'fixgate_journal' AND indexname IN"
                " ('fixgate_journal_ts', 'fixgate_journal_cl_ord_id', 'fixgate_journal_orig_cl_ord_id',"
                " 'fixgate_journal_order_id', 'fixgate_journal_exec_id', 'fixgate_journal_account',"
                " 'fixgate_journal_symbol')") == "7");
}

TEST_CASE("pg: the accepted pairing, apply_fix references and incomplete rows have indexed columns") {
  const auto name = unique_name("audit3");
  auto j = open_pg(name);
  REQUIRE(j->append(RecordKind::upstream_event, "demo",
                    R"({"event":"accepted","seq":1,"client_order_id":"c1","cl_ord_id":"FG1"})", 1));
  REQUIRE(j->append(RecordKind::fix_in, "LSE", fix("8=FIX.4.4|35=8|11=FG1|17=E1|10=000|"), 2));
  REQUIRE(j->append(RecordKind::engine_event, "LSE", "apply_fix 2", 3));
  REQUIRE(j->append(RecordKind::upstream_request, "demo", R"({"op":"new","client_order_id":"a\u00e9","account":"A"})", 4));
  REQUIRE(j->wait_durable(4, std::chrono::seconds(10)));
  Sql sql;
  auto rows = sql.query("SELECT seq, cl_ord_id, pair_cl_ord_id, ref_seq::text, audit_incomplete::text"
                        " FROM fixgate_journal WHERE journal = $1 ORDER BY seq", {name});
  REQUIRE(rows.size() == 4);
  using O = std::optional<std::string>;
  CHECK(rows[0] == std::vector<O>{"1", "c1", "FG1", O{}, O{}});
  CHECK(rows[1] == std::vector<O>{"2", "FG1", O{}, O{}, O{}});
  CHECK(rows[2] == std::vector<O>{"3", O{}, O{}, "2", O{}});
  CHECK(rows[3] == std::vector<O>{"4", O{}, O{}, O{}, "true"});  // an escape the column cannot keep
  CHECK(sql.one("SELECT count(*) FROM pg_indexes WHERE tablename = 'fixgate_journal' AND indexname IN"
                " ('fixgate_journal_pair_cl_ord_id', 'fixgate_journal_ref_seq', 'fixgate_journal_audit_incomplete')") ==
        "3");
}

TEST_CASE("pg: PgReader::find answers by id, pairing, apply_fix reference, account and time from the columns") {
  const auto name = unique_name("find");
  auto j = open_pg(name);
  REQUIRE(j->append(RecordKind::upstream_event, "demo",
                    R"({"event":"accepted","seq":1,"client_order_id":"c1","cl_ord_id":"FG1"})", 10));  // 1
  REQUIRE(j->append(RecordKind::fix_out, "LSE", fix("8=FIX.4.4|35=D|11=FG1|1=ACC1|55=S|10=000|"), 20));       // 2
  REQUIRE(j->append(RecordKind::fix_in, "LSE", fix("8=FIX.4.4|35=8|11=FG1|37=O1|17=E1|1=ACC1|10=000|"), 30));  // 3
  REQUIRE(j->append(RecordKind::engine_event, "LSE", "apply_fix 3", 40));                                     // 4
  REQUIRE(j->append(RecordKind::fix_out, "LSE", fix("8=FIX.4.4|35=D|11=FG2|1=ACC2|55=S|10=000|"), 50));       // 5
  REQUIRE(j->wait_durable(5, std::chrono::seconds(10)));
  auto reader = PgReader::open(dsn(), name);
  REQUIRE(reader);
  const auto seqs = [&](const std::vector<IndexKey>& keys, TimeRange range = {}) {
    std::vector<std::uint64_t> out;
    auto found = reader->find(keys, [&](const RecordView& r) {
      out.push_back(r.seq);
      return true;
    }, range);
    REQUIRE(found);
    CHECK(*found);
    return out;
  };
  CHECK(seqs({{IndexKind::id, "FG1"}}) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(seqs({{IndexKind::id, "c1"}, {IndexKind::id, "O1"}}) == std::vector<std::uint64_t>{1, 3});
  CHECK(seqs({{IndexKind::applies, "3"}}) == std::vector<std::uint64_t>{4});
  CHECK(seqs({{IndexKind::account, "ACC1"}}) == std::vector<std::uint64_t>{2, 3});
  CHECK(seqs({{IndexKind::account, "ACC1"}}, {25, 100}) == std::vector<std::uint64_t>{3});
  CHECK(seqs({{IndexKind::symbol, "S"}, {IndexKind::id, "a\"b"}}) == std::vector<std::uint64_t>{2, 5});
  CHECK(seqs({{IndexKind::id, "nothing"}}).empty());
  auto complete = reader->index_complete();
  REQUIRE(complete);
  CHECK(*complete);
}

TEST_CASE("pg: durable_seq moves only after COMMIT") {
  const auto name = unique_name("commit");
  std::mutex m;
  std::vector<std::uint64_t> reported;
  auto o = options_for(name);
  o.on_durable = [&](std::uint64_t seq) {
    std::lock_guard lock(m);
    reported.push_back(seq);
  };
  auto j = open_pg(std::move(o));
  append_range(*j, 1, 5);
  CHECK(j->durable_seq() == 5);

  // Another connection locks the table: the writer's COPY waits, nothing can commit.
  Sql locker;
  locker.query("BEGIN");
  locker.query("LOCK TABLE fixgate_journal IN ACCESS EXCLUSIVE MODE");
  auto seq = j->append(RecordKind::engine_event, "", "held", 6);
  REQUIRE(seq);
  CHECK(*seq == 6);
  auto waited = j->wait_durable(6, std::chrono::milliseconds(700));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().kind == ErrorKind::timeout);
  CHECK(j->durable_seq() == 5);
  CHECK(j->last_seq() == 6);
  CHECK(locker.one("SELECT count(*) FROM fixgate_journal WHERE journal = $1", {name}) == "5");
  CHECK(eventually([&] {  // 5 is reported (the callback may trail the wait), and nothing after it
    std::lock_guard lock(m);
    return !reported.empty() && reported.back() == 5;
  }));
  locker.query("COMMIT");
  REQUIRE(j->wait_durable(6, std::chrono::seconds(10)));
  CHECK(j->durable_seq() == 6);
  // on_durable runs on the writer thread after the waiters are woken: it may trail wait_durable().
  CHECK(eventually([&] {
    std::lock_guard lock(m);
    return !reported.empty() && reported.back() == 6;
  }));
  std::lock_guard lock(m);
  for (std::size_t i = 1; i < reported.size(); ++i) CHECK(reported[i] > reported[i - 1]);
}

TEST_CASE("pg: the writer times each batch's BEGIN + COPY as its append and its COMMIT as its sync") {
  auto j = open_pg(unique_name("timings"));
  append_range(*j, 1, 5);
  const auto& timings = j->timings();
  const auto copies = timings.append.snapshot();
  const auto commits = timings.sync.snapshot();
  CHECK((copies.count >= 1 && copies.count <= 5));
  CHECK(commits.count == copies.count);  // each batch written is committed
  CHECK(commits.sum > 0);

  // A COPY held behind a table lock shows in the append time, not in the commit time.
  Sql locker;
  locker.query("BEGIN");
  locker.query("LOCK TABLE fixgate_journal IN ACCESS EXCLUSIVE MODE");
  REQUIRE(j->append(RecordKind::engine_event, "", "held", 6));
  // Once the writer's COPY waits for the lock (the server shows an ungranted lock on the table),
  // hold it 300 ms more.
  REQUIRE(eventually([&] {
    return locker.one("SELECT count(*) FROM pg_locks WHERE relation = 'fixgate_journal'::regclass AND NOT granted") != "0";
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  locker.query("COMMIT");
  REQUIRE(j->wait_durable(6, std::chrono::seconds(10)));
  CHECK(timings.append.snapshot().count == copies.count + 1);
  CHECK(timings.sync.snapshot().count == commits.count + 1);
  // The COPY waited at least those 300 ms, and the COMMIT is not charged with the wait.
  const double held_copy = timings.append.snapshot().sum - copies.sum;
  const double its_commit = timings.sync.snapshot().sum - commits.sum;
  CHECK(held_copy >= 0.3);
  CHECK(its_commit < held_copy);
}

TEST_CASE("pg: with the writer stuck, append answers backpressure, and accepted records commit later") {
  const auto name = unique_name("backpressure");
  auto o = options_for(name);
  o.max_pending_bytes = 64 * 1024;
  auto j = open_pg(std::move(o));
  append_range(*j, 1, 1);
  Sql locker;
  locker.query("BEGIN");
  locker.query("LOCK TABLE fixgate_journal IN ACCESS EXCLUSIVE MODE");
  const std::string payload(1000, 'x');
  std::uint64_t accepted = 1;
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    auto seq = j->append(RecordKind::engine_event, "", payload, i);
    if (seq) {
      CHECK(*seq == accepted + 1);
      accepted = *seq;
    } else {
      CHECK(seq.error().kind == ErrorKind::backpressure);
      refused = true;
    }
  }
  CHECK(refused);
  CHECK(j->durable_seq() == 1);
  locker.query("COMMIT");
  REQUIRE(j->wait_durable(accepted, std::chrono::seconds(20)));
  CHECK(read_all(name).size() == accepted);
  // Room again once committed.
  CHECK(j->append(RecordKind::engine_event, "", payload, 0));
}

TEST_CASE("pg: wait_durable refuses a seq never appended; appends after close are refused") {
  const auto name = unique_name("misc");
  auto j = open_pg(name);
  auto never = j->wait_durable(5, std::chrono::milliseconds(1));
  REQUIRE_FALSE(never);
  CHECK(never.error().kind == ErrorKind::invalid_argument);
  append_range(*j, 1, 3);
  CHECK(j->wait_durable(3, std::chrono::nanoseconds::max()));
  REQUIRE(j->close());
  auto late = j->append(RecordKind::engine_event, "", "x", 0);
  REQUIRE_FALSE(late);
  CHECK(late.error().kind == ErrorKind::closed);
}

TEST_CASE("pg: one writer per journal; a standby waiting for the lock takes over when it closes") {
  const auto name = unique_name("owner");
  auto first = open_pg(name);
  append_range(*first, 1, 10);
  {
    auto second = PgJournal::open(options_for(name));
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == ErrorKind::locked);
  }
  // Another journal name is independent.
  auto other = open_pg(unique_name("owner-other"));

  std::atomic<bool> opened{false};
  std::unique_ptr<PgJournal> standby;
  std::string standby_error;
  std::thread t([&] {
    auto o = options_for(name);
    o.lock_wait = std::chrono::seconds(20);
    auto s = PgJournal::open(std::move(o));
    if (s) {
      standby = std::move(*s);
    } else {
      standby_error = s.error().to_string();
    }
    opened = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK_FALSE(opened.load());  // still waiting while the owner runs
  REQUIRE(first->close());
  t.join();
  INFO(standby_error);
  REQUIRE(standby);
  CHECK(standby->recovery().last_seq == 10);
  CHECK(standby->durable_hash() == first->durable_hash());
  append_range(*standby, 11, 20);
  auto v = standby->verify();
  REQUIRE(v);
  CHECK(v->records == 20);
}

TEST_CASE("pg: concurrent appenders from two threads get contiguous seqs") {
  const auto name = unique_name("threads");
  auto j = open_pg(name);
  const std::uint64_t per_thread = 5000;
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
  std::uint64_t next[2] = {0, 0};
  std::uint64_t expected_seq = 1;
  auto s = j->scan([&](const RecordView& v) {
    REQUIRE(v.seq == expected_seq++);
    const int id = v.payload[0] - '0';
    REQUIRE(v.payload == std::to_string(id) + ":" + std::to_string(next[id]++));
    return true;
  });
  REQUIRE(s);
  CHECK(s->records == 2 * per_thread);
  REQUIRE(j->verify());
}
