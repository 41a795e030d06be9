// SPDX-License-Identifier: Apache-2.0
// Connection loss: the writer reconnects with backoff, nothing is lost or written twice, an
// unknown COMMIT is settled by looking at the rows, and a takeover by another instance while the
// writer was away stops the old writer for good.

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "pg_test_util.hpp"

using namespace pg_test;

namespace {

// Appends records 1..n (as record_for), retrying the same record on backpressure. Before record
// n/2 it waits (30 s at most) for `go_on`, so the second half is written after whatever the test
// does first.
void produce(PgJournal& j, std::uint64_t n, std::atomic<std::uint64_t>& done, const std::atomic<bool>& go_on) {
  for (std::uint64_t s = 1; s <= n; ++s) {
    if (s == n / 2) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!go_on && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    const Record r = record_for(s);
    for (int attempt = 0;; ++attempt) {
      auto seq = j.append(r.kind, r.stream, r.payload, r.timestamp_ns);
      if (seq) {
        if (*seq != s) throw std::runtime_error("seq " + std::to_string(*seq) + " for record " + std::to_string(s));
        break;
      }
      if (seq.error().kind != ErrorKind::backpressure || attempt > 20000) {
        throw std::runtime_error("append failed: " + seq.error().to_string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    done = s;
  }
}

void check_exactly(const std::string& name, std::uint64_t n) {
  const auto got = read_all(name);
  REQUIRE(got.size() == n);
  for (std::uint64_t s = 1; s <= n; ++s) REQUIRE(got[s - 1].record == record_for(s));
  auto v = pg_verify(dsn(), name);
  REQUIRE(v);
  CHECK(v->records == n);
  Sql sql;
  CHECK(sql.one("SELECT count(DISTINCT seq) FROM fixgate_journal WHERE journal = $1", {name}) == std::to_string(n));
}

// Holds the writer thread in its on_connection(false) callback, right before its reconnect
// backoff, until released (30 s at most): the test acts while the writer is away without racing
// its reconnect, however slowly the test thread runs.
class WriterAway {
 public:
  void hold() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool released_ = false;
};

}  // namespace

TEST_CASE("pg: the writer's connection killed again and again loses and duplicates nothing") {
  const auto name = unique_name("kill");
  std::atomic<int> downs{0};
  std::atomic<int> ups{0};
  auto o = options_for(name);
  o.max_pending_bytes = 1 << 20;
  o.on_connection = [&](bool up, const std::string&) { (up ? ups : downs)++; };
  auto j = open_pg(std::move(o));
  const std::uint64_t n = 30000;
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> first_kill{false};  // the second half is written after it: a kill mid-run
  std::string producer_error;
  std::thread producer([&] {
    try {
      produce(*j, n, done, first_kill);
    } catch (const std::exception& e) {
      producer_error = e.what();
    }
  });
  Sql killer;
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    // Wait for the writer to be connected and making progress, then cut it off. (Round 0 asks
    // only for some progress: the producer may already be waiting for this first kill.)
    const auto before = round == 0 ? 0 : j->durable_seq();
    REQUIRE(eventually([&] { return j->durable_seq() > before || done == n; }));
    kills += killer.terminate("fixgate-journal:" + name);
    first_kill = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  producer.join();
  INFO(producer_error);
  REQUIRE(producer_error.empty());
  REQUIRE(j->wait_durable(n, std::chrono::seconds(60)));
  CHECK(kills >= 1);
  CHECK(downs >= 1);
  CHECK(ups == downs);
  CHECK(j->connected());
  CHECK_FALSE(j->failure());
  REQUIRE(j->close());
  check_exactly(name, n);
}

TEST_CASE("pg: a COMMIT whose answer was lost is found committed, not written twice") {
  for (const PgStep step : {PgStep::before_copy, PgStep::before_commit, PgStep::after_commit}) {
    INFO("step " << static_cast<int>(step));
    const auto name = unique_name("unknown");
    std::atomic<int> cut{0};
    std::atomic<bool> armed{false};
    auto o = options_for(name);
    o.fault_hook = [&](PgStep at) {
      if (at != step || !armed) return false;
      armed = false;
      ++cut;
      return true;
    };
    auto j = open_pg(std::move(o));
    append_range(*j, 1, 10);
    armed = true;
    append_range(*j, 11, 20);  // the batch holding these is cut once at `step`
    CHECK(cut == 1);
    append_range(*j, 21, 30);
    CHECK_FALSE(j->failure());
    // The abandoned connection's backend (still holding the lock, and under before_commit an open
    // transaction with the rows) was terminated by the writer: only its live connection is left.
    Sql sql;
    // (A terminated backend leaves pg_stat_activity a moment after it released its locks.)
    CHECK(eventually([&] {
      return sql.one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                     {"fixgate-journal:" + name}) == "1";
    }));
    REQUIRE(j->close());
    check_exactly(name, 30);
  }
}

TEST_CASE("pg: records wait while the database is unreachable and are never reported durable early") {
  const auto name = unique_name("outage");
  std::atomic<bool> outage{false};
  std::atomic<int> downs{0};
  auto o = options_for(name);
  // Every attempt inside the outage fails as a cut connection would.
  o.fault_hook = [&](PgStep at) { return at == PgStep::before_copy && outage.load(); };
  o.on_connection = [&](bool up, const std::string&) {
    if (!up) ++downs;
  };
  auto j = open_pg(std::move(o));
  append_range(*j, 1, 5);
  outage = true;
  for (std::uint64_t s = 6; s <= 50; ++s) {
    const Record r = record_for(s);
    REQUIRE(j->append(r.kind, r.stream, r.payload, r.timestamp_ns));
  }
  auto waited = j->wait_durable(50, std::chrono::milliseconds(500));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().kind == ErrorKind::timeout);
  CHECK(j->durable_seq() == 5);
  // The writer reports the outage once, on its first failed attempt (which a loaded machine may
  // not have reached within the wait above).
  CHECK(eventually([&] { return downs == 1; }));
  CHECK_FALSE(j->connected());
  CHECK(read_all(name).size() == 5);
  outage = false;
  REQUIRE(j->wait_durable(50, std::chrono::seconds(20)));
  CHECK(j->connected());
  REQUIRE(j->close());
  check_exactly(name, 50);
}

TEST_CASE("pg: a writer that lost its connection while another instance took over stops for good") {
  const auto name = unique_name("takeover");
  std::atomic<bool> cut{false};
  std::atomic<int> failures{0};
  WriterAway away;  // declared before the journal: the writer thread uses it
  auto o = options_for(name);
  o.fault_hook = [&](PgStep at) { return at == PgStep::before_copy && cut.exchange(false); };
  o.on_connection = [&](bool up, const std::string&) {
    if (!up) away.hold();  // until the standby has taken over
  };
  o.on_failure = [&](const Error&) {
    // A slow callback: the failed wait below must still find its effects in place.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ++failures;
  };
  auto old_owner = open_pg(std::move(o));
  append_range(*old_owner, 1, 10);

  cut = true;
  const Record r = record_for(11);
  REQUIRE(old_owner->append(r.kind, r.stream, r.payload, r.timestamp_ns));
  // The old owner's connection is cut; once the server notices (here: the backend is terminated)
  // the lock is free and a standby gets the journal.
  REQUIRE(eventually([&] { return !old_owner->connected(); }));
  Sql killer;
  CHECK(killer.terminate("fixgate-journal:" + name) == 1);
  auto so = options_for(name);
  so.lock_wait = std::chrono::seconds(5);
  auto standby = open_pg(std::move(so));
  CHECK(standby->recovery().last_seq == 10);
  REQUIRE(standby->append(RecordKind::engine_event, "", "standby's own record", 1));
  REQUIRE(standby->wait_durable(11, std::chrono::seconds(10)));
  away.release();  // the old owner reconnects now, and finds the journal taken

  auto waited = old_owner->wait_durable(11, std::chrono::seconds(20));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().kind == ErrorKind::failed);
  REQUIRE(old_owner->failure());
  CHECK(old_owner->failure()->kind == ErrorKind::locked);
  CHECK(failures == 1);
  CHECK(old_owner->durable_seq() == 10);
  // The database holds the standby's record 11, not the old owner's.
  const auto got = read_all(name);
  REQUIRE(got.size() == 11);
  CHECK(got[10].record.payload == "standby's own record");
  REQUIRE(pg_verify(dsn(), name));
}

TEST_CASE("pg: a writer that finds rows it did not write after reconnecting stops for good") {
  const auto name = unique_name("foreign");
  std::atomic<bool> cut{false};
  WriterAway away;  // declared before the journal: the writer thread uses it
  auto o = options_for(name);
  o.fault_hook = [&](PgStep at) { return at == PgStep::before_copy && cut.exchange(false); };
  o.on_connection = [&](bool up, const std::string&) {
    if (!up) away.hold();  // until the standby has come and gone
  };
  auto old_owner = open_pg(std::move(o));
  append_range(*old_owner, 1, 10);
  cut = true;
  const Record r = record_for(11);
  REQUIRE(old_owner->append(r.kind, r.stream, r.payload, r.timestamp_ns));
  REQUIRE(eventually([&] { return !old_owner->connected(); }));
  Sql killer;
  CHECK(killer.terminate("fixgate-journal:" + name) == 1);
  {
    // A standby takes over, writes one record and goes away before the old owner is back.
    auto so = options_for(name);
    so.lock_wait = std::chrono::seconds(5);
    auto standby = open_pg(std::move(so));
    REQUIRE(standby->append(RecordKind::engine_event, "", "standby's own record", 1));
    REQUIRE(standby->wait_durable(11, std::chrono::seconds(10)));
    REQUIRE(standby->close());
  }
  away.release();
  auto waited = old_owner->wait_durable(11, std::chrono::seconds(20));
  REQUIRE_FALSE(waited);
  REQUIRE(old_owner->failure());
  CHECK(old_owner->failure()->kind == ErrorKind::seq_gap);
  CHECK(read_all(name).size() == 11);
  REQUIRE(pg_verify(dsn(), name));
}
