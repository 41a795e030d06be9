// SPDX-License-Identifier: Apache-2.0
// The gateway against hostile and careless clients, over real sockets on loopback: answers kept
// ahead of a framing error, budgets for connections that have not logged in, backoff after
// failed logins, and deadlines on lines and silence. Attackers connect from 127.0.0.2 and up,
// legitimate clients from 127.0.0.1, so per-address limits can tell them apart.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "server_fixture.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;

namespace {

std::string code_of(const Outbound& out) {
  const auto* e = std::get_if<Error>(&out.event);
  return e != nullptr ? e->code : std::string(event_name(out.event));
}

/// Reads every line until the server closes (or the wait limit passes); the codes seen.
std::vector<std::string> codes_until_closed(TestClient& c, bool& closed) {
  std::vector<std::string> codes;
  std::string l;
  for (;;) {
    const auto status = c.raw().read_line(l, wait_limit);
    if (status != LineClient::ReadStatus::line) {
      closed = status == LineClient::ReadStatus::closed;
      return codes;
    }
    auto out = decode_event(l);
    codes.push_back(out ? code_of(*out) : "undecodable");
  }
}

}  // namespace

TEST_CASE("lines before a bad UTF-8 line get their answers, and the connection stays open", "[gateway][safety]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.hello();
  // One write: an order, a line with a byte that is not UTF-8, another order.
  REQUIRE(client.raw().send(encode_request(sample_order("u1"), "n1") + "{\"op\":\"list\",\"account\":\"\xff\"}\n" +
                            encode_request(sample_order("u2"), "n2")));
  auto first = client.event();
  REQUIRE(std::holds_alternative<Accepted>(first.event));
  CHECK(first.request_id == "n1");
  CHECK(code_of(client.event()) == "invalid_utf8");
  auto third = client.event();
  REQUIRE(std::holds_alternative<Accepted>(third.event));
  CHECK(std::get<Accepted>(third.event).client_order_id == "u2");
}

TEST_CASE("lines before an over-long line get their answers before the connection closes", "[gateway][safety]") {
  auto cfg = test_config();
  cfg.max_line_bytes = 1024;
  LiveServer live(cfg);
  TestClient client(live.ports.at(0));
  client.hello();
  REQUIRE(client.raw().send(encode_request(sample_order("l1"), "n1") + encode_request(sample_order("l2"), "n2") +
                            std::string(4096, 'x')));
  bool closed = false;
  const auto codes = codes_until_closed(client, closed);
  CHECK(closed);
  CHECK(codes == std::vector<std::string>{"accepted", "accepted", "line_too_long"});
}

TEST_CASE("idle sockets from one address cannot keep others from logging in", "[gateway][safety]") {
  auto cfg = test_config();
  cfg.max_connections = 16;
  cfg.max_unauthenticated = 8;
  cfg.max_unauthenticated_per_address = 3;
  LiveServer live(cfg);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<TestClient>(live.ports.at(0), "127.0.0.2"));
  // Past three, this address's sockets are refused as they come.
  CHECK(eventually([&] { return live.server.stats().connections_refused >= 17; }));
  for (int round = 0; round < 5; ++round) {
    TestClient legit(live.ports.at(0));
    CHECK(std::holds_alternative<Welcome>(legit.hello().event));
  }
}

TEST_CASE("when every pre-login slot is taken, the oldest waiting connection makes room", "[gateway][safety]") {
  auto cfg = test_config();
  cfg.max_unauthenticated = 4;
  cfg.max_unauthenticated_per_address = 2;
  LiveServer live(cfg);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (const char* from : {"127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"}) {
    idle.push_back(std::make_unique<TestClient>(live.ports.at(0), from));
  }
  REQUIRE(eventually([&] { return live.server.stats().live_connections == 4; }));
  TestClient legit(live.ports.at(0));
  CHECK(std::holds_alternative<Welcome>(legit.hello().event));
  // The first idle socket was closed to make room, with a line saying why.
  bool closed = false;
  const auto codes = codes_until_closed(*idle[0], closed);
  CHECK(closed);
  CHECK(codes == std::vector<std::string>{"login_timeout"});
}

TEST_CASE("a connection that has not logged in is closed after a few errors", "[gateway][safety]") {
  auto cfg = test_config();
  cfg.max_errors_before_hello = 3;
  LiveServer live(cfg);
  TestClient junk(live.ports.at(0), "127.0.0.2");
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "junk\n";
  REQUIRE(junk.raw().send(lines));
  bool closed = false;
  const auto codes = codes_until_closed(junk, closed);
  CHECK(closed);
  CHECK(codes == std::vector<std::string>(3, "invalid_json"));
  CHECK(live.server.stats().decode_errors == 3);
}

TEST_CASE("the login timeout comes from the configuration", "[gateway][safety]") {
  auto cfg = test_config();
  CHECK(cfg.login_timeout_ms <= 10'000);  // the default is a few seconds, not half a minute
  cfg.login_timeout_ms = 150;
  LiveServer live(cfg);
  TestClient silent(live.ports.at(0));
  bool closed = false;
  CHECK(codes_until_closed(silent, closed) == std::vector<std::string>{"login_timeout"});
  CHECK(closed);
}

TEST_CASE("a failed login locks out the client name and the address for a while, even with the right token",
          "[gateway][safety]") {
  auto cfg = test_config();
  cfg.auth_backoff_ms = 400;
  cfg.auth_backoff_max_ms = 400;
  LiveServer live(cfg);
  {
    TestClient attacker(live.ports.at(0), "127.0.0.2");
    CHECK(code_of(attacker.hello("demo", "guess-1")) == "auth_failed");
  }
  // The right token for that name, from another address, is refused at once ...
  {
    TestClient legit(live.ports.at(0));
    CHECK(code_of(legit.hello()) == "auth_backoff");
  }
  // ... and so is another name from the attacker's address.
  {
    TestClient other(live.ports.at(0), "127.0.0.2");
    CHECK(code_of(other.hello("other", "other-token")) == "auth_backoff");
  }
  // An unrelated name from an unrelated address is not affected.
  {
    TestClient bystander(live.ports.at(0), "127.0.0.3");
    CHECK(code_of(bystander.hello("other", "other-token")) == "welcome");
  }
  // Once the lockout ends the right token works again.
  bool welcomed = false;
  for (int attempt = 0; attempt < 50 && !welcomed; ++attempt) {
    TestClient legit(live.ports.at(0));
    welcomed = code_of(legit.hello()) == "welcome";
    if (!welcomed) std::this_thread::sleep_for(100ms);
  }
  CHECK(welcomed);
  CHECK(live.server.stats().auth_failures >= 1);
  CHECK(live.server.stats().auth_backoffs >= 2);
}

TEST_CASE("failed logins are logged at a bounded rate", "[gateway][safety]") {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  spdlog::default_logger()->sinks().push_back(sink);
  auto cfg = test_config();
  cfg.auth_backoff_ms = 1;
  cfg.auth_backoff_max_ms = 1;
  {
    LiveServer live(cfg);
    for (int i = 0; i < 200; ++i) {
      TestClient attacker(live.ports.at(0), "127.0.0." + std::to_string(2 + i % 200));
      attacker.hello("demo", "guess-" + std::to_string(i));
    }
    CHECK(live.server.stats().auth_failures + live.server.stats().auth_backoffs == 200);
  }
  spdlog::default_logger()->sinks().pop_back();
  const std::string text = captured.str();
  std::size_t lines = 0;
  for (std::size_t at = text.find("login"); at != std::string::npos; at = text.find("login", at + 1)) ++lines;
  CHECK(lines <= 30);
}

TEST_CASE("a line dripped slowly is cut at the line deadline", "[gateway][safety]") {
  auto cfg = test_config();
  cfg.line_timeout_ms = 300;
  LiveServer live(cfg);
  TestClient client(live.ports.at(0));
  client.hello();
  REQUIRE(client.raw().send("{\"op\":"));
  bool closed = false;
  const auto codes = codes_until_closed(client, closed);
  CHECK(closed);
  CHECK(codes == std::vector<std::string>{"line_timeout"});
}

TEST_CASE("a logged-in connection silent past the idle timeout is closed; traffic keeps it open",
          "[gateway][safety]") {
  auto cfg = test_config();
  cfg.idle_timeout_ms = 400;
  LiveServer live(cfg);
  TestClient busy(live.ports.at(0));
  busy.hello();
  TestClient quiet(live.ports.at(0));
  quiet.hello();
  for (int i = 0; i < 8; ++i) {
    busy.send(R"({"op":"status","client_order_id":"x"})");
    busy.event();
    std::this_thread::sleep_for(100ms);
  }
  bool closed = false;
  const auto codes = codes_until_closed(quiet, closed);
  CHECK(closed);
  CHECK(codes == std::vector<std::string>{"idle_timeout"});
  busy.send(R"({"op":"status","client_order_id":"x"})");
  CHECK(std::holds_alternative<Rejected>(busy.event().event));
}
