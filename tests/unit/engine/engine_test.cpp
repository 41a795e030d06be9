// SPDX-License-Identifier: Apache-2.0
// The engine on a real journal in a temporary folder, with its outputs captured: no sockets, no
// FIX stack. Broker messages are posted already decoded; the decoder used by recovery maps the
// raw text back to the same message.

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;
namespace fs = std::filesystem;

namespace {

// Keeps the journal writer inside its sync while `hold` is set (30 s at most, a safety valve: the
// tests release it explicitly), so nothing new becomes durable until the test releases it.
journal::FaultHook hold_syncs_while(const std::atomic<bool>& hold) {
  return [&hold](journal::IoOp op, const std::string&) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (op == journal::IoOp::sync && hold && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::error_code{};
  };
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
  auto scanned = h.journal->scan([&](const journal::RecordView& r) {
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
  h.request(new_order("c1"));  // the same request again
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.sent.size() == 1);
  CHECK(h.engine->book().orders().size() == 1);
  CHECK(h.engine->stats().idempotent_replays == 1);
}

TEST_CASE("a retry answered before the first answer is durable waits for it too") {
  TempDir dir;
  std::atomic<bool> hold_syncs{false};
  Harness h(dir.path, hold_syncs_while(hold_syncs));
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return !h.events<gateway::SessionStatus>().empty(); }));
  hold_syncs = true;
  h.request(new_order("c1"));
  h.request(new_order("c1"), 9);
  h.settle();  // every chance to (wrongly) answer early
  CHECK(h.engine->stats().idempotent_replays == 1);
  CHECK(h.events<gateway::Accepted>().empty());
  hold_syncs = false;
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.sent.size() == 1);
}

TEST_CASE("order latency times each accepted new order up to its queueing, the durability wait included") {
  TempDir dir;
  std::atomic<bool> hold_syncs{false};
  Harness h(dir.path, hold_syncs_while(hold_syncs));
  const auto& latency = h.engine->stats().order_latency;
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return !h.events<gateway::SessionStatus>().empty(); }));
  hold_syncs = true;
  h.request(new_order("c1"));
  h.request(new_order("big", "1001"));  // rejected: never sent, never timed
  REQUIRE(h.run_until([&] {
    return h.engine->stats().of(engine::RequestKind::new_order).accepted == 1 &&
           h.engine->stats().of(engine::RequestKind::new_order).rejected == 1;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  h.engine->do_work();
  CHECK(h.sent.empty());
  CHECK(latency.snapshot().count == 0);  // held for the journal: not handed to the session yet
  hold_syncs = false;
  REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
  auto timed = latency.snapshot();
  CHECK(timed.count == 1);
  CHECK(timed.sum >= 0.05);  // the time held behind the sync counts

  h.request(gateway::CancelOrder{"c1-x", "c1"});  // a cancel goes out too, but is not a new order
  REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
  CHECK(latency.snapshot().count == 1);
}

TEST_CASE("operator counters: requests by kind and first answer, executions by session, breaks by kind") {
  // break_kinds holds every order book BreakKind, in order (a new one must be added there), then
  // the engine's own three.
  std::size_t book_kinds = 0;
  while (order::code(static_cast<order::BreakKind>(book_kinds)) != "unknown") {
    REQUIRE(book_kinds < engine::break_kinds.size());
    CHECK(engine::break_kinds[book_kinds] == order::code(static_cast<order::BreakKind>(book_kinds)));
    ++book_kinds;
  }
  CHECK(engine::break_kinds.size() - book_kinds == 3);
  TempDir dir;
  Harness h(dir.path);
  const auto& stats = h.engine->stats();
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  h.request(new_order("c2", "200"));
  h.request(new_order("big", "1001"));                    // over max_order_qty
  h.request(gateway::CancelOrder{"c2-x", "c2"});
  h.request(gateway::CancelOrder{"none-x", "none"});      // no such order
  h.request(gateway::ReplaceOrder{"none-r", "none", Qty::from_whole(50), std::nullopt});
  REQUIRE(h.run_until([&] {
    return h.events<gateway::Accepted>().size() == 3 && h.events<gateway::Rejected>().size() == 3 && h.sent.size() == 3;
  }));
  const auto& nos = std::get<order::NewOrderSingle>(h.sent[0].second);
  h.broker(report(nos.cl_ord_id, "E1", ExecType::new_order, OrdStatus::new_order, "0", "100"), "raw-E1");
  h.broker(report(nos.cl_ord_id, "E2", ExecType::trade, OrdStatus::partially_filled, "40", "60", "40"), "raw-E2");
  h.broker(report(nos.cl_ord_id, "E2", ExecType::trade, OrdStatus::partially_filled, "40", "60", "40"), "raw-E2");
  auto foreign = report("NOT-OURS", "E9", ExecType::trade, OrdStatus::filled, "100", "0", "100");
  foreign.order_id = "B9";  // no order of ours has it either
  h.broker(foreign, "raw-E9");
  // A break with no owning order goes to admin clients, and this configuration has none.
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 2 && stats.breaks == 1; }));
  h.request(gateway::ReplaceOrder{"c1-r", "c1", Qty::from_whole(80), std::nullopt});
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 4; }));

  CHECK(stats.of(engine::RequestKind::new_order).accepted == 2);
  CHECK(stats.of(engine::RequestKind::new_order).rejected == 1);
  CHECK(stats.of(engine::RequestKind::cancel).accepted == 1);
  CHECK(stats.of(engine::RequestKind::cancel).rejected == 1);
  CHECK(stats.of(engine::RequestKind::replace).accepted == 1);
  CHECK(stats.of(engine::RequestKind::replace).rejected == 1);
  CHECK(stats.executions == 2);  // E1 and E2; the repeated E2 is a duplicate, not an execution
  REQUIRE(stats.executions_by_session.size() == 1);
  CHECK(stats.executions_by_session.at("SIM") == 2);
  CHECK(stats.breaks == 1);
  for (std::size_t i = 0; i < engine::break_kinds.size(); ++i) {
    INFO(engine::break_kinds[i]);
    CHECK(stats.breaks_by_kind[i] == (engine::break_kinds[i] == "unknown_order" ? 1u : 0u));
  }
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
    // The cancel's FIX send and its "accepted" wait for different records to be durable: wait for
    // both, so the last event delivered here is the last one journaled.
    REQUIRE(h.run_until([&] {
      return h.sent.size() == 3 && h.events<gateway::Execution>().size() == 2 && h.events<gateway::Accepted>().size() == 3;
    }));
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
  h.settle();  // give the engine every chance to (wrongly) release
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

TEST_CASE("backpressure refuses orders without acknowledging them, and only for as long as it lasts") {
  TempDir dir;
  std::atomic<bool> hold_syncs{false};
  // A writer stuck in its sync and a 2 KiB buffer: the journal answers backpressure, as the
  // PostgreSQL journal does while its database is unreachable and its buffer is full.
  Harness h(
      dir.path,
      hold_syncs_while(hold_syncs),
      std::nullopt, 2048);
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return !h.events<gateway::SessionStatus>().empty(); }));
  hold_syncs = true;
  auto refused = [&](const std::string& request_id) {
    for (const auto& out : h.delivered) {
      if (const auto* e = std::get_if<gateway::Error>(&out.event);
          e && e->code == "journal_unavailable" && out.request_id == request_id) {
        return true;
      }
    }
    return false;
  };
  // Orders until one is refused (bounded: 2 KiB holds a handful of records).
  int sent_orders = 0;
  std::string refused_id;
  for (int i = 0; i < 60 && refused_id.empty(); ++i) {
    const std::string id = "c" + std::to_string(i);
    h.engine->post(gateway::Inbound{7, "trader", id, new_order(id)});
    ++sent_orders;
    h.engine->do_work();
    if (refused(id)) refused_id = id;
  }
  REQUIRE(!refused_id.empty());
  CHECK(!h.journal->failure().has_value());
  h.settle();  // every chance to (wrongly) acknowledge
  CHECK(h.events<gateway::Accepted>().empty());
  CHECK(h.sent.empty());
  hold_syncs = false;
  // The orders the journal took are acknowledged once durable; the refused one never is.
  REQUIRE(h.run_until([&] {
    const auto accepted = h.events<gateway::Accepted>().size();
    return accepted != 0 && accepted == h.engine->book().orders().size() && !h.sent.empty();
  }));
  h.settle();  // every chance for the refused one to be (wrongly) acknowledged too
  for (const auto* a : h.events<gateway::Accepted>()) CHECK(a->client_order_id != refused_id);
  CHECK(h.engine->book().orders().size() == h.events<gateway::Accepted>().size());
  // Not final: a new order is taken again.
  h.engine->post(gateway::Inbound{7, "trader", "after", new_order("after")});
  REQUIRE(h.run_until([&] {
    for (const auto* a : h.events<gateway::Accepted>()) {
      if (a->client_order_id == "after") return true;
    }
    return refused("after");
  }));
  CHECK(!refused("after"));
  CHECK(h.engine->stats().journal_errors >= 1);
  (void)sent_orders;
}
