// SPDX-License-Identifier: Apache-2.0
#pragma once
// A live gateway Server on 127.0.0.1 (port 0) with a fake engine behind it, and a client that
// speaks lines to it. Every wait is bounded.

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixgate/gateway/codec.hpp"
#include "fixgate/gateway/line_client.hpp"
#include "fixgate/gateway/server.hpp"

namespace fixgate::gateway::testing {

using namespace std::chrono_literals;

inline constexpr auto wait_limit = 5s;

/// Polls `pred` until it holds or wait_limit passes; its last answer.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + wait_limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

/// Answers like an engine would, just enough for the gateway tests: Welcome on hello (next_seq
/// continues the client's stream), Accepted for new orders, a snapshot for status.
class FakeEngine {
 public:
  void attach(Server& server) { server_ = &server; }

  void on_inbound(Inbound in) {
    if (!std::holds_alternative<Barrier>(in.request)) {  // the gateway's own, not a client request
      std::lock_guard lock(mutex_);
      seen_.push_back(in);
    }
    cv_.notify_all();
    auto& seq = next_seq_[in.client];
    if (seq == 0) seq = 1;
    if (const auto* b = std::get_if<Barrier>(&in.request)) {
      // As the engine does: echoed behind every earlier answer.
      server_->deliver(Outbound{in.connection, in.client, 0, {}, Error{b->echo, "", "", std::nullopt}});
    } else if (std::holds_alternative<Hello>(in.request)) {
      server_->deliver(Outbound{in.connection, in.client, 0, in.request_id, Welcome{in.client, seq}});
    } else if (const auto* o = std::get_if<NewOrder>(&in.request)) {
      orders_[o->client_order_id] = *o;
      if (o->symbol == "REJECT") {
        server_->deliver(Outbound{0, in.client, seq++, in.request_id,
                                  Rejected{o->client_order_id, RejectReason::risk_limit, "over the limit", "", ""}});
        return;
      }
      server_->deliver(Outbound{0, in.client, seq++, in.request_id, Accepted{o->client_order_id}});
      if (o->symbol == "FILL") fill(in.client, *o, seq);
    } else if (const auto* q = std::get_if<OrderStatusQuery>(&in.request)) {
      auto it = orders_.find(q->client_order_id);
      if (it == orders_.end()) {
        server_->deliver(Outbound{in.connection, in.client, 0, in.request_id,
                                  Rejected{q->client_order_id, RejectReason::unknown_order, "no such order", "", ""}});
      } else {
        OrderSnapshot s;
        s.client_order_id = it->first;
        s.account = it->second.account;
        s.symbol = it->second.symbol;
        s.side = it->second.side;
        s.order_qty = it->second.qty;
        s.leaves_qty = it->second.qty;
        s.price = it->second.price;
        server_->deliver(Outbound{in.connection, in.client, 0, in.request_id, s});
      }
    }
  }

  /// Fills the order in two parts, as the demo's simulator does.
  void fill(const std::string& client, const NewOrder& o, std::uint64_t& seq) {
    Execution e;
    e.client_order_id = o.client_order_id;
    e.order_qty = o.qty;
    e.last_px = o.price.value_or(Price::from_whole(1));
    e.avg_px = e.last_px;
    const Qty half = Qty::from_units(o.qty.units() / 2);
    for (int part = 1; part <= 2; ++part) {
      e.exec_id = o.client_order_id + "-E" + std::to_string(part);
      e.exec_type = ExecType::trade;
      e.last_qty = part == 1 ? half : o.qty - half;
      e.cum_qty = part == 1 ? half : o.qty;
      e.leaves_qty = o.qty - e.cum_qty;
      e.status = part == 1 ? OrdStatus::partially_filled : OrdStatus::filled;
      server_->deliver(Outbound{0, client, seq++, "", e});
    }
  }

  /// Inbound requests seen so far (copy).
  std::vector<Inbound> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  Server* server_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Inbound> seen_;
  // Only touched on the io thread.
  std::map<std::string, std::uint64_t> next_seq_;
  std::map<std::string, NewOrder> orders_;
};

inline config::Upstream test_config() {
  config::Upstream c;
  c.tcp.push_back(config::Endpoint{"127.0.0.1", 0});
  c.clients.push_back(config::UpstreamClient{"demo", "demo-token", {"*"}, config::ClientRole::trader});
  c.clients.push_back(config::UpstreamClient{"other", "other-token", {"ACC2"}, config::ClientRole::trader});
  return c;
}

struct LiveServer {
  explicit LiveServer(config::Upstream cfg = test_config()) : server(cfg, [this](Inbound in) { engine.on_inbound(std::move(in)); }) {
    engine.attach(server);
    ports = server.start();
  }
  FakeEngine engine;
  Server server;
  std::vector<std::uint16_t> ports;
};

/// A test-side connection that sends lines and reads decoded events.
class TestClient {
 public:
  explicit TestClient(std::uint16_t port, const std::string& source = {}) {
    auto r = client_.connect_tcp("127.0.0.1", port, wait_limit, source);
    INFO((r ? std::string() : r.error()));
    REQUIRE(r);
  }
  explicit TestClient(const std::string& unix_path) {
    auto r = client_.connect_unix(unix_path);
    INFO((r ? std::string() : r.error()));
    REQUIRE(r);
  }

  void send(std::string_view line) { REQUIRE(client_.send(std::string(line) + "\n")); }

  /// The next raw line; fails the test on timeout or close.
  std::string line() {
    std::string l;
    const auto status = client_.read_line(l, wait_limit);
    REQUIRE(status == LineClient::ReadStatus::line);
    return l;
  }

  Outbound event() {
    const std::string l = line();
    auto out = decode_event(l);
    INFO(l);
    REQUIRE(out);
    return *out;
  }

  /// True when the server closes the connection within the wait limit (after any lines).
  bool closed_by_server() {
    std::string l;
    for (;;) {
      const auto status = client_.read_line(l, wait_limit);
      if (status == LineClient::ReadStatus::line) continue;
      return status == LineClient::ReadStatus::closed;
    }
  }

  Outbound hello(std::string_view client = "demo", std::string_view token = "demo-token") {
    send(encode_request(Hello{std::string(client), std::string(token), std::nullopt}, "h"));
    return event();
  }

  LineClient& raw() { return client_; }

 private:
  LineClient client_;
};

inline NewOrder sample_order(std::string id) {
  NewOrder o;
  o.client_order_id = std::move(id);
  o.account = "ACC1";
  o.symbol = "7203";
  o.qty = *Qty::parse("100");
  o.price = *Price::parse("2500.5");
  return o;
}

/// One corpus line: expected code, expected field, and the input.
struct CorpusCase {
  std::string code;
  std::string field;
  std::string input;
  int line_no = 0;
};

inline std::vector<CorpusCase> load_corpus() {
  const char* root = std::getenv("FIXGATE_SOURCE_DIR");
  const std::filesystem::path path = std::filesystem::path(root != nullptr ? root : ".") / "tests/data/upstream/malformed.tsv";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<CorpusCase> cases;
  std::string l;
  int n = 0;
  while (std::getline(in, l)) {
    ++n;
    if (l.empty() || l[0] == '#') continue;
    const auto t1 = l.find('\t');
    const auto t2 = l.find('\t', t1 + 1);
    REQUIRE(t2 != std::string::npos);
    CorpusCase c{l.substr(0, t1), l.substr(t1 + 1, t2 - t1 - 1), l.substr(t2 + 1), n};
    if (c.field == "-") c.field.clear();
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace fixgate::gateway::testing
