// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace order_test;

TEST_CASE("a new order is acknowledged, partly filled, then filled") {
  OrderBook book("FG");
  auto nos = book.on_new(new_order("c1"));
  REQUIRE(nos.has_value());
  CHECK(nos->cl_ord_id == "FG1");
  CHECK(nos->session == "BROKER1");
  const Order* o = book.find("alpha", "c1");
  REQUIRE(o != nullptr);
  CHECK(o->status == OrdStatus::pending_new);

  auto ack =
      book.on_exec_report(report(*o, "E1", ExecType::new_order, OrdStatus::new_order, qty(0), qty(100)));
  CHECK(ack.applied());
  CHECK_FALSE(ack.raised.has_value());
  CHECK(o->status == OrdStatus::new_order);
  CHECK(o->order_id == "B-FG1");

  auto part = book.on_exec_report(
      report(*o, "E2", ExecType::trade, OrdStatus::partially_filled, qty(40), qty(60), qty(40), px(10)));
  CHECK(part.applied());
  CHECK_FALSE(part.raised.has_value());
  REQUIRE(part.fill);
  CHECK(part.fill->last_qty == qty(40));
  CHECK(part.client_order_id == "c1");
  CHECK(o->cum_qty == qty(40));

  auto fill = book.on_exec_report(
      report(*o, "E3", ExecType::trade, OrdStatus::filled, qty(100), qty(0), qty(60), px(10)));
  CHECK_FALSE(fill.raised.has_value());
  CHECK(o->status == OrdStatus::filled);
  CHECK_FALSE(o->is_live());
  CHECK(book.live_orders().empty());
}

TEST_CASE("a cancel is sent with a new ClOrdID and ends the order when the broker confirms") {
  OrderBook book("FG");
  REQUIRE(book.on_new(new_order("c1")));
  const Order* o = book.find("alpha", "c1");
  book.on_exec_report(report(*o, "E1", ExecType::new_order, OrdStatus::new_order, qty(0), qty(100)));
  auto cxl = book.on_cancel(cancel("c2", "c1"));
  REQUIRE(cxl.has_value());
  CHECK(cxl->cl_ord_id == "FG2");
  CHECK(cxl->orig_cl_ord_id == "FG1");
  CHECK(cxl->order_id == "B-FG1");
  auto r = report(*o, "E2", ExecType::canceled, OrdStatus::canceled, qty(0), qty(0));
  r.cl_ord_id = "FG2";
  r.orig_cl_ord_id = "FG1";
  auto out = book.on_exec_report(r);
  CHECK(out.applied());
  CHECK_FALSE(out.raised.has_value());
  CHECK(out.client_order_id == "c2");
  REQUIRE(out.resolved);
  CHECK(out.resolved->accepted);
  CHECK(o->status == OrdStatus::canceled);
  CHECK(book.find("alpha", "c2") == o);
}

namespace {

// An acknowledged order "c1" (ClOrdID FG1) in a fresh book.
OrderBook acked_book() {
  OrderBook book("FG");
  REQUIRE(book.on_new(new_order("c1")));
  const Order* o = book.find("alpha", "c1");
  book.on_exec_report(report(*o, "E1", ExecType::new_order, OrdStatus::new_order, qty(0), qty(100)));
  return book;
}

// What one order costs in memory: the struct, its vectors' buffers, heap-held strings and its
// index entries (an unordered_map node holds a string key, the value, the next pointer and the hash).
std::size_t footprint(const Order& o) {
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  std::size_t bytes =
      sizeof(Order) + o.chain.capacity() * sizeof(ChainLink) + o.execs.capacity() * sizeof(ExecRecord);
  for (const auto* s : {&o.client, &o.account, &o.symbol, &o.session, &o.order_id}) bytes += heap(*s);
  std::size_t index_entries = o.chain.size() + (o.order_id.empty() ? 0 : 1);  // + 4 B per ClOrdID
  for (const auto& link : o.chain) bytes += heap(link.cl_ord_id) + heap(link.client_order_id);
  bytes += heap(o.exec_ids);
  return bytes + index_entries * (sizeof(std::string) + 3 * sizeof(void*) + sizeof(void*)) +
         4 * o.chain.size();
}

}  // namespace

TEST_CASE("rejects a cancel while a replace is pending, naming the pending one") {
  auto book = acked_book();
  REQUIRE(book.on_replace(replace("r1", "c1", 150)));
  auto refused = book.on_cancel(cancel("x1", "c1"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().reason == RejectReason::pending_request);
  CHECK_THAT(refused.error().text,
             Catch::Contains("replace") && Catch::Contains("r1") && Catch::Contains("FG2"));
  CHECK(book.counters().requests_rejected == 1);
}

TEST_CASE("finds an order by any id in its upstream and FIX chains") {
  auto book = acked_book();
  REQUIRE(book.on_replace(replace("r1", "c1", 150)));
  const Order* o = book.find("alpha", "c1");
  CHECK(book.find("alpha", "r1") == o);
  CHECK(book.find("beta", "c1") == nullptr);
  CHECK(book.find_by_cl_ord_id("FG1") == o);
  CHECK(book.find_by_cl_ord_id("FG2") == o);
  CHECK(book.find_by_order_id("B-FG1") == o);
  REQUIRE(o->pending_link() != nullptr);
  CHECK(o->pending_link()->client_order_id == "r1");
  CHECK(o->cl_ord_id() == "FG1");  // not replaced until the broker says so
}

TEST_CASE("a cancel reject returns the order to its prior state and names the refused request") {
  auto book = acked_book();
  REQUIRE(book.on_cancel(cancel("x1", "c1")));
  const Order* o = book.find("alpha", "c1");
  auto pending = report(*o, "E2", ExecType::pending_cancel, OrdStatus::pending_cancel, qty(0), qty(100));
  pending.cl_ord_id = "FG2";
  book.on_exec_report(pending);
  CHECK(o->status == OrdStatus::pending_cancel);
  CancelReject reject{"BROKER1", "FG2",      "FG1", "B-FG1", OrdStatus::new_order, CxlRejResponseTo::cancel,
                      0,         "too late", {}};
  auto out = book.on_cancel_reject(reject);
  CHECK(out.applied());
  CHECK(out.client_order_id == "x1");
  REQUIRE(out.resolved);
  CHECK_FALSE(out.resolved->accepted);
  CHECK(o->status == OrdStatus::new_order);
  CHECK_FALSE(o->pending.has_value());
  auto again = book.on_cancel(cancel("x2", "c1"));
  REQUIRE(again);
  CHECK(again->orig_cl_ord_id == "FG1");  // the last accepted ClOrdID, never the rejected one
}

TEST_CASE("a trade bust lowers CumQty and reopens a filled order") {
  auto book = acked_book();
  const Order* o = book.find("alpha", "c1");
  book.on_exec_report(
      report(*o, "F1", ExecType::trade, OrdStatus::filled, qty(100), qty(0), qty(100), px(10)));
  CHECK_FALSE(o->is_live());
  auto bust = report(*o, "F2", ExecType::trade_cancel, OrdStatus::new_order, qty(0), qty(100));
  bust.exec_ref_id = "F1";
  auto out = book.on_exec_report(bust);
  CHECK_FALSE(out.raised.has_value());
  CHECK(o->status == OrdStatus::new_order);
  CHECK(o->cum_qty == qty(0));
  CHECK(o->fills_qty == qty(0));
  CHECK(o->is_live());
}

TEST_CASE("lists live orders, optionally of one account") {
  OrderBook book("FG");
  REQUIRE(book.on_new(new_order("a")));
  auto other = new_order("b");
  other.account = "ACC2";
  REQUIRE(book.on_new(other));
  REQUIRE(book.on_new(new_order("c")));
  const Order* c = book.find("alpha", "c");
  book.on_exec_report(report(*c, "R1", ExecType::rejected, OrdStatus::rejected, qty(0), qty(0)));
  CHECK(book.live_orders().size() == 2);
  auto acc2 = book.live_orders("ACC2");
  REQUIRE(acc2.size() == 1);
  CHECK(acc2.front()->client_order_id() == "b");
}

TEST_CASE("evicting finished orders keeps live ones findable and ids unique") {
  OrderBook book("FG");
  REQUIRE(book.on_new(new_order("a")));
  REQUIRE(book.on_new(new_order("b")));
  const Order* a = book.find("alpha", "a");
  book.on_exec_report(report(*a, "R1", ExecType::rejected, OrdStatus::rejected, qty(0), qty(0)));
  CHECK(book.evict_done() == 1);
  CHECK(book.find("alpha", "a") == nullptr);
  REQUIRE(book.find("alpha", "b") != nullptr);
  CHECK(book.find_by_cl_ord_id("FG2") == book.find("alpha", "b"));
  auto next = book.on_new(new_order("c"));
  REQUIRE(next);
  CHECK(next->cl_ord_id == "FG3");
}

TEST_CASE("ClOrdIDs come from the prefix and a counter that rebuilding regenerates") {
  std::vector<Input> inputs{new_order("a"), new_order("b"), new_order("a"), cancel("x", "b")};
  OrderBook book("GW7-");
  for (const auto& in : inputs) book.apply(in);
  CHECK(book.find_by_cl_ord_id("GW7-1") == book.find("alpha", "a"));
  CHECK(book.find_by_cl_ord_id("GW7-3") == book.find("alpha", "b"));
  CHECK(book.next_cl_ord_seq() == 4);
  CHECK(rebuild("GW7-", inputs) == book);
  CHECK_FALSE(rebuild("GW8-", inputs) == book);
}

TEST_CASE("a typical live order stays under 1 KiB") {
  auto book = acked_book();
  const Order* o = book.find("alpha", "c1");
  for (int i = 1; i <= 3; ++i)
    book.on_exec_report(report(*o, "EXEC-2026-11-26-" + std::to_string(i), ExecType::trade,
                               OrdStatus::partially_filled, qty(10 * i), qty(100 - 10 * i), qty(10), px(10)));
  REQUIRE(book.on_replace(replace("r1", "c1", 200)));
  INFO("footprint " << footprint(*o) << " bytes, sizeof(Order) " << sizeof(Order));
  CHECK(footprint(*o) < 1024);
}

TEST_CASE("eviction is an input, so a rebuilt book evicts at the same point") {
  OrderBook book("FG");
  std::vector<Input> inputs;
  auto take = [&](Input in) {
    inputs.push_back(in);
    book.apply(in);
  };
  take(new_order("a"));
  take(new_order("b"));
  ExecReport rejected =
      report(*book.find("alpha", "a"), "R1", ExecType::rejected, OrdStatus::rejected, qty(0), qty(0));
  take(rejected);
  take(EvictDone{});
  take(new_order("c"));
  CHECK(book.orders().size() == 2);
  CHECK(rebuild("FG", inputs) == book);
  auto late = book.on_exec_report(rejected);  // a late report for an evicted order
  CHECK(late.disposition == Disposition::unknown_order);
}

// A replace restates the whole order, so an ExecInst it left out would be cleared at the broker.
TEST_CASE("a replace and a resent request carry the order's ExecInst") {
  OrderBook book("FG");
  auto r = new_order("c1");
  r.exec_inst = "6 G";
  auto nos = book.on_new(r);
  REQUIRE(nos);
  CHECK(nos->exec_inst == "6 G");
  auto resent_new = book.resend(nos->cl_ord_id, {});
  REQUIRE(resent_new);
  CHECK(std::get<NewOrderSingle>(*resent_new).exec_inst == "6 G");

  const Order* o = book.find("alpha", "c1");
  REQUIRE(o != nullptr);
  book.on_exec_report(report(*o, "E1", ExecType::new_order, OrdStatus::new_order, qty(0), qty(100)));
  auto replace_request = book.on_replace(replace("r1", "c1", 150));
  REQUIRE(replace_request);
  CHECK(replace_request->exec_inst == "6 G");
  auto resent_replace = book.resend(replace_request->cl_ord_id, {});
  REQUIRE(resent_replace);
  CHECK(std::get<OrderCancelReplaceRequest>(*resent_replace).exec_inst == "6 G");
}

TEST_CASE("ExecInst values are a set of single characters separated by single spaces") {
  CHECK(ExecInstSet::parse("")->empty());
  CHECK(ExecInstSet::parse("6 G")->to_string() == "6 G");
  CHECK(ExecInstSet::parse("G 6 G") == ExecInstSet::parse("6 G"));
  CHECK(ExecInstSet::parse("z 0 A")->to_string() == "0 A z");
  for (const char* bad : {"6  G", "6 ", " 6", "66", "6,G", "-", "6 G "}) {
    INFO(bad);
    CHECK_FALSE(ExecInstSet::parse(bad).has_value());
  }
  OrderBook book("FG");
  auto r = new_order("c1");
  r.exec_inst = "6,G";
  auto refused = book.on_new(r);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().text.find("exec_inst") != std::string::npos);
}
