// Micro-benchmark of the pre-trade decision for one order: every risk check that applies, then
// the routing rule lookup (target: under 200 ns for the whole check set).

#include <benchmark/benchmark.h>

#include "fixgate/risk/checks.hpp"
#include "fixgate/route/router.hpp"

namespace {

using namespace fixgate;

void BM_RiskCheckSet(benchmark::State& state) {
  const risk::Limits limits{Qty::from_whole(100000), Price::from_whole(100'000'000)};
  const risk::OrderView order{"ACC-42", "ACME", Qty::from_whole(500), Price::parse("2500.5")};
  for (auto _ : state) {
    auto verdict = risk::check_order(order, limits);
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_RiskCheckSet);

void BM_RiskCheckSetAndRoute(benchmark::State& state) {
  const risk::Limits limits{Qty::from_whole(100000), Price::from_whole(100'000'000)};
  const risk::OrderView order{"ACC-42", "ACME", Qty::from_whole(500), Price::parse("2500.5")};
  const route::Router router({{"ACC-9", "*", "*", {"B2"}}, {"*", "ACME", "*", {"B1", "B2"}}, {"*", "*", "*", {"B3"}}});
  const auto up = [](std::string_view session) { return session != "B1"; };
  for (auto _ : state) {
    auto verdict = risk::check_order(order, limits);
    auto decision = router.select(order.account, order.symbol, "", up);
    benchmark::DoNotOptimize(verdict);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_RiskCheckSetAndRoute);

}  // namespace
