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
  input.sessions = {{"LSE", true, true, true}, {"TSE", true, false, false}, {"OLD", false, true, false}};
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
  input.sessions = {{"LSE", true, true, false}, {"TSE", true, true, true}, {"NYSE", true, true, false}};
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
  input.sessions = {{"LSE", true, true, true}};
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body == "not ready\njournal: storage fault\nsession LSE: logged on\n");
}

TEST_CASE("a journal whose database is unreachable is not ready, and ready again once it is back") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.journal_connected = false;
  input.sessions = {{"LSE", true, true, true}};
  const auto r = readiness(input);
  CHECK(r.status == 503);
  CHECK(r.body ==
        "not ready\n"
        "journal: database unreachable, records wait and nothing new is acknowledged\n"
        "session LSE: logged on\n");
  input.journal_connected = true;
  CHECK(readiness(input).status == 200);
}
