// SPDX-License-Identifier: Apache-2.0
// Every check at, just below and just above its limit; expected values worked out by hand.

#include <catch2/catch.hpp>

#include "fixgate/risk/checks.hpp"

using namespace fixgate;

namespace {

Price px(const char* text) { return *Price::parse(text); }
Qty qty(const char* text) { return *Qty::parse(text); }

risk::OrderView order(const char* q, const char* p) { return {"ACC1", "7203", qty(q), Price::parse(p)}; }

std::expected<void, Reject> check(const risk::OrderView& o, const risk::Limits& limits,
                                  risk::Exposure exposure = {}, std::optional<Price> reference = std::nullopt) {
  const Price added = risk::open_notional(o.qty, o.price, reference);
  return risk::check_order(o, limits, exposure, reference, {1, added});
}

/// The limit named by a refusal, or "" when the order passed.
std::string refused_by(const std::expected<void, Reject>& result) {
  return result ? std::string() : result.error().limit;
}

// Modelled on the Tokyo Stock Exchange's standard table (prices in yen).
const risk::TickTable tse{{px("3000"), px("1")},       {px("5000"), px("5")},       {px("30000"), px("10")},
                          {px("50000"), px("50")},     {px("300000"), px("100")},   {px("500000"), px("500")},
                          {px("3000000"), px("1000")}, {px("5000000"), px("5000")}, {px("30000000"), px("10000")},
                          {px("50000000"), px("50000")}, {std::nullopt, px("100000")}};

}  // namespace

TEST_CASE("maximum order quantity passes at and below the limit and refuses just above it") {
  risk::Limits limits;
  limits.max_order_qty = Qty::from_whole(1000);
  CHECK(refused_by(check(order("999.9999", "1"), limits)).empty());
  CHECK(refused_by(check(order("1000", "1"), limits)).empty());
  auto above = check(order("1000.0001", "1"), limits);
  REQUIRE_FALSE(above.has_value());
  CHECK(above.error().reason == RejectReason::risk_limit);
  CHECK(above.error().limit == "max_order_qty");
  CHECK(above.error().limit_value == "1000");
  CHECK(above.error().text == "max_order_qty: qty 1000.0001 exceeds limit 1000");
}

TEST_CASE("maximum notional passes at and below the limit and refuses just above it") {
  risk::Limits limits;
  limits.max_order_notional = px("250000");
  CHECK(refused_by(check(order("100", "2499.99999999"), limits)).empty());
  CHECK(refused_by(check(order("100", "2500"), limits)).empty());
  auto above = check(order("100", "2500.00000001"), limits);
  REQUIRE_FALSE(above.has_value());
  CHECK(above.error().limit == "max_order_notional");
  CHECK_THAT(above.error().text, Catch::StartsWith("max_order_notional: notional 250000.000001"));
}

TEST_CASE("a market order's notional is measured at the reference price, and skipped without one") {
  risk::Limits limits;
  limits.max_order_notional = px("1000");
  const risk::OrderView market{"ACC1", "7203", qty("10"), std::nullopt};
  CHECK(refused_by(check(market, limits)).empty());
  CHECK(refused_by(check(market, limits, {}, px("100"))).empty());
  CHECK(refused_by(check(market, limits, {}, px("100.00000001"))) == "max_order_notional");
}

TEST_CASE("a notional too large to compute is refused, never wrapped") {
  risk::Limits limits;
  limits.max_order_notional = Price::from_whole(1);
  auto huge = check({"ACC1", "X", Qty::from_whole(100'000'000'000'000), Price::from_whole(90'000'000)}, limits);
  REQUIRE_FALSE(huge.has_value());
  CHECK_THAT(huge.error().text, Catch::Contains("overflow"));
}

TEST_CASE("no limits configured means no refusal") {
  CHECK(refused_by(check(order("1000000", "90000"), risk::Limits{})).empty());
}

TEST_CASE("price band: a limit price within the band of the reference passes, one tick outside is refused") {
  risk::Limits limits;
  limits.price_band_percent = px("10");
  const Price reference = px("2500");  // band 2250 .. 2750
  CHECK(refused_by(check(order("100", "2750"), limits, {}, reference)).empty());
  CHECK(refused_by(check(order("100", "2749.99999999"), limits, {}, reference)).empty());
  CHECK(refused_by(check(order("100", "2750.00000001"), limits, {}, reference)) == "price_band");
  CHECK(refused_by(check(order("100", "2250"), limits, {}, reference)).empty());
  CHECK(refused_by(check(order("100", "2250.00000001"), limits, {}, reference)).empty());
  auto below = check(order("100", "2249.99999999"), limits, {}, reference);
  REQUIRE_FALSE(below.has_value());
  CHECK(below.error().limit == "price_band");
  CHECK(below.error().limit_value == "10%");
  CHECK(below.error().text == "price_band: price 2249.99999999 is outside 10% of the reference price 2500");
}

TEST_CASE("price band with a fractional percentage is exact") {
  risk::Limits limits;
  limits.price_band_percent = px("0.5");
  // 0.5% of 101 = 0.505: band 100.495 .. 101.505
  CHECK(refused_by(check(order("1", "101.505"), limits, {}, px("101"))).empty());
  CHECK(refused_by(check(order("1", "101.50500001"), limits, {}, px("101"))) == "price_band");
  CHECK(refused_by(check(order("1", "100.495"), limits, {}, px("101"))).empty());
  CHECK(refused_by(check(order("1", "100.49499999"), limits, {}, px("101"))) == "price_band");
}

TEST_CASE("price band is not applied without a reference price or to market orders") {
  risk::Limits limits;
  limits.price_band_percent = px("1");
  CHECK(refused_by(check(order("100", "999999"), limits)).empty());
  CHECK(refused_by(check({"ACC1", "7203", qty("100"), std::nullopt}, limits, {}, px("10"))).empty());
}

TEST_CASE("tick table: the step boundaries are inclusive and the last step covers every higher price") {
  CHECK(risk::tick_at(tse, px("1")) == px("1"));
  CHECK(risk::tick_at(tse, px("3000")) == px("1"));
  CHECK(risk::tick_at(tse, px("3000.5")) == px("5"));
  CHECK(risk::tick_at(tse, px("5000")) == px("5"));
  CHECK(risk::tick_at(tse, px("5001")) == px("10"));
  CHECK(risk::tick_at(tse, px("50000000")) == px("50000"));
  CHECK(risk::tick_at(tse, px("50000001")) == px("100000"));
}

TEST_CASE("tick size: prices on the tick pass, prices between ticks are refused at each step") {
  risk::Limits limits;
  limits.tick_table = &tse;
  CHECK(refused_by(check(order("100", "2999"), limits)).empty());
  CHECK(refused_by(check(order("100", "2999.5"), limits)) == "tick_size");
  CHECK(refused_by(check(order("100", "3000"), limits)).empty());
  CHECK(refused_by(check(order("100", "3005"), limits)).empty());
  CHECK(refused_by(check(order("100", "3001"), limits)) == "tick_size");
  CHECK(refused_by(check(order("100", "5010"), limits)).empty());
  CHECK(refused_by(check(order("100", "5005"), limits)) == "tick_size");
  auto off = check(order("100", "31020"), limits);
  REQUIRE_FALSE(off.has_value());
  CHECK(off.error().limit == "tick_size");
  CHECK(off.error().limit_value == "50");
  CHECK(off.error().text == "tick_size: price 31020 is not a multiple of the tick 50 that applies at that price");
  CHECK(refused_by(check({"ACC1", "7203", qty("100"), std::nullopt}, limits)).empty());  // market: no price
}

TEST_CASE("lot size: multiples of the lot pass, anything else is refused") {
  risk::Limits limits;
  limits.lot_size = Qty::from_whole(100);
  CHECK(refused_by(check(order("100", "1"), limits)).empty());
  CHECK(refused_by(check(order("1200", "1"), limits)).empty());
  CHECK(refused_by(check(order("99", "1"), limits)) == "lot_size");
  CHECK(refused_by(check(order("101", "1"), limits)) == "lot_size");
  CHECK(refused_by(check(order("100.0001", "1"), limits)) == "lot_size");
}

TEST_CASE("restricted symbols are refused whatever else the order says") {
  risk::Limits limits;
  limits.restricted = true;
  auto r = check(order("1", "1"), limits);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().limit == "restricted_symbol");
  CHECK(r.error().text == "restricted_symbol: symbol 7203 is restricted");
}

TEST_CASE("maximum open orders counts the account's live orders plus this one") {
  risk::Limits limits;
  limits.max_open_orders = 3;
  CHECK(refused_by(check(order("1", "1"), limits, {1, {}})).empty());
  CHECK(refused_by(check(order("1", "1"), limits, {2, {}})).empty());  // becomes the 3rd
  auto r = check(order("1", "1"), limits, {3, {}});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().limit == "max_open_orders");
  CHECK(r.error().text == "max_open_orders: account ACC1 already has 3 open orders, limit 3");
  // A replace adds no order.
  CHECK(risk::check_order(order("1", "1"), limits, {3, {}}, std::nullopt, {0, {}}).has_value());
}

TEST_CASE("maximum open notional counts live exposure plus this order") {
  risk::Limits limits;
  limits.max_open_notional = px("10000");
  const risk::Exposure exposure{2, px("9000")};
  CHECK(refused_by(check(order("10", "99.99999999"), limits, exposure)).empty());
  CHECK(refused_by(check(order("10", "100"), limits, exposure)).empty());                  // exactly 10000
  CHECK(refused_by(check(order("10", "100.00000001"), limits, exposure)) == "max_open_notional");
  // A replace that lowers the order passes even when the account is over.
  CHECK(risk::check_order(order("10", "100"), limits, {2, px("20000")}, std::nullopt, {0, px("-500")}).has_value());
}

TEST_CASE("checks run in a fixed order: the first failing one is named") {
  risk::Limits limits;
  limits.restricted = true;
  limits.lot_size = Qty::from_whole(100);
  limits.max_order_qty = Qty::from_whole(1);
  CHECK(refused_by(check(order("7", "1"), limits)) == "restricted_symbol");
  limits.restricted = false;
  CHECK(refused_by(check(order("7", "1"), limits)) == "lot_size");
  CHECK(refused_by(check(order("700", "1"), limits)) == "max_order_qty");
}

TEST_CASE("exposure book: fills, cancels and replaces move an account's exposure exactly") {
  risk::ExposureBook book;
  book.update(0, "A", true, px("1000"));
  book.update(1, "A", true, px("500"));
  book.update(2, "B", true, px("7"));
  CHECK(book.of("A").open_orders == 2);
  CHECK(book.of("A").open_notional == px("1500"));
  book.update(0, "A", true, px("400"));  // partly filled
  CHECK(book.of("A").open_notional == px("900"));
  book.update(0, "A", false, {});        // filled
  CHECK(book.of("A").open_orders == 1);
  CHECK(book.of("A").open_notional == px("500"));
  book.update(0, "A", false, {});        // a second terminal report changes nothing
  CHECK(book.of("A").open_orders == 1);
  CHECK(book.of("B").open_notional == px("7"));
  CHECK(book.of("nobody").open_orders == 0);
}

TEST_CASE("rate window: N events in any window pass, the N+1th inside it is refused, room returns as they age") {
  risk::RateWindow w(3, 1'000'000'000);
  for (std::int64_t t : {0, 100, 200}) {
    REQUIRE(w.allows(t));
    w.record(t);
  }
  CHECK_FALSE(w.allows(999'999'999));
  CHECK(w.allows(1'000'000'000));  // the event at 0 is a full window old
  CHECK(w.count(1'000'000'000) == 2);
  risk::RateWindow off;
  for (int i = 0; i < 100; ++i) off.record(i);
  CHECK(off.allows(100));
}

TEST_CASE("duplicate guard: the same order inside the window is found, outside it or different is not") {
  risk::DuplicateGuard guard(2'000'000'000);
  guard.record("A", "7203", Side::buy, qty("100"), px("2500"), 1'000);
  CHECK(guard.recent("A", "7203", Side::buy, qty("100"), px("2500"), 2'000'000'999) == 1'000);
  CHECK_FALSE(guard.recent("A", "7203", Side::buy, qty("100"), px("2500"), 2'000'001'000));
  guard.record("A", "7203", Side::buy, qty("100"), px("2500"), 3'000'000'000);
  CHECK_FALSE(guard.recent("A", "7203", Side::sell, qty("100"), px("2500"), 3'000'000'001));
  CHECK_FALSE(guard.recent("A", "7203", Side::buy, qty("101"), px("2500"), 3'000'000'001));
  CHECK_FALSE(guard.recent("A", "7203", Side::buy, qty("100"), px("2501"), 3'000'000'001));
  CHECK_FALSE(guard.recent("B", "7203", Side::buy, qty("100"), px("2500"), 3'000'000'001));
  CHECK_FALSE(guard.recent("A", "7203", Side::buy, qty("100"), std::nullopt, 3'000'000'001));
  risk::DuplicateGuard off;
  off.record("A", "7203", Side::buy, qty("100"), px("2500"), 0);
  CHECK_FALSE(off.recent("A", "7203", Side::buy, qty("100"), px("2500"), 1));
}

TEST_CASE("kill switch: scopes block what they cover until released") {
  risk::KillSwitch ks;
  CHECK(ks.blocking("A", "S1") == nullptr);
  REQUIRE(ks.engage({risk::KillScope::account, "A", "ops", "fat finger", 5}));
  CHECK_FALSE(ks.engage({risk::KillScope::account, "A", "ops2", "again", 6}));
  REQUIRE(ks.blocking("A", "S1") != nullptr);
  CHECK(ks.blocking("A", "S1")->by == "ops");
  CHECK(ks.blocking("B", "S1") == nullptr);
  REQUIRE(ks.engage({risk::KillScope::session, "S1", "ops", "line trouble", 7}));
  CHECK(ks.blocking("B", "S1") != nullptr);
  CHECK(ks.blocking("B", "S2") == nullptr);
  CHECK(ks.blocking("B", "") == nullptr);
  REQUIRE(ks.engage({risk::KillScope::all, "", "auto", "everything", 8}));
  CHECK(ks.blocking("C", "S9")->scope == risk::KillScope::all);
  CHECK(ks.release(risk::KillScope::all, ""));
  CHECK_FALSE(ks.release(risk::KillScope::all, ""));
  CHECK(ks.blocking("C", "S9") == nullptr);
  CHECK(ks.release(risk::KillScope::account, "A"));
  CHECK(ks.blocking("A", "S2") == nullptr);
  CHECK(ks.engaged().size() == 1);
}
