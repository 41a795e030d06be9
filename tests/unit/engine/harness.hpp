// SPDX-License-Identifier: Apache-2.0
#pragma once
// The engine on a real journal in a temporary folder, with its outputs captured: no sockets, no
// FIX stack. Broker messages are posted already decoded; the decoder used by recovery maps the
// raw text back to the same message.
//
// Both journal backends: with FIXGATE_ENGINE_TEST_BACKEND=postgres (CTest entry engine_tests_pg,
// fixture pg_cluster) every harness opens a PgJournal instead, named after its temporary folder
// (so each test has its own journal and reopening the folder reopens the same journal). Tests
// that inject storage faults (a FaultHook or a tiny buffer) use the file journal in both runs:
// the PostgreSQL backend's own fault tests are in tests/unit/journal_pg.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "fixgate/engine/engine.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/postgres.hpp"
#include "fixgate/journal/reader.hpp"

namespace fs = std::filesystem;
using namespace fixgate;

namespace engine_test {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("fixgate-engine-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
                                        std::to_string(++counter));
    fs::create_directories(path);
  }
  ~TempDir() {
    fs::remove_all(path); }
};

/// True when this run uses the PostgreSQL journal (see the top of this file).
inline bool on_postgres() {
  const char* b = std::getenv("FIXGATE_ENGINE_TEST_BACKEND");
  return b != nullptr && std::string_view(b) == "postgres";
}

/// The throwaway cluster's DSN: FIXGATE_TEST_PG_DSN, else the first line of FIXGATE_TEST_PG_DSN_FILE.
inline std::string pg_dsn() {
  if (const char* d = std::getenv("FIXGATE_TEST_PG_DSN"); d != nullptr && *d != '\0') return d;
  const char* file = std::getenv("FIXGATE_TEST_PG_DSN_FILE");
  REQUIRE(file != nullptr);
  std::ifstream in(file);
  std::string line;
  REQUIRE(std::getline(in, line));
  REQUIRE(!line.empty());
  return line;
}

inline config::Config test_config() {
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
  std::unique_ptr<journal::Store> journal;
  std::vector<gateway::Outbound> delivered;
  std::vector<std::uint64_t> durable_at_delivery;
  std::vector<std::pair<std::string, fix::Outbound>> sent;
  std::map<std::string, fix::Inbound> raw_to_message;
  std::int64_t clock_ns = 1'700'000'000'000'000'000;
  std::unique_ptr<engine::Engine> engine;

  explicit Harness(const fs::path& dir, journal::FaultHook fault = {},
                   std::optional<config::Config> custom = std::nullopt, std::uint64_t max_pending_bytes = 0) {
    if (custom) config = std::move(*custom);
    if (on_postgres() && !fault && max_pending_bytes == 0) {
      journal::PgOptions options;
      options.dsn = pg_dsn();
      options.name = "engine-test-" + dir.filename().string();
      options.lock_wait = std::chrono::seconds(5);
      auto opened = journal::PgJournal::open(options);
      if (!opened) FAIL("PgJournal::open: " << opened.error().to_string());
      journal = std::move(*opened);
    } else {
      journal::Options options;
      options.dir = dir;
      options.sync = journal::SyncPolicy::batch;
      options.fault_hook = std::move(fault);
      if (max_pending_bytes != 0) options.max_pending_bytes = max_pending_bytes;
      auto opened = journal::Journal::open(options);
      REQUIRE(opened.has_value());
      journal = std::move(*opened);
    }
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

  /// Runs the loop until `done` holds or 20 seconds pass (a loaded machine's fdatasync or COMMIT
  /// can take seconds; a passing test returns as soon as `done` holds).
  bool run_until(const std::function<bool()>& done) { return run_for(std::chrono::seconds(20), done); }

  /// Runs the loop for `period`, giving the engine every chance to do what it must not.
  void settle(std::chrono::milliseconds period = std::chrono::seconds(2)) {
    run_for(period, [] { return false; });
  }

  bool run_for(std::chrono::milliseconds period, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + period;
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

  void admin_request(gateway::Request r, const std::string& request_id = "a1") {
    engine->post(gateway::Inbound{8, "ops", request_id, std::move(r)});
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

inline gateway::NewOrder new_order(const std::string& id, const char* qty = "100") {
  gateway::NewOrder o;
  o.client_order_id = id;
  o.account = "ACC1";
  o.symbol = "7203";
  o.qty = *Qty::parse(qty);
  o.price = *Price::parse("10");
  return o;
}

inline order::ExecReport report(const std::string& cl_ord_id, const std::string& exec_id, ExecType type, OrdStatus status,
                         const char* cum, const char* leaves, const char* last = "0") {
  order::ExecReport r;
  r.cl_ord_id = cl_ord_id;
  r.order_id = "B-" + cl_ord_id;  // one OrderID per order: ids of two orders are a break
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

}  // namespace engine_test
