// SPDX-License-Identifier: Apache-2.0
// install_ops_endpoints over a real socket: the three routes and their content types.

#include <catch2/catch.hpp>

#include <atomic>

#include "fixgate/ops/endpoints.hpp"
#include "http_client.hpp"

using namespace fixgate::ops;
using ops_test::get;

TEST_CASE("/metrics, /healthz and /readyz served from a registry and a readiness snapshot") {
  Registry registry;
  registry.counter("fixgate_orders_total", "Orders.", {{"outcome", "accepted"}}).inc(3);
  std::atomic<bool> recovered{false};
  HttpServer server({"127.0.0.1", 0});
  install_ops_endpoints(server, registry, [&] {
    ReadinessInput input;
    input.journal_recovered = recovered.load();
    input.sessions = {{"SIM", true, true, true, "", false}};
    return input;
  });
  const auto port = server.start();

  const auto metrics = get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(metrics.body ==
        "# HELP fixgate_orders_total Orders.\n"
        "# TYPE fixgate_orders_total counter\n"
        "fixgate_orders_total{outcome=\"accepted\"} 3\n");

  const auto health = get(port, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");

  const auto before = get(port, "/readyz");
  CHECK(before.status == 503);
  CHECK(before.body == "not ready\njournal: not recovered yet\nsession SIM: logged on\n");
  recovered = true;
  const auto after = get(port, "/readyz");
  CHECK(after.status == 200);
  CHECK(after.body == "ready\nsession SIM: logged on\n");
}

TEST_CASE("/readyz names the counterparty's refusal and a session that needs an operator") {
  ReadinessInput input;
  input.journal_recovered = true;
  input.sessions = {{"SIM", true, true, false, "Logout: Rejected Logon Attempt", false},
                    {"BAK", false, true, false, "Logout: MsgSeqNum too low, expecting 41 but received 1", true}};
  const auto answer = readiness(input);
  CHECK(answer.status == 503);
  CHECK(answer.body ==
        "not ready\n"
        "session SIM: enabled and inside its schedule but not logged on (counterparty: Logout: Rejected Logon Attempt)\n"
        "session BAK: needs an operator (set-seq, then logon) (counterparty: Logout: MsgSeqNum too low, expecting 41 but "
        "received 1)\n");
}
