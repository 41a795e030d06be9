// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of the order book (target: < 1 µs per new order and per execution report).
// Inputs are built before timing so only the book's work is measured; books are rebuilt, with
// timing paused, when a batch of inputs is used up.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "fixgate/order/book.hpp"

namespace {

using namespace fixgate;
using namespace fixgate::order;

constexpr std::size_t kBatch = 1 << 14;
constexpr int kFillsPerOrder = 8;

NewOrderRequest request(std::size_t i) {
  NewOrderRequest r;
  r.client = "algo-1";
  r.client_order_id = "ord-" + std::to_string(i);
  r.account = "ACC-42";
  r.symbol = "ACME";
  r.qty = Qty::from_whole(kFillsPerOrder * 100);
  r.price = Price::from_whole(10);
  r.session = "BROKER1";
  return r;
}

ExecReport execution(const std::string& cl_ord_id, ExecType type, int fill, std::size_t seq) {
  ExecReport r;
  r.session = "BROKER1";
  r.cl_ord_id = cl_ord_id;
  r.order_id = "B" + cl_ord_id;
  r.exec_id = "EX" + std::to_string(seq);
  r.exec_type = type;
  r.symbol = "ACME";
  r.order_qty = Qty::from_whole(kFillsPerOrder * 100);
  r.last_qty = Qty::from_whole(fill == 0 ? 0 : 100);
  r.last_px = Price::from_whole(10);
  r.cum_qty = Qty::from_whole(fill * 100);
  r.leaves_qty = r.order_qty - r.cum_qty;
  r.avg_px = Price::from_whole(10);
  r.ord_status = fill == 0                ? OrdStatus::new_order
                 : fill == kFillsPerOrder ? OrdStatus::filled
                                          : OrdStatus::partially_filled;
  return r;
}

// Validating, recording and indexing a new order, and building its NewOrderSingle.
void BM_NewOrder(benchmark::State& state) {
  std::vector<NewOrderRequest> requests;
  for (std::size_t i = 0; i < kBatch; ++i) requests.push_back(request(i));
  OrderBook book("FG");
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      book = OrderBook("FG");
      i = 0;
      state.ResumeTiming();
    }
    auto sent = book.on_new(requests[i++]);
    benchmark::DoNotOptimize(sent);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NewOrder);

// Applying one execution report (a partial fill) to a live, acknowledged order.
void BM_ApplyFill(benchmark::State& state) {
  constexpr std::size_t kOrders = kBatch / kFillsPerOrder;
  std::vector<ExecReport> fills;
  auto fresh_book = [&] {
    OrderBook book("FG");
    std::size_t seq = 0;
    for (std::size_t i = 0; i < kOrders; ++i) {
      auto sent = book.on_new(request(i));
      (void)book.on_exec_report(execution(sent->cl_ord_id, ExecType::new_order, 0, ++seq));
    }
    return book;
  };
  for (std::size_t f = 1; f <= kFillsPerOrder; ++f) {
    for (std::size_t i = 0; i < kOrders; ++i)
      fills.push_back(execution("FG" + std::to_string(i + 1), ExecType::trade, static_cast<int>(f),
                                kBatch + f * kOrders + i));
  }
  OrderBook book = fresh_book();
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == fills.size()) {
      state.PauseTiming();
      book = fresh_book();
      i = 0;
      state.ResumeTiming();
    }
    auto out = book.on_exec_report(fills[i++]);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyFill);

// A resent execution (PossDup) recognised as a duplicate.
void BM_DuplicateExecution(benchmark::State& state) {
  OrderBook book("FG");
  auto sent = book.on_new(request(0));
  (void)book.on_exec_report(execution(sent->cl_ord_id, ExecType::new_order, 0, 1));
  ExecReport fill = execution(sent->cl_ord_id, ExecType::trade, 1, 2);
  (void)book.on_exec_report(fill);
  fill.poss_dup = true;
  for (auto _ : state) {
    auto out = book.on_exec_report(fill);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_DuplicateExecution);

}  // namespace
