// SPDX-License-Identifier: Apache-2.0
// Risk limits, kill switches and the journaled policy, driven through the engine as a client and
// a broker would: orders in, FIX out, reports back.

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

namespace {

config::Config config_with_admin() {
  auto c = test_config();
  c.upstream.clients.push_back({"ops", "ops-secret", {"*"}, config::ClientRole::admin});
  return c;
}

/// Logs SIM on and acknowledges each order at the broker, so they are live and cancellable.
void live_orders(Harness& h, const std::vector<std::string>& ids) {
  for (const auto& id : ids) h.request(new_order(id));
  REQUIRE(h.run_until([&] { return h.sent.size() == ids.size(); }));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& nos = std::get<order::NewOrderSingle>(h.sent[i].second);
    h.broker(report(nos.cl_ord_id, "N" + nos.cl_ord_id, ExecType::new_order, OrdStatus::new_order, "0", "100"),
             "raw-N" + nos.cl_ord_id);
  }
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == ids.size(); }));
}

std::size_t cancels_sent(const Harness& h) {
  std::size_t n = 0;
  for (const auto& [session, message] : h.sent) n += std::holds_alternative<order::OrderCancelRequest>(message) ? 1 : 0;
  return n;
}

const gateway::Rejected* rejected(const Harness& h, const std::string& id) {
  for (const auto* r : h.events<gateway::Rejected>()) {
    if (r->client_order_id == id) return r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("kill switch on an account cancels its live orders, refuses new ones and holds until released") {
  TempDir dir;
  Harness h(dir.path, {}, config_with_admin());
  h.engine->post(engine::SessionChange{"SIM", true});
  live_orders(h, {"c1", "c2"});

  h.request(gateway::KillSwitchRequest{true, "account", "ACC1", "trader asked for it"});  // not an admin
  REQUIRE(h.run_until([&] { return !h.events<gateway::Error>().empty(); }));
  CHECK(h.events<gateway::Error>()[0]->code == "not_entitled");
  CHECK(cancels_sent(h) == 0);

  h.admin_request(gateway::KillSwitchRequest{true, "account", "ACC1", "fat finger"}, "k1");
  REQUIRE(h.run_until([&] { return h.events<gateway::KillSwitchStatus>().size() == 2; }));
  CHECK(cancels_sent(h) == 2);
  for (const auto* k : h.events<gateway::KillSwitchStatus>()) {
    CHECK(k->engaged);
    CHECK(k->by == "ops");
    CHECK(k->reason == "fat finger");
    CHECK(k->cancels == 2);
  }
  CHECK(h.engine->kill_switch().engaged().size() == 1);

  h.request(new_order("c3"));
  REQUIRE(h.run_until([&] { return rejected(h, "c3") != nullptr; }));
  CHECK(rejected(h, "c3")->reason == RejectReason::kill_switch);
  CHECK(rejected(h, "c3")->limit == "kill_switch");
  CHECK_THAT(rejected(h, "c3")->text, Catch::Contains("fat finger"));

  // A second engage of the same scope is refused; the first stays on record.
  h.admin_request(gateway::KillSwitchRequest{true, "account", "ACC1", "again"}, "k2");
  REQUIRE(h.run_until([&] { return h.events<gateway::Error>().size() == 2; }));

  h.admin_request(gateway::KillSwitchRequest{false, "account", "ACC1", "all clear"}, "r1");
  REQUIRE(h.run_until([&] { return h.events<gateway::KillSwitchStatus>().size() == 4; }));
  CHECK_FALSE(h.events<gateway::KillSwitchStatus>()[3]->engaged);
  h.request(new_order("c4"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 3; }));
  CHECK(rejected(h, "c4") == nullptr);
}

TEST_CASE("kill switch waits for a pending replace to settle, then cancels the order") {
  TempDir dir;
  Harness h(dir.path, {}, config_with_admin());
  h.engine->post(engine::SessionChange{"SIM", true});
  live_orders(h, {"c1"});
  h.request(gateway::ReplaceOrder{"c1-r", "c1", Qty::from_whole(50), std::nullopt});
  REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
  const auto replace = std::get<order::OrderCancelReplaceRequest>(h.sent[1].second);

  h.admin_request(gateway::KillSwitchRequest{true, "all", "", "halt"});
  REQUIRE(h.run_until([&] { return !h.events<gateway::KillSwitchStatus>().empty(); }));
  CHECK(cancels_sent(h) == 0);  // one request at a time: the replace is still out

  auto replaced = report(replace.cl_ord_id, "R1", ExecType::replaced, OrdStatus::new_order, "0", "50");
  replaced.orig_cl_ord_id = replace.orig_cl_ord_id;
  replaced.order_qty = Qty::from_whole(50);
  h.broker(replaced, "raw-R1");
  REQUIRE(h.run_until([&] { return cancels_sent(h) == 1; }));
}

TEST_CASE("too many rejects in a minute engage the account's kill switch automatically") {
  TempDir dir;
  auto c = config_with_admin();
  c.risk.kill_switch.max_rejects_per_minute = 3;
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  for (int i = 0; i < 3; ++i) h.request(new_order("big" + std::to_string(i), "5000"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Rejected>().size() == 3; }));
  CHECK(h.events<gateway::KillSwitchStatus>().empty());  // at the limit, not past it
  h.request(new_order("big3", "5000"));
  REQUIRE(h.run_until([&] { return h.events<gateway::KillSwitchStatus>().size() == 2; }));
  const auto* kill = h.events<gateway::KillSwitchStatus>()[0];
  CHECK(kill->by == "auto");
  CHECK(kill->scope == "account");
  CHECK(kill->target == "ACC1");
  CHECK_THAT(kill->reason, Catch::Contains("4 rejects within a minute"));
  h.request(new_order("fine"));
  REQUIRE(h.run_until([&] { return rejected(h, "fine") != nullptr; }));
  CHECK(rejected(h, "fine")->reason == RejectReason::kill_switch);
}

TEST_CASE("an admin changes a limit at run time: validated, announced, and in force at once") {
  TempDir dir;
  Harness h(dir.path, {}, config_with_admin());
  h.engine->post(engine::SessionChange{"SIM", true});
  h.admin_request(gateway::SetLimit{"account", "ACC1", "max_order_qty", "50", "desk limit"}, "l1");
  REQUIRE(h.run_until([&] { return !h.events<gateway::LimitChanged>().empty(); }));
  CHECK(h.events<gateway::LimitChanged>()[0]->value == "50");
  h.request(new_order("c1", "51"));
  h.request(new_order("c2", "50"));
  REQUIRE(h.run_until([&] { return rejected(h, "c1") != nullptr && !h.events<gateway::Accepted>().empty(); }));
  CHECK(rejected(h, "c1")->limit == "max_order_qty");
  CHECK(rejected(h, "c1")->limit_value == "50");

  h.admin_request(gateway::SetLimit{"account", "ACC1", "max_order_qtty", "5", "typo"}, "l2");
  h.admin_request(gateway::SetLimit{"account", "ACC1", "max_order_qty", "-5", "negative"}, "l3");
  h.admin_request(gateway::SetLimit{"account", "ACC1", "lot_size", "100", "wrong level"}, "l4");
  REQUIRE(h.run_until([&] { return h.events<gateway::Error>().size() == 3; }));
  const auto errors = h.events<gateway::Error>();
  CHECK_THAT(errors[0]->text, Catch::Contains("unknown limit \"max_order_qtty\""));
  CHECK_THAT(errors[1]->text, Catch::Contains("max_order_qty"));
  CHECK_THAT(errors[2]->text, Catch::Contains("lot_size cannot be set for an account"));
  CHECK(h.engine->policy().risk.accounts.at("ACC1").max_order_qty == Qty::from_whole(50));
}

TEST_CASE("open orders and open notional follow fills and cancels") {
  TempDir dir;
  auto c = test_config();
  c.risk.defaults.max_open_orders = 2;
  c.risk.defaults.max_open_notional = Price::from_whole(2000);  // two orders of 100 @ 10
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  live_orders(h, {"c1", "c2"});
  CHECK(h.engine->exposure("ACC1").open_orders == 2);
  CHECK(h.engine->exposure("ACC1").open_notional == Price::from_whole(2000));
  h.request(new_order("c3"));
  REQUIRE(h.run_until([&] { return rejected(h, "c3") != nullptr; }));
  CHECK(rejected(h, "c3")->limit == "max_open_orders");

  // A partial fill frees notional but not the order slot; the full fill frees both.
  const auto& first = std::get<order::NewOrderSingle>(h.sent[0].second);
  h.broker(report(first.cl_ord_id, "F1", ExecType::trade, OrdStatus::partially_filled, "60", "40", "60"), "raw-F1");
  REQUIRE(h.run_until([&] { return h.engine->exposure("ACC1").open_notional == Price::from_whole(1400); }));
  CHECK(h.engine->exposure("ACC1").open_orders == 2);
  h.broker(report(first.cl_ord_id, "F2", ExecType::trade, OrdStatus::filled, "100", "0", "40"), "raw-F2");
  REQUIRE(h.run_until([&] { return h.engine->exposure("ACC1").open_orders == 1; }));
  CHECK(h.engine->exposure("ACC1").open_notional == Price::from_whole(1000));
  h.request(new_order("c4"));
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 3; }));
  CHECK(rejected(h, "c4") == nullptr);
}

TEST_CASE("the price band is measured from the last fill once there is one") {
  TempDir dir;
  auto c = test_config();
  c.risk.defaults.price_band_percent = Price::from_whole(10);
  c.risk.symbols["7203"].reference_price = Price::from_whole(10);  // band 9 .. 11
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  auto high = new_order("high");
  high.price = *Price::parse("11.5");
  h.request(high);
  REQUIRE(h.run_until([&] { return rejected(h, "high") != nullptr; }));
  CHECK(rejected(h, "high")->limit == "price_band");

  live_orders(h, {"c1"});
  const auto& nos = std::get<order::NewOrderSingle>(h.sent[0].second);
  auto fill = report(nos.cl_ord_id, "F1", ExecType::trade, OrdStatus::partially_filled, "10", "90", "10");
  fill.last_px = Price::from_whole(11);  // band now 9.9 .. 12.1
  fill.avg_px = fill.last_px;
  h.broker(fill, "raw-F1");
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 2; }));
  high.client_order_id = "high2";
  h.request(high);
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 2; }));
  CHECK(rejected(h, "high2") == nullptr);
}

TEST_CASE("duplicate guard and client throttle refuse with their own codes") {
  TempDir dir;
  auto c = test_config();
  c.risk.duplicate_window_ms = 1000;
  c.risk.throttle.client_orders_per_second = 2;
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("a"));
  h.request(new_order("b"));  // same account/symbol/side/qty/price
  auto other = new_order("c", "200");
  h.request(other);
  auto third = new_order("d", "300");
  h.request(third);
  REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() + h.events<gateway::Rejected>().size() == 4; }));
  REQUIRE(rejected(h, "b") != nullptr);
  CHECK(rejected(h, "b")->reason == RejectReason::duplicate_order);
  CHECK(rejected(h, "c") == nullptr);
  REQUIRE(rejected(h, "d") != nullptr);  // a and c used the two per second
  CHECK(rejected(h, "d")->reason == RejectReason::rate_limited);
  CHECK(rejected(h, "d")->limit == "client_orders_per_second");
}

TEST_CASE("a cancel for an order whose session is down is refused with no_route") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  live_orders(h, {"c1"});
  h.engine->post(engine::SessionChange{"SIM", false});
  h.request(gateway::CancelOrder{"c1-x", "c1"});
  REQUIRE(h.run_until([&] { return rejected(h, "c1-x") != nullptr; }));
  CHECK(rejected(h, "c1-x")->reason == RejectReason::no_route);
  CHECK(cancels_sent(h) == 0);
}

TEST_CASE("a replay decides with the limits journaled at the time, even after the file changed") {
  TempDir dir;
  order::OrderBook before;
  std::map<std::string, fix::Inbound> raws;
  {
    Harness h(dir.path, {}, config_with_admin());
    h.engine->recover();  // journals the file's policy
    h.engine->post(engine::SessionChange{"SIM", true});
    h.request(new_order("c1", "900"));       // under the file's 1000
    h.admin_request(gateway::SetLimit{"account", "ACC1", "max_order_qty", "950", "tighter"});
    h.request(new_order("c2", "960"));       // over the run-time 950
    REQUIRE(h.run_until([&] { return h.events<gateway::Accepted>().size() == 1 && rejected(h, "c2") != nullptr; }));
    before = h.engine->book();
    raws = h.raw_to_message;
    REQUIRE(h.journal->close().has_value());
  }
  SECTION("file unchanged: the run-time change is still in force") {
    Harness again(dir.path, {}, config_with_admin());
    again.raw_to_message = raws;
    again.engine->recover();
    CHECK(again.engine->book() == before);
    CHECK(again.engine->policy().risk.accounts.at("ACC1").max_order_qty == Qty::from_whole(950));
  }
  SECTION("file edited: the replay still accepts c1, then the file's new limits are in force") {
    auto edited = config_with_admin();
    edited.risk.defaults.max_order_qty = Qty::from_whole(500);
    Harness again(dir.path, {}, edited);
    again.raw_to_message = raws;
    again.engine->recover();
    CHECK(again.engine->book() == before);  // c1 (900) accepted as it was, c2 refused as it was
    CHECK(again.engine->policy().risk.defaults.max_order_qty == Qty::from_whole(500));
    again.engine->post(engine::SessionChange{"SIM", true});
    again.request(new_order("c3", "900"));
    REQUIRE(again.run_until([&] { return rejected(again, "c3") != nullptr; }));
    CHECK(rejected(again, "c3")->limit_value == "500");
    std::size_t policies = 0;
    auto scanned = again.journal->scan([&](const journal::RecordView& r) {
      if (r.kind == journal::RecordKind::engine_event && r.payload.starts_with("policy config ")) ++policies;
      return true;
    });
    REQUIRE(scanned.has_value());
    CHECK(policies == 2);
  }
}

TEST_CASE("a session under a kill switch is skipped by routing: new orders go to the backup") {
  TempDir dir;
  auto c = config_with_admin();
  config::Session backup;
  backup.name = "BAK";
  backup.sender_comp_id = "FG2";
  c.sessions.push_back(backup);
  c.routes = {config::Route{"*", "*", "*", {"SIM", "BAK"}}};
  c.upstream.clients[0].sessions = {"*"};  // may name a session explicitly
  Harness h(dir.path, {}, c);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.engine->post(engine::SessionChange{"BAK", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
  CHECK(h.sent[0].first == "SIM");
  h.admin_request(gateway::KillSwitchRequest{true, "session", "SIM", "line trouble"});
  REQUIRE(h.run_until([&] { return !h.events<gateway::KillSwitchStatus>().empty(); }));
  CHECK(cancels_sent(h) == 1);  // c1 is live on SIM (pending new), nothing pending on it
  h.request(new_order("c2", "200"));
  REQUIRE(h.run_until([&] { return h.sent.size() == 3; }));
  CHECK(h.sent[2].first == "BAK");
  // Asking for the killed session by name is refused with the kill switch's reason.
  auto explicit_route = new_order("c3", "300");
  explicit_route.session = "SIM";
  h.request(explicit_route);
  REQUIRE(h.run_until([&] { return rejected(h, "c3") != nullptr; }));
  CHECK(rejected(h, "c3")->reason == RejectReason::kill_switch);
}
