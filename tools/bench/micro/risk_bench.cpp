// SPDX-License-Identifier: Apache-2.0
// Micro-benchmark of the pre-trade decision for one order (target: under 200 ns for the whole
// check set): every limit check active (restricted, lot, tick table, price band, order qty and
// notional, open orders and notional), the account's exposure lookup, the kill switch, the
// duplicate guard and the client throttle; then the same plus the routing rule lookup.

#include <benchmark/benchmark.h>

#include "fixgate/risk/checks.hpp"
#include "fixgate/route/router.hpp"

namespace {

using namespace fixgate;

Price px(const char* text) { return *Price::parse(text); }

struct CheckSet {
  risk::TickTable tse{{px("3000"), px("1")},       {px("5000"), px("5")},       {px("30000"), px("10")},
                      {px("50000"), px("50")},     {px("300000"), px("100")},   {px("500000"), px("500")},
                      {px("3000000"), px("1000")}, {px("5000000"), px("5000")}, {px("30000000"), px("10000")},
                      {px("50000000"), px("50000")}, {std::nullopt, px("100000")}};
  risk::Limits limits;
  risk::ExposureBook exposure;
  risk::KillSwitch kill_switch;
  risk::DuplicateGuard duplicates{2'000'000'000};
  risk::RateWindow throttle{1'000'000, 1'000'000'000};
  risk::OrderView order{"ACC-42", "7203", Qty::from_whole(500), px("2505")};
  std::optional<Price> reference = px("2500");
  std::int64_t now = 1'800'000'000'000'000'000;

  CheckSet() {
    limits.max_order_qty = Qty::from_whole(100000);
    limits.max_order_notional = Price::from_whole(100'000'000);
    limits.price_band_percent = px("10");
    limits.max_open_orders = 1000;
    limits.max_open_notional = Price::from_whole(1'000'000'000);
    limits.lot_size = Qty::from_whole(100);
    limits.tick_table = &tse;
    // A realistic book: other accounts with live orders, other kill switches, recent orders.
    for (std::uint32_t i = 0; i < 1000; ++i) exposure.update(i, "ACC-" + std::to_string(i % 50), true, px("250000"));
    kill_switch.engage({risk::KillScope::account, "ACC-7", "ops", "test", 0});
    for (int i = 0; i < 100; ++i) duplicates.record("ACC-42", "7203", Side::buy, Qty::from_whole(100 + i), px("2500"), now);
  }

  bool run() {
    now += 1000;
    if (kill_switch.blocking(order.account, {}) != nullptr) return false;
    const Price adds = risk::open_notional(order.qty, order.price, reference);
    if (!risk::check_order(order, limits, exposure.of(order.account), reference, {1, adds})) return false;
    if (duplicates.recent(order.account, order.symbol, Side::sell, order.qty, order.price, now)) return false;
    return throttle.allows(now);
  }
};

void BM_RiskCheckSet(benchmark::State& state) {
  CheckSet set;
  for (auto _ : state) {
    bool passed = set.run();
    benchmark::DoNotOptimize(passed);
  }
}
BENCHMARK(BM_RiskCheckSet);

void BM_RiskCheckSetAndRoute(benchmark::State& state) {
  CheckSet set;
  const route::Router router({{"ACC-9", "*", "*", {"B2"}}, {"*", "7203", "*", {"B1", "B2"}}, {"*", "*", "*", {"B3"}}});
  const auto up = [](std::string_view session) { return session != "B1"; };
  for (auto _ : state) {
    bool passed = set.run();
    auto decision = router.select(set.order.account, set.order.symbol, "", up);
    benchmark::DoNotOptimize(passed);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_RiskCheckSetAndRoute);

}  // namespace
