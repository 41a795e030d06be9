// SPDX-License-Identifier: Apache-2.0
// The ops HTTP server over real sockets on 127.0.0.1. Every socket read has a 5 s timeout and
// every loop a fixed count, so a broken server fails the test instead of hanging it.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixgate/ops/http_server.hpp"
#include "http_client.hpp"

using fixgate::ops::HttpResponse;
using fixgate::ops::HttpServer;
using fixgate::ops::HttpServerOptions;

using namespace ops_test;

namespace {

fixgate::config::Endpoint loopback() { return {"127.0.0.1", 0}; }

}  // namespace

TEST_CASE("registered paths answer 200 with their body, type and length") {
  HttpServer server(loopback());
  server.handle("/metrics", [] { return HttpResponse{200, "text/plain; version=0.0.4", "a_total 1\n"}; });
  server.handle("/healthz", [] { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; });
  const auto port = server.start();
  REQUIRE(port != 0);

  const auto metrics = get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body == "a_total 1\n");
  CHECK(metrics.head.find("\r\nContent-Type: text/plain; version=0.0.4\r\n") != std::string::npos);
  CHECK(metrics.head.find("\r\nContent-Length: 10\r\n") != std::string::npos);
  CHECK(metrics.head.find("\r\nConnection: close\r\n") != std::string::npos);

  CHECK(get(port, "/healthz").body == "ok\n");
  CHECK(get(port, "/metrics?name=x").status == 200);  // the query is not part of the path
  // A bare-LF request (netcat, hand-typed) works too, as does HTTP/1.0.
  CHECK(request(port, "GET /healthz HTTP/1.0\n\n").status == 200);
  server.stop();
  server.stop();  // idempotent
  Client after(port);
  CHECK_FALSE(after.connected());
}

TEST_CASE("a request whose empty line arrives in a later segment is answered") {
  // bash's printf (the container HEALTHCHECK) writes "GET ... HTTP/1.0\r\n" and "\r\n" apart: the
  // end of the head then spans two reads.
  HttpServer server(loopback());
  server.handle("/healthz", [] { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; });
  const auto port = server.start();
  const std::vector<std::pair<std::string, std::string>> splits = {
      {"GET /healthz HTTP/1.0\r\n", "\r\n"},
      {"GET /healthz HTTP/1.0\r\n\r", "\n"},
      {"GET /healthz HTTP/1.0\n", "\n"},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\n", "\r\n"}};
  for (const auto& [first, rest] : splits) {
    Client client(port);
    REQUIRE(client.connected());
    REQUIRE(client.send(first));
    // Lets the server read the first part on its own (no assertion depends on the time).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(client.send(rest));
    const auto raw = client.read_all();  // before the fix: nothing, until the read timeout
    REQUIRE(raw.has_value());
    CHECK(parse(*raw).status == 200);
  }
  server.stop();
}

TEST_CASE("unknown path 404, other methods 405 with Allow, garbage 400, handler failure 500") {
  HttpServer server(loopback());
  server.handle("/metrics", [] { return HttpResponse{200, "text/plain", "x\n"}; });
  server.handle("/boom", []() -> HttpResponse { throw std::runtime_error("boom"); });
  const auto port = server.start();

  CHECK(get(port, "/nope").status == 404);
  CHECK(get(port, "/metrics/extra").status == 404);

  const auto post = request(port, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(post.status == 405);
  CHECK(post.head.find("\r\nAllow: GET\r\n") != std::string::npos);
  CHECK(request(port, "HEAD /metrics HTTP/1.1\r\n\r\n").status == 405);

  for (const char* garbled : {"GARBAGE\r\n\r\n", "GET /metrics\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n",
                              "GET /metrics HTTP/9.9\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n",
                              "G@T /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
                              "\r\n\r\n"}) {
    INFO(garbled);
    CHECK(request(port, garbled).status == 400);
  }
  CHECK(get(port, "/boom").status == 500);
  CHECK(get(port, "/metrics").status == 200);  // still serving
}

TEST_CASE("a request head over the limit gets 431") {
  HttpServerOptions options;
  options.max_header_bytes = 8192;
  HttpServer server(loopback(), options);
  server.handle("/metrics", [] { return HttpResponse{200, "text/plain", "x\n"}; });
  const auto port = server.start();
  const auto big = request(port, "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(9000, 'a') + "\r\n\r\n");
  CHECK(big.status == 431);
  // Just under the limit is fine.
  CHECK(request(port, "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(8000, 'a') + "\r\n\r\n").status == 200);
}

TEST_CASE("a client that never finishes its request is cut off after the read timeout") {
  HttpServerOptions options;
  options.read_timeout = std::chrono::milliseconds(300);
  HttpServer server(loopback(), options);
  server.handle("/metrics", [] { return HttpResponse{200, "text/plain", "x\n"}; });
  const auto port = server.start();

  // The timeout runs from the server's accept, which comes after `begin`.
  const auto begin = std::chrono::steady_clock::now();
  Client slow(port);
  REQUIRE(slow.connected());
  REQUIRE(slow.send("GET /metrics HT"));
  const auto raw = slow.read_all();  // the server closes: EOF, no response
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  REQUIRE(raw.has_value());
  CHECK(raw->empty());
  CHECK(elapsed >= std::chrono::milliseconds(300));
  CHECK(elapsed < std::chrono::milliseconds(4500));  // cut, not left to the client's 5 s limit
  CHECK(get(port, "/metrics").status == 200);
}

TEST_CASE("concurrent clients all get their answer") {
  HttpServer server(loopback());
  std::atomic<int> calls{0};
  server.handle("/metrics", [&] {
    calls.fetch_add(1);
    return HttpResponse{200, "text/plain", std::string(20000, 'm')};  // larger than one segment
  });
  const auto port = server.start();
  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        Client client(port);
        if (!client.connected() || !client.send("GET /metrics HTTP/1.1\r\n\r\n")) continue;
        client.finish_sending();
        const auto raw = client.read_all();
        if (raw && raw->rfind("HTTP/1.1 200 OK\r\n", 0) == 0 && raw->size() > 20000 &&
            raw->substr(raw->size() - 20000) == std::string(20000, 'm')) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(ok.load() == threads * per_thread);
  CHECK(calls.load() == threads * per_thread);
}

TEST_CASE("past max_connections new clients get 503 until a slot frees") {
  HttpServerOptions options;
  options.max_connections = 2;
  options.read_timeout = std::chrono::milliseconds(2000);
  HttpServer server(loopback(), options);
  server.handle("/metrics", [] { return HttpResponse{200, "text/plain", "x\n"}; });
  const auto port = server.start();
  {
    Client idle1(port);
    Client idle2(port);
    REQUIRE(idle1.connected());
    REQUIRE(idle2.connected());
    // Both idle connections are accepted before the third (the listen queue is FIFO); wait
    // until the server has counted them by polling with a bounded number of tries.
    Reply third;
    for (int i = 0; i < 50; ++i) {
      third = get(port, "/metrics");
      if (third.status == 503) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(third.status == 503);
  }
  // Closed idle clients free their slots (the server sees EOF at once).
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    status = get(port, "/metrics").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status == 200);
}

TEST_CASE("bind errors name the endpoint") {
  HttpServer first(loopback());
  const auto port = first.start();
  HttpServer second({"127.0.0.1", port});
  CHECK_THROWS_WITH(second.start(), Catch::Contains("127.0.0.1:" + std::to_string(port)));
  HttpServer bad({"not-an-ip", 0});
  CHECK_THROWS_WITH(bad.start(), Catch::Contains("not an IP address"));
  HttpServer local({"localhost", 0});
  CHECK(local.start() != 0);
}
