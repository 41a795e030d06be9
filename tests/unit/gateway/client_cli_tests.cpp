// SPDX-License-Identifier: Apache-2.0
// fixgate-client, run as a process against a live gateway with the fake engine: exit codes,
// human output, --json, --wait.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "server_fixture.hpp"
#include "test_pki.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

Run run_client(std::uint16_t port, const std::string& args) {
  const char* build = std::getenv("FIXGATE_BUILD_DIR");
  REQUIRE(build != nullptr);
  const std::string binary = std::string(build) + "/tools/client/fixgate-client";
  REQUIRE(std::filesystem::exists(binary));
  const std::string command = "FIXGATE_TEST_TOKEN=demo-token timeout 20 " + binary + " --connect 127.0.0.1:" +
                              std::to_string(port) + " --client demo --token-env FIXGATE_TEST_TOKEN --timeout 5 " +
                              args + " 2>&1";
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) run.output += buf.data();
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace

TEST_CASE("fixgate-client sends an order and waits until it is filled", "[gateway][client]") {
  LiveServer live;
  const auto run = run_client(live.ports.at(0),
                              "new --client-order-id c1 --account ACC1 --symbol FILL --side buy --qty 100 "
                              "--type limit --price 2500.5 --wait filled");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("c1  accepted\n") != std::string::npos);
  CHECK(run.output.find("c1  execution  partially_filled  cum 50 @ 2500.5") != std::string::npos);
  CHECK(run.output.find("c1  execution  filled  cum 100 @ 2500.5") != std::string::npos);
}

TEST_CASE("fixgate-client exits non-zero on a reject and prints the reason", "[gateway][client]") {
  LiveServer live;
  const auto run = run_client(live.ports.at(0), "new --account ACC1 --symbol REJECT --side sell --qty 6000 --price 1");
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("rejected  risk_limit  over the limit") != std::string::npos);
}

TEST_CASE("fixgate-client --json prints raw event lines", "[gateway][client]") {
  LiveServer live;
  const auto run = run_client(live.ports.at(0), "--json new --client-order-id j1 --account A --symbol X --side buy --qty 1 --price 2");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find(R"({"event":"accepted","seq":1,"id":"j1","client_order_id":"j1"})") != std::string::npos);
}

TEST_CASE("fixgate-client reports a wait that times out, a bad token and bad usage", "[gateway][client]") {
  LiveServer live;
  // The fake engine never fills an ordinary symbol.
  auto waited = run_client(live.ports.at(0), "new --account A --symbol X --side buy --qty 1 --price 2 --wait filled --timeout 1");
  INFO(waited.output);
  CHECK(waited.exit_code == 3);
  auto usage = run_client(live.ports.at(0), "new --symbol X");
  CHECK(usage.exit_code == 2);
  auto status = run_client(live.ports.at(0), "status nope");
  CHECK(status.exit_code == 1);
  const char* build = std::getenv("FIXGATE_BUILD_DIR");
  const std::string command = "FIXGATE_TEST_TOKEN=wrong timeout 20 " + std::string(build) +
                              "/tools/client/fixgate-client --connect 127.0.0.1:" + std::to_string(live.ports.at(0)) +
                              " --client demo --token-env FIXGATE_TEST_TOKEN --timeout 5 list >/dev/null 2>&1";
  const int rc = std::system(command.c_str());
  CHECK(WEXITSTATUS(rc) == 4);
}

TEST_CASE("fixgate-client sends a market order only when told --type market; a limit needs --price",
          "[gateway][client]") {
  LiveServer live;
  auto no_price = run_client(live.ports.at(0), "new --account A --symbol X --side buy --qty 1");
  INFO(no_price.output);
  CHECK(no_price.exit_code == 2);
  CHECK(no_price.output.find("needs --price") != std::string::npos);
  auto priced_market = run_client(live.ports.at(0), "new --account A --symbol X --side buy --qty 1 --type market --price 2");
  CHECK(priced_market.exit_code == 2);
  CHECK(live.engine.seen().empty());  // neither reached the gateway as an order
  auto market = run_client(live.ports.at(0), "new --client-order-id m1 --account A --symbol X --side buy --qty 1 --type market");
  INFO(market.output);
  CHECK(market.exit_code == 0);
  const auto seen = live.engine.seen();
  REQUIRE(seen.size() == 2);  // hello, new
  const auto& order = std::get<NewOrder>(seen[1].request);
  CHECK(order.ord_type == OrdType::market);
  CHECK_FALSE(order.price.has_value());
}

TEST_CASE("fixgate-client sends ExecInst and a gtd order's expire time", "[gateway][client]") {
  LiveServer live;
  auto run = run_client(live.ports.at(0),
                        "new --client-order-id g1 --account A --symbol X --side sell --qty 5 --price 3 --tif gtd "
                        "--expire-time 2026-12-07T06:00:00.25Z --exec-inst '6 G'");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  const auto seen = live.engine.seen();
  REQUIRE(seen.size() == 2);
  const auto& order = std::get<NewOrder>(seen[1].request);
  CHECK(order.exec_inst == std::optional<std::string>("6 G"));
  REQUIRE(order.expire_time.has_value());
  CHECK(format_utc_timestamp(*order.expire_time) == "2026-12-07T06:00:00.25Z");
  CHECK(run_client(live.ports.at(0), "new --account A --symbol X --side sell --qty 5 --price 3 --tif gtd").exit_code == 2);
}

TEST_CASE("fixgate-client speaks TLS to a TLS listener and verifies it", "[gateway][client]") {
  Pki pki;
  auto cfg = test_config();
  cfg.tls = config::UpstreamTls{pki.path("server.pem"), pki.path("server.key"), ""};
  LiveServer live(cfg);
  auto run = run_client(live.ports.at(0), "--tls-ca " + pki.path("server.pem") +
                                              " new --account A --symbol X --side buy --qty 1 --price 2");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  auto untrusted = run_client(live.ports.at(0), "--tls-ca " + pki.path("stranger.pem") + " list");
  CHECK(untrusted.exit_code == 4);
}
