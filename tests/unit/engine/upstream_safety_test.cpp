// SPDX-License-Identifier: Apache-2.0
// Upstream requests a hostile or careless client can send: numbers at the edge of their range,
// reused client order ids, explicit sessions it may not use, sums that would overflow.

#include <catch2/catch.hpp>

#include <limits>

#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

namespace {

const gateway::Error* error_answer(const Harness& h, std::string_view field) {
  for (const auto* e : h.events<gateway::Error>()) {
    if (e->field == field) return e;
  }
  return nullptr;
}

const gateway::Rejected* rejected(const Harness& h, const std::string& id) {
  for (const auto* r : h.events<gateway::Rejected>()) {
    if (r->client_order_id == id) return r;
  }
  return nullptr;
}

std::size_t sent_of_kind(const Harness& h, auto pred) {
  std::size_t n = 0;
  for (const auto& [session, message] : h.sent) n += pred(message) ? 1 : 0;
  return n;
}

bool is_cancel(const fix::Outbound& m) { return std::holds_alternative<order::OrderCancelRequest>(m); }
bool is_new(const fix::Outbound& m) { return std::holds_alternative<order::NewOrderSingle>(m); }

gateway::Hello resume(std::uint64_t from) { return gateway::Hello{"trader", "", from}; }

}  // namespace

TEST_CASE("resume_from past the last event is refused, at the top of the range too, with or without events") {
  TempDir dir;
  Harness h(dir.path);
  // Empty stream: the largest resume_from used to wrap to index 2^64-1.
  h.request(resume(std::numeric_limits<std::uint64_t>::max()));
  REQUIRE(h.run_until([&] { return error_answer(h, "resume_from") != nullptr; }));
  CHECK(error_answer(h, "resume_from")->code == "invalid_value");
  CHECK(!h.events<gateway::Welcome>().empty());

  // A stream of a few events: the same request used to read before its start.
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  h.delivered.clear();
  h.request(resume(std::numeric_limits<std::uint64_t>::max()), 9);
  REQUIRE(h.run_until([&] { return error_answer(h, "resume_from") != nullptr; }));
  h.delivered.clear();
  h.request(resume(3), 9);  // two events exist (session, accepted): 3 is one past the end
  REQUIRE(h.run_until([&] { return error_answer(h, "resume_from") != nullptr; }));

  // In range, it replays exactly what follows it.
  h.delivered.clear();
  h.request(resume(1), 9);
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  CHECK(h.events<gateway::SessionStatus>().empty());
  h.delivered.clear();
  h.request(resume(2), 9);  // nothing missed: a welcome only
  REQUIRE(h.run_until([&] { return !h.events<gateway::Welcome>().empty(); }));
  h.settle(std::chrono::milliseconds(200));
  CHECK(h.delivered.size() == 1);
}

TEST_CASE("a cancel reusing a new order's client_order_id is refused, and the order stays live") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  h.request(gateway::CancelOrder{"c1", "c1"});
  REQUIRE(h.run_until([&] { return rejected(h, "c1") != nullptr; }));
  CHECK(rejected(h, "c1")->reason == RejectReason::duplicate_client_order_id);
  CHECK(sent_of_kind(h, is_cancel) == 0);
  CHECK(h.engine->book().find("trader", "c1")->is_live());
  CHECK(h.events<gateway::Accepted>().size() == 1);
}

TEST_CASE("a new order reusing an id with other contents is refused and journaled; an exact retry gets the first answer") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  auto other = new_order("c1", "7");
  other.account = "ACC1";
  other.side = Side::sell;
  other.price = *Price::parse("11");
  h.request(other);
  REQUIRE(h.run_until([&] { return rejected(h, "c1") != nullptr; }));
  CHECK(rejected(h, "c1")->reason == RejectReason::duplicate_client_order_id);
  CHECK(sent_of_kind(h, is_new) == 1);

  // The exact first request again: the first answer, not the refusal.
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.engine->stats().idempotent_replays == 1);

  // The refusal is a journaled stream event, after the journaled request it answers.
  bool request_seen = false, refusal_seen = false;
  auto scanned = h.journal->scan([&](const journal::RecordView& r) {
    const std::string payload(r.payload);
    if (r.kind == journal::RecordKind::upstream_request && payload.find("\"qty\":\"7\"") != std::string::npos) {
      request_seen = true;
    }
    if (r.kind == journal::RecordKind::upstream_event && payload.find("duplicate_client_order_id") != std::string::npos) {
      refusal_seen = request_seen;
    }
    return true;
  });
  REQUIRE(scanned);
  CHECK(refusal_seen);

  // A replay decides the same way.
  h.engine.reset();
  h.journal.reset();
  Harness again(dir.path);
  again.engine->recover();
  again.request(new_order("c1", "7"));
  REQUIRE(again.run_until([&] { return rejected(again, "c1") != nullptr; }));
  CHECK(rejected(again, "c1")->reason == RejectReason::duplicate_client_order_id);
}

TEST_CASE("an explicit session needs both a route that allows it and the client's entitlement") {
  TempDir dir;
  auto c = test_config();
  config::Session propdesk;
  propdesk.name = "PROPDESK";
  propdesk.sender_comp_id = "FG2";
  c.sessions.push_back(propdesk);
  c.sessions[0].name = "RETAIL";
  c.routes = {config::Route{"ACC1", "*", "*", {"RETAIL"}}, config::Route{"*", "*", "*", {"PROPDESK"}}};
  c.upstream.clients[0].sessions = {"RETAIL"};
  c.upstream.clients.push_back({"desk", "desk-secret", {"ACC1", "ACC9"}, config::ClientRole::trader, {"*"}});
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"RETAIL", true});
  h.engine->post(engine::SessionChange{"PROPDESK", true});

  auto order = [](const std::string& id, const std::string& account, const std::string& session) {
    auto o = new_order(id);
    o.account = account;
    o.session = session;
    return o;
  };
  // Routed only to RETAIL: naming PROPDESK, or a session that does not exist, is not_entitled,
  // with one text for both that names no session.
  h.request(order("c1", "ACC1", "PROPDESK"));
  h.request(order("c2", "ACC1", "NOSUCH"));
  h.request(order("c3", "ACC1", "RETAIL"));
  REQUIRE(h.run_until([&] { return rejected(h, "c1") && rejected(h, "c2") && h.sent.size() == 1; }));
  CHECK(rejected(h, "c1")->reason == RejectReason::not_entitled);
  CHECK(rejected(h, "c2")->reason == RejectReason::not_entitled);
  CHECK(rejected(h, "c1")->text == rejected(h, "c2")->text);
  CHECK(rejected(h, "c1")->text.find("PROPDESK") == std::string::npos);
  CHECK(rejected(h, "c1")->text.find("RETAIL") == std::string::npos);
  CHECK(h.sent[0].first == "RETAIL");

  // Entitled to every session, but the routes send ACC1 to RETAIL only and ACC9 to PROPDESK.
  auto desk = [&](gateway::NewOrder o) { h.engine->post(gateway::Inbound{11, "desk", "", std::move(o)}); };
  desk(order("d1", "ACC1", "PROPDESK"));
  desk(order("d2", "ACC9", "PROPDESK"));
  REQUIRE(h.run_until([&] { return rejected(h, "d1") && h.sent.size() == 2; }));
  CHECK(rejected(h, "d1")->reason == RejectReason::not_entitled);
  CHECK(h.sent[1].first == "PROPDESK");
}

TEST_CASE("orders whose notional would overflow the account's exposure are refused, so a limit still holds") {
  TempDir dir;
  auto c = test_config();
  c.risk.defaults.max_order_qty.reset();
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  auto huge = [](const std::string& id, const char* qty, const char* price) {
    auto o = new_order(id, qty);
    o.price = *Price::parse(price);
    return o;
  };
  // Each alone fits; together they pass the largest amount a price can hold.
  h.request(huge("h1", "1000000000", "60"));
  h.request(huge("h2", "1000000000", "60"));
  h.request(huge("h3", "922337203685477", "92233720368"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() + h.events<gateway::Rejected>().size() == 3; }));
  CHECK(rejected(h, "h1") == nullptr);
  REQUIRE(rejected(h, "h2") != nullptr);
  CHECK(rejected(h, "h2")->limit == "notional_range");
  REQUIRE(rejected(h, "h3") != nullptr);
  CHECK(rejected(h, "h3")->limit == "notional_range");
  const auto exposure = h.engine->exposure("ACC1");
  CHECK(exposure.open_notional == *Price::parse("60000000000"));
  CHECK(exposure.open_orders == 1);
}

TEST_CASE("answers are kept for retries only within the idempotency window, so their memory is bounded") {
  TempDir dir;
  auto c = test_config();
  c.upstream.idempotency_window_hours = 1;
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  h.request(new_order("c1"));  // within the hour: the first answer again
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(h.engine->stats().idempotent_replays == 1);

  h.clock_ns += std::int64_t{2} * 3600 * 1'000'000'000;  // two hours later
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return rejected(h, "c1") != nullptr; }));
  // Forgotten by the answer table; the order book still knows the id, so it is refused, not re-sent.
  CHECK(h.engine->stats().idempotent_replays == 1);
  CHECK(rejected(h, "c1")->reason == RejectReason::duplicate_client_order_id);
  CHECK(sent_of_kind(h, is_new) == 1);
}
