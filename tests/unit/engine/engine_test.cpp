// The engine on a real journal in a temporary folder, with its outputs captured: no sockets, no
// FIX stack. Broker messages are posted already decoded; the decoder used by recovery maps the
// raw text back to the same message.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "fixgate/engine/engine.hpp"
#include "fixgate/journal/reader.hpp"

namespace fs = std::filesystem;
using namespace fixgate;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("fixgate-engine-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

config::Config test_config() {
  config::Config c;
  c.instance = "t";
  config::UpstreamClient trader{"trader", "secret", {"ACC1"}, config::ClientRole::trader};
  c.upstream.clients = {trader};
  config::Session sim;
  sim.name = "SIM";
  c.sessions = {sim};
  c.routes = {config::Route{"*", "*", "*", {"SIM"}}};
  c.risk.defaults.max_order_qty = Qty::from_whole(1000);
  return c;
}

/// One engine on one journal directory, driven from the test thread.
struct Harness {
  config::Config config = test_config();
  std::unique_ptr<journal::Journal> journal;
  std::vector<gateway::Outbound> delivered;
  std::vector<std::uint64_t> durable_at_delivery;
  std::vector<std::pair<std::string, fix::Outbound>> sent;
  std::map<std::string, fix::Inbound> raw_to_message;
  std::int64_t clock_ns = 1'700'000'000'000'000'000;
  std::unique_ptr<engine::Engine> engine;

  explicit Harness(const fs::path& dir, journal::FaultHook fault = {}) {
    journal::Options options;
    options.dir = dir;
    options.sync = journal::SyncPolicy::batch;
    options.fault_hook = std::move(fault);
    auto opened = journal::Journal::open(options);
    REQUIRE(opened.has_value());
    journal = std::move(*opened);
    engine::Outputs outputs;
    outputs.deliver = [this](gateway::Outbound out) {
      durable_at_delivery.push_back(journal->durable_seq());
      delivered.push_back(std::move(out));
    };
    outputs.send = [this](const std::string& session, fix::Outbound m) {
      sent.emplace_back(session, std::move(m));
      return fix::SendStatus::queued;
    };
    engine = std::make_unique<engine::Engine>(
        config, *journal, outputs, [this] { return Timestamp{clock_ns += 1000}; },
        [this](const std::string&, const std::string& raw) { return raw_to_message.at(raw); });
  }

  /// Runs the loop until `done` holds or two seconds pass.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      engine->do_work();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
  }

  void request(gateway::Request r, gateway::ConnectionId connection = 7) {
    engine->post(gateway::Inbound{connection, "trader", "", std::move(r)});
  }

  void broker(fix::Inbound message, const std::string& raw) {
    raw_to_message[raw] = message;
    engine->post(engine::FixInput{"SIM", std::move(message), raw, 0});
  }

  template <class Event>
  std::vector<const Event*> events() const {
    std::vector<const Event*> found;
    for (const auto& out : delivered) {
      if (const auto* e = std::get_if<Event>(&out.event)) found.push_back(e);
    }
    return found;
  }
};

gateway::NewOrder new_order(const std::string& id, const char* qty = "100") {
  gateway::NewOrder o;
  o.client_order_id = id;
  o.account = "ACC1";
  o.symbol = "7203";
  o.qty = *Qty::parse(qty);
  o.price = *Price::parse("10");
  return o;
}

order::ExecReport report(const std::string& cl_ord_id, const std::string& exec_id, ExecType type, OrdStatus status,
                         const char* cum, const char* leaves, const char* last = "0") {
  order::ExecReport r;
  r.cl_ord_id = cl_ord_id;
  r.order_id = "B1";
  r.exec_id = exec_id;
  r.exec_type = type;
  r.ord_status = status;
  r.symbol = "7203";
  r.order_qty = Qty::from_whole(100);
  r.cum_qty = *Qty::parse(cum);
  r.leaves_qty = *Qty::parse(leaves);
  r.last_qty = *Qty::parse(last);
  r.last_px = *Price::parse("10");
  r.avg_px = *Price::parse("10");
  return r;
}

}  // namespace

TEST_CASE("an order is sent and acknowledged only once its records are durable") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty() && !h.sent.empty(); }));
  CHECK(std::holds_alternative<order::NewOrderSingle>(h.sent[0].second));
  // Every stream event was delivered with the journal durable at least up to its own record.
  std::vector<std::uint64_t> event_records;
  auto scanned = journal::scan(dir.path, [&](const journal::RecordView& r) {
    if (r.kind == journal::RecordKind::upstream_event) event_records.push_back(r.seq);
    return true;
  });
  REQUIRE(scanned.has_value());
  REQUIRE(event_records.size() == h.delivered.size());
  for (std::size_t i = 0; i < h.delivered.size(); ++i) {
    INFO("event " << h.delivered[i].seq);
    CHECK(h.durable_at_delivery[i] >= event_records[i]);
  }
}

TEST_CASE("an order with no live session is rejected with no_route, never queued") {
  TempDir dir;
  Harness h(dir.path);
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Rejected>().empty(); }));
  CHECK(h.events<gateway::Rejected>()[0]->reason == RejectReason::no_route);
  CHECK(h.sent.empty());
}

TEST_CASE("a retried request gets the first answer and no second order") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  h.request(new_order("c1", "999"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.sent.size() == 1);
  CHECK(h.engine->book().orders().size() == 1);
  CHECK(h.engine->stats().idempotent_replays == 1);
}

TEST_CASE("a retry answered before the first answer is durable waits for it too") {
  TempDir dir;
  std::atomic<bool> hold_syncs{false};
  Harness h(dir.path, [&](journal::IoOp op, const std::string&) {
    // Keeps the writer inside its sync until released, so nothing new becomes durable.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (op == journal::IoOp::sync && hold_syncs && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::error_code{};
  });
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return !h.events<gateway::SessionStatus>().empty(); }));
  hold_syncs = true;
  h.request(new_order("c1"));
  h.request(new_order("c1"), 9);
  h.run_until([] { return false; });  // every chance to (wrongly) answer early
  CHECK(h.engine->stats().idempotent_replays == 1);
  CHECK(h.events<gateway::Accepted>().empty());
  hold_syncs = false;
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.sent.size() == 1);
}

TEST_CASE("orders over a risk limit or for another account are rejected with the limit named") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("big", "1001"));
  auto other = new_order("other");
  other.account = "ACC9";
  h.request(other);
  REQUIRE(h.run_until([&] { return h.events<gateway::Rejected>().size() == 2; }));
  const auto rejects = h.events<gateway::Rejected>();
  CHECK(rejects[0]->reason == RejectReason::risk_limit);
  CHECK_THAT(rejects[0]->text, Catch::Contains("max_order_qty"));
  CHECK(rejects[1]->reason == RejectReason::not_entitled);
  CHECK(h.sent.empty());
}

TEST_CASE("replaying the journal rebuilds the same book and event numbering") {
  TempDir dir;
  order::OrderBook before;
  std::uint64_t next_seq = 0;
  std::map<std::string, fix::Inbound> raws;
  {
    Harness h(dir.path);
    h.engine->post(engine::SessionChange{"SIM", true});
    h.request(new_order("c1"));
    h.request(new_order("c2"));
    REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
    const auto& nos = std::get<order::NewOrderSingle>(h.sent[0].second);
    h.broker(report(nos.cl_ord_id, "E1", ExecType::new_order, OrdStatus::new_order, "0", "100"), "raw-E1");
    h.broker(report(nos.cl_ord_id, "E2", ExecType::trade, OrdStatus::partially_filled, "40", "60", "40"), "raw-E2");
    h.broker(report(nos.cl_ord_id, "E2", ExecType::trade, OrdStatus::partially_filled, "40", "60", "40"), "raw-E2");
    h.request(gateway::CancelOrder{"c2-x", "c2"});
    REQUIRE(h.run_until([&] { return h.sent.size() == 3 && h.events<gateway::Execution>().size() == 2; }));
    CHECK(h.engine->book().counters().duplicates == 1);
    before = h.engine->book();
    next_seq = h.delivered.back().seq + 1;
    raws = h.raw_to_message;
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path);
  again.raw_to_message = raws;
  again.engine->recover();
  CHECK(again.engine->book() == before);
  // Recovery marks the session down (it is not logged on yet): that is the next event.
  REQUIRE(again.run_until([&] { return !again.delivered.empty(); }));
  CHECK(again.delivered.front().seq == next_seq);
  CHECK(std::holds_alternative<gateway::SessionStatus>(again.delivered.front().event));
  CHECK(again.sent.empty());  // nothing is re-sent by a replay
}

TEST_CASE("a storage fault stops acknowledgements: nothing is acknowledged that is not stored") {
  TempDir dir;
  std::atomic<bool> failing{false};
  Harness h(dir.path, [&](journal::IoOp op, const std::string&) {
    return failing && op == journal::IoOp::sync ? std::make_error_code(std::errc::io_error) : std::error_code{};
  });
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return !h.events<gateway::SessionStatus>().empty(); }));
  failing = true;
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return h.journal->failure().has_value(); }));
  h.run_until([] { return false; });  // give the engine every chance to (wrongly) release
  CHECK(h.events<gateway::Accepted>().empty());
  CHECK(h.sent.empty());
  h.request(new_order("c2"), 9);
  REQUIRE(h.run_until([&] {
    for (const auto& out : h.delivered) {
      if (const auto* e = std::get_if<gateway::Error>(&out.event); e && e->code == "journal_unavailable") return true;
    }
    return false;
  }));
  CHECK(h.events<gateway::Accepted>().empty());
  CHECK(h.sent.empty());
}
