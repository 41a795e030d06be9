// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of the ops pieces on the hot path (a counter increment, a histogram
// observation: target a few ns uncontended) and of the per-scrape / per-tick work (rendering a
// registry, a schedule check).

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "fixgate/ops/metrics.hpp"
#include "fixgate/ops/schedule.hpp"

namespace {

using namespace fixgate;

ops::Registry& shared_registry() {
  static ops::Registry registry;
  return registry;
}

void BM_CounterInc(benchmark::State& state) {
  auto& counter = shared_registry().counter("bench_orders_total", "x", {{"outcome", "accepted"}});
  for (auto _ : state) {
    counter.inc();
  }
  benchmark::DoNotOptimize(counter.value());
}
BENCHMARK(BM_CounterInc);
// Every thread on the same counter: the cache line bounces, the worst case.
BENCHMARK(BM_CounterInc)->Threads(2);

void BM_GaugeAdd(benchmark::State& state) {
  auto& gauge = shared_registry().gauge("bench_depth", "x");
  for (auto _ : state) {
    gauge.add(1.0);
  }
  benchmark::DoNotOptimize(gauge.value());
}
BENCHMARK(BM_GaugeAdd);

void BM_HistogramObserve(benchmark::State& state) {
  auto& hist = shared_registry().histogram("bench_latency_seconds", "x", ops::latency_buckets_seconds());
  // Latencies spread over the buckets so the search does not always stop at the same place.
  const double values[8] = {0.00003, 0.0002, 0.0007, 0.002, 0.004, 0.03, 0.2, 3.0};
  std::size_t i = 0;
  for (auto _ : state) {
    hist.observe(values[i++ & 7]);
  }
  benchmark::DoNotOptimize(hist.snapshot().count);
}
BENCHMARK(BM_HistogramObserve);
BENCHMARK(BM_HistogramObserve)->Threads(2);

void BM_RenderRegistry(benchmark::State& state) {
  // Roughly what the daemon will expose: 40 counters/gauges and 4 latency histograms.
  ops::Registry registry;
  for (int i = 0; i < 20; ++i) {
    registry.counter("fixgate_bench_total", "x", {{"session", "S" + std::to_string(i)}}).inc(12345);
    registry.gauge("fixgate_bench_gauge", "x", {{"session", "S" + std::to_string(i)}}).set(42.5);
  }
  for (int i = 0; i < 4; ++i) {
    auto& h = registry.histogram("fixgate_bench_seconds", "x", ops::latency_buckets_seconds(),
                                 {{"stage", "st" + std::to_string(i)}});
    h.observe(0.001);
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto text = registry.render();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderRegistry);

void BM_ScheduleActive(benchmark::State& state) {
  config::SessionSchedule spec;
  spec.time_zone = "America/New_York";
  spec.start_seconds = 22 * 3600;
  spec.end_seconds = 6 * 3600;
  auto schedule = ops::Schedule::create(spec);
  if (!schedule) {
    state.SkipWithError(schedule.error().c_str());
    return;
  }
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (auto _ : state) {
    t += std::chrono::seconds(1);
    benchmark::DoNotOptimize(schedule->active(t));
  }
}
BENCHMARK(BM_ScheduleActive);

}  // namespace
