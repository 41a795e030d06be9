// SPDX-License-Identifier: Apache-2.0
// /healthz and /readyz logic.

#include <catch2/catch.hpp>

#include "fixgate/ops/health.hpp"

using namespace fixgate::ops;

TEST_CASE("liveness is always ok") {
  const auto r = liveness();
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
}

TEST_CASE("ready when recovered and every session due up is logged on") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.sessions = {{"LSE", true, true, true, "", false}, {"TSE", true, false, false, "", false}, {"OLD", false, true, false, "", false}};
  const auto r = readiness(input);
  CHECK(r.status == 200);
  CHECK(r.body ==
        "ready\n"
        "session LSE: logged on\n"
        "session TSE: outside its schedule\n"
        "session OLD: disabled\n");
}

TEST_CASE("not ready lists every failing condition first") {
  ReadinessInput input;
  input.journal_recovered = false;
  input.sessions = {{"LSE", true, true, false, "", false}, {"TSE", true, true, true, "", false}, {"NYSE", true, true, false, "", false}};
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body ==
        "not ready\n"
        "journal: not recovered yet\n"
        "session LSE: enabled and inside its schedule but not logged on\n"
        "session NYSE: enabled and inside its schedule but not logged on\n"
        "session TSE: logged on\n");
}

TEST_CASE("shutting down is not ready; no sessions at all is ready") {
  ReadinessInput input;
  input.journal_recovered = true;
  CHECK(readiness(input).status == 200);
  CHECK(readiness(input).body == "ready\n");
  input.stopping = true;
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body == "not ready\nprocess: shutting down\n");
}

TEST_CASE("a journal storage fault is not ready") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.journal_failed = true;
  input.sessions = {{"LSE", true, true, true, "", false}};
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body == "not ready\njournal: storage fault\nsession LSE: logged on\n");
}

TEST_CASE("a journal whose database is unreachable is not ready, and ready again once it is back") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.journal_connected = false;
  input.sessions = {{"LSE", true, true, true, "", false}};
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body ==
        "not ready\n"
        "journal: database unreachable, records wait and nothing new is acknowledged\n"
        "session LSE: logged on\n");
  input.journal_connected = true;
  CHECK(readiness(input).status == 200);
}

TEST_CASE("the durability watch flags records waiting with nothing made durable past its limit") {
  using std::chrono::seconds;
  DurabilityWatch watch(std::chrono::milliseconds(5000));
  const DurabilityWatch::Clock::time_point t0{};
  CHECK_FALSE(watch.observe(t0, 10, 10));               // nothing waits
  CHECK_FALSE(watch.observe(t0 + seconds(1), 12, 10));  // 2 wait: the clock starts here
  CHECK_FALSE(watch.observe(t0 + seconds(6), 15, 10));  // 5 s: at the limit, not past it
  const auto stalled = watch.observe(t0 + seconds(8), 15, 10);
  REQUIRE(stalled);
  CHECK(*stalled == seconds(7));
  CHECK_FALSE(watch.observe(t0 + seconds(9), 16, 11));   // the mark moved: start over
  CHECK_FALSE(watch.observe(t0 + seconds(13), 16, 11));  // 4 s since it moved
  CHECK(watch.observe(t0 + seconds(15), 16, 11));        // 6 s
  CHECK_FALSE(watch.observe(t0 + seconds(16), 16, 16));  // all durable: nothing waits
  CHECK_FALSE(watch.observe(t0 + seconds(30), 17, 16));  // waiting again, from 30 s
  CHECK_FALSE(watch.observe(t0 + seconds(34), 17, 16));
  CHECK(watch.observe(t0 + seconds(36), 17, 16));
  CHECK_FALSE(watch.observe(t0 + seconds(37), 17, 18));  // durable read after last may pass it
}

TEST_CASE("a journal whose durable mark is stuck is not ready, and says for how long") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.journal_stalled_for = std::chrono::seconds(7);
  input.journal_waiting = 5;
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body == "not ready\njournal: nothing made durable for 7 s while 5 records wait\n");
}
