// SPDX-License-Identifier: Apache-2.0
// The gateway server over real sockets on loopback: login, routing, limits.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include <atomic>
#include <thread>

#include "server_fixture.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;

namespace {

Error error_of(const Outbound& out) {
  REQUIRE(std::holds_alternative<Error>(out.event));
  return std::get<Error>(out.event);
}

}  // namespace

TEST_CASE("hello is welcomed and forwarded without its token", "[gateway][server]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.send(R"({"op":"hello","id":"h1","client":"demo","token":"demo-token","resume_from":4})");
  auto welcome = client.event();
  REQUIRE(std::holds_alternative<Welcome>(welcome.event));
  CHECK(welcome.request_id == "h1");
  CHECK(std::get<Welcome>(welcome.event).client == "demo");
  const auto seen = live.engine.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].client == "demo");
  CHECK(seen[0].connection != 0);
  const auto& hello = std::get<Hello>(seen[0].request);
  CHECK(hello.token.empty());
  CHECK(hello.resume_from == std::optional<std::uint64_t>(4));
}

TEST_CASE("requests before hello are refused and the connection stays open", "[gateway][server]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.send(encode_request(sample_order("c1"), "n1"));
  auto e = error_of(client.event());
  CHECK(e.code == "not_authenticated");
  client.send("{\"op\":\"status\"}");  // decoding errors are still reported as such
  CHECK(error_of(client.event()).code == "missing_field");
  REQUIRE(std::holds_alternative<Welcome>(client.hello().event));
  client.send(encode_request(sample_order("c1"), "n1"));
  REQUIRE(std::holds_alternative<Accepted>(client.event().event));
  CHECK(live.engine.seen().size() == 2);  // hello and the one accepted order
}

TEST_CASE("a wrong token or an unknown client is refused and disconnected", "[gateway][server]") {
  // Each attempt from its own address and name: a failure locks both out for a while.
  LiveServer live;
  {
    TestClient wrong(live.ports.at(0), "127.0.0.2");
    auto e = error_of(wrong.hello("demo", "not-the-token"));
    CHECK(e.code == "auth_failed");
    CHECK(e.text.find("not-the-token") == std::string::npos);
    CHECK(wrong.closed_by_server());
  }
  {
    TestClient unknown(live.ports.at(0), "127.0.0.3");
    CHECK(error_of(unknown.hello("nobody", "demo-token")).code == "auth_failed");
    CHECK(unknown.closed_by_server());
  }
  {
    TestClient other_token(live.ports.at(0), "127.0.0.4");  // a valid token, but another client's
    CHECK(error_of(other_token.hello("other", "demo-token")).code == "auth_failed");
  }
  CHECK(live.server.stats().auth_failures == 3);
  CHECK(live.engine.seen().empty());
  bool welcomed = false;
  for (int attempt = 0; attempt < 50 && !welcomed; ++attempt) {  // once demo's lockout is over
    TestClient good(live.ports.at(0));
    welcomed = std::holds_alternative<Welcome>(good.hello().event);
    if (!welcomed) std::this_thread::sleep_for(100ms);
  }
  CHECK(welcomed);
}

TEST_CASE("a second hello on a logged-in connection is an error, not a re-login", "[gateway][server]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.hello();
  CHECK(error_of(client.hello("other", "other-token")).code == "already_authenticated");
  client.send(encode_request(sample_order("c1")));
  CHECK(std::holds_alternative<Accepted>(client.event().event));
  CHECK(live.engine.seen().back().client == "demo");
}

TEST_CASE("client events reach every connection of that client and no other", "[gateway][server]") {
  LiveServer live;
  TestClient a(live.ports.at(0));
  TestClient b(live.ports.at(0));
  TestClient other(live.ports.at(0));
  a.hello();
  b.hello();
  other.hello("other", "other-token");
  a.send(encode_request(sample_order("c1"), "n1"));
  auto on_a = a.event();
  auto on_b = b.event();
  CHECK(std::get<Accepted>(on_a.event).client_order_id == "c1");
  CHECK(std::get<Accepted>(on_b.event).client_order_id == "c1");
  // The other client sees nothing: its next line is the answer to its own request.
  other.send(R"({"op":"status","client_order_id":"zzz"})");
  CHECK(std::holds_alternative<Rejected>(other.event().event));
}

TEST_CASE("events delivered from another thread arrive complete and in order", "[gateway][server]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.hello();
  constexpr int count = 2000;
  std::thread producer([&] {
    for (int i = 1; i <= count; ++i) {
      live.server.deliver(Outbound{0, "demo", static_cast<std::uint64_t>(i), "", Accepted{"c" + std::to_string(i)}});
    }
  });
  for (int i = 1; i <= count; ++i) {
    auto out = client.event();
    REQUIRE(out.seq == static_cast<std::uint64_t>(i));
  }
  producer.join();
}

TEST_CASE("an oversized line is answered with line_too_long and the connection closed", "[gateway][server]") {
  auto cfg = test_config();
  cfg.max_line_bytes = 1024;
  LiveServer live(cfg);
  TestClient client(live.ports.at(0));
  client.hello();
  client.send(R"({"op":"list","account":")" + std::string(2000, 'A') + "\"}");
  CHECK(error_of(client.event()).code == "line_too_long");
  CHECK(client.closed_by_server());

  // A line that never ends is cut as soon as it passes the limit.
  TestClient endless(live.ports.at(0));
  REQUIRE(endless.raw().send(std::string(4096, ' ')));
  CHECK(error_of(endless.event()).code == "line_too_long");
  CHECK(endless.closed_by_server());
}

TEST_CASE("a line that is not UTF-8 is answered and skipped; the connection stays usable", "[gateway][server]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  client.hello();
  client.send("{\"op\":\"list\",\"account\":\"\xff\xfe\"}");
  CHECK(error_of(client.event()).code == "invalid_utf8");
  client.send(encode_request(sample_order("after-bad-bytes"), "n1"));
  CHECK(std::holds_alternative<Accepted>(client.event().event));
}

TEST_CASE("a client that never reads is cut as a slow consumer", "[gateway][server]") {
  auto cfg = test_config();
  cfg.send_buffer_bytes = 64 * 1024;
  LiveServer live(cfg);
  TestClient slow(live.ports.at(0));
  slow.hello();
  TestClient reader(live.ports.at(0));  // a second, healthy connection of the same client
  reader.hello();

  // 10 MB in all: more than the kernel's socket buffers can hide, so the backlog shows.
  constexpr int total = 5000;
  const std::string padding(2000, 'x');
  std::atomic<int> read_count{0};
  std::thread reading([&] {
    // Keeps the healthy connection drained; it must see every event. No REQUIRE off the main thread.
    std::string l;
    while (read_count < total &&
           reader.raw().read_line(l, wait_limit) == LineClient::ReadStatus::line) {
      ++read_count;
    }
  });
  // Paced by the healthy reader, so only the connection that does not read falls behind: every
  // 20 events (40 KB, inside the 64 KB budget) it must have caught up, so it never has enough
  // outstanding to be cut, however late its thread gets to run.
  bool kept_pace = true;
  for (int i = 1; i <= total && kept_pace; ++i) {
    live.server.deliver(Outbound{0, "demo", static_cast<std::uint64_t>(i), "",
                                 Rejected{"order-" + std::to_string(i), RejectReason::risk_limit, padding, "", ""}});
    if (i % 20 == 0) kept_pace = eventually([&] { return read_count >= i; });
  }
  reading.join();
  REQUIRE(kept_pace);
  CHECK(read_count == total);
  CHECK(eventually([&] { return live.server.stats().slow_consumers == 1; }));
  CHECK(eventually([&] { return live.server.stats().live_connections == 1; }));
  // What the slow client reads now: some events, maybe the slow_consumer line, then the end.
  std::string last;
  std::string l;
  for (;;) {
    const auto status = slow.raw().read_line(l, wait_limit);
    if (status != LineClient::ReadStatus::line) {
      CHECK(status == LineClient::ReadStatus::closed);
      break;
    }
    last = l;
  }
  INFO(last);
  CHECK((last.find("slow_consumer") != std::string::npos || last.find("rejected") != std::string::npos));
}

TEST_CASE("requests past the per-client rate are refused one by one", "[gateway][server]") {
  auto cfg = test_config();
  cfg.max_requests_per_second = 5;
  LiveServer live(cfg);
  TestClient client(live.ports.at(0));
  client.hello();
  int limited = 0;
  int answered = 0;
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    client.send(R"({"op":"status","client_order_id":"nope","id":"q)" + std::to_string(i) + "\"}");
    auto out = client.event();
    CHECK(out.request_id == "q" + std::to_string(i));
    if (std::holds_alternative<Error>(out.event)) {
      CHECK(std::get<Error>(out.event).code == "rate_limited");
      ++limited;
    } else {
      ++answered;
    }
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  CHECK(answered >= 5);
  // The burst of 5, plus what refilled at 5 a second while the test ran (a loaded machine is slow).
  CHECK(answered <= 5 + static_cast<int>(took * 5) + 1);
  CHECK(limited == 20 - answered);
  if (took < 2.0) CHECK(limited > 0);  // slower than that, the refill alone may answer them all
}

TEST_CASE("connections past max_connections are refused with an error line", "[gateway][server]") {
  auto cfg = test_config();
  cfg.max_connections = 2;
  LiveServer live(cfg);
  TestClient a(live.ports.at(0));
  TestClient b(live.ports.at(0));
  a.hello();
  b.hello();
  TestClient c(live.ports.at(0));
  CHECK(error_of(c.event()).code == "too_many_connections");
  CHECK(c.closed_by_server());
  CHECK(live.server.stats().connections_refused == 1);
}

TEST_CASE("a connection that never says hello is closed after the login timeout", "[gateway][server]") {
  LiveServer live;
  live.server.set_login_timeout_ms(200);
  TestClient silent(live.ports.at(0));
  CHECK(error_of(silent.event()).code == "login_timeout");
  CHECK(silent.closed_by_server());
}

TEST_CASE("serves a Unix domain socket alongside TCP", "[gateway][server]") {
  auto cfg = test_config();
  const auto path = (std::filesystem::temp_directory_path() /
                     ("fixgate-gw-" + std::to_string(::getpid()) + ".sock")).string();
  cfg.unix_paths.push_back(path);
  {
    LiveServer live(cfg);
    TestClient client(path);
    CHECK(std::holds_alternative<Welcome>(client.hello().event));
    client.send(encode_request(sample_order("u1"), "n1"));
    CHECK(std::get<Accepted>(client.event().event).client_order_id == "u1");
  }
  CHECK_FALSE(std::filesystem::exists(path));  // removed on stop
}

TEST_CASE("start returns the bound port and stop is idempotent", "[gateway][server]") {
  auto cfg = test_config();
  cfg.tcp.push_back(config::Endpoint{"127.0.0.1", 0});
  Server server(cfg, [](Inbound) {});
  const auto ports = server.start();
  REQUIRE(ports.size() == 2);
  CHECK(ports[0] != 0);
  CHECK(ports[1] != 0);
  CHECK(ports[0] != ports[1]);
  server.stop();
  server.stop();
  server.deliver(Outbound{0, "demo", 1, "", Accepted{"late"}});  // after stop: dropped, no crash
}

TEST_CASE("client events reach a new connection only after its welcome", "[gateway][server]") {
  std::mutex mutex;
  ConnectionId connection = 0;
  Server* server_ptr = nullptr;
  Server server(test_config(), [&](Inbound in) {
    std::lock_guard lock(mutex);
    connection = in.connection;  // the "engine" holds the welcome back
  });
  server_ptr = &server;
  const auto ports = server.start();
  TestClient client(ports.at(0));
  client.send(encode_request(Hello{"demo", "demo-token", std::nullopt}));
  REQUIRE(eventually([&] {
    std::lock_guard lock(mutex);
    return connection != 0;
  }));
  // Logged in, not yet welcomed: a live event for the client must not overtake the replay.
  server_ptr->deliver(Outbound{0, "demo", 5, "", Accepted{"early"}});
  server_ptr->deliver(Outbound{connection, "demo", 0, "", Welcome{"demo", 6}});
  server_ptr->deliver(Outbound{connection, "demo", 4, "", Accepted{"replayed"}});
  server_ptr->deliver(Outbound{0, "demo", 6, "", Accepted{"live"}});
  CHECK(std::holds_alternative<Welcome>(client.event().event));
  CHECK(std::get<Accepted>(client.event().event).client_order_id == "replayed");
  CHECK(std::get<Accepted>(client.event().event).client_order_id == "live");
}

TEST_CASE("a Unix socket path owned by a live server is not taken over", "[gateway][server]") {
  auto cfg = test_config();
  cfg.tcp.clear();
  const auto path = (std::filesystem::temp_directory_path() /
                     ("fixgate-gw-busy-" + std::to_string(::getpid()) + ".sock")).string();
  cfg.unix_paths.push_back(path);
  Server first(cfg, [](Inbound) {});
  first.start();
  Server second(cfg, [](Inbound) {});
  CHECK_THROWS_WITH(second.start(), Catch::Contains("in use"));
  TestClient still(path);  // the first server still answers
  CHECK(error_of(still.hello("demo", "wrong")).code == "auth_failed");
  first.stop();
  CHECK_FALSE(std::filesystem::exists(path));
  {
    // A socket file left behind by a crash: bound, never listened on, never unlinked.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  REQUIRE(std::filesystem::exists(path));
  Server third(cfg, [](Inbound) {});
  third.start();
  TestClient fresh(path);
  CHECK(error_of(fresh.hello("demo", "wrong")).code == "auth_failed");
}
