// SPDX-License-Identifier: Apache-2.0
// Upstream codec cost: decoding a request line and encoding the events it leads to, the work
// the gateway's io thread does per message. Target: parse + encode under 2 µs per message.

#include <benchmark/benchmark.h>

#include <string>

#include "fixgate/gateway/codec.hpp"

namespace {

using namespace fixgate;
using namespace fixgate::gateway;

const std::string new_order_line =
    R"({"op":"new","id":"r1","client_order_id":"c1-000123","account":"ACC1","symbol":"7203","side":"buy","type":"limit","tif":"day","qty":"100","price":"2500.5"})";

Outbound sample_execution() {
  Execution e;
  e.client_order_id = "c1-000123";
  e.exec_id = "SIM-E-000000123";
  e.exec_type = ExecType::trade;
  e.status = OrdStatus::partially_filled;
  e.order_qty = *Qty::parse("100");
  e.cum_qty = *Qty::parse("40");
  e.leaves_qty = *Qty::parse("60");
  e.last_qty = *Qty::parse("40");
  e.last_px = *Price::parse("2500.5");
  e.avg_px = *Price::parse("2500.5");
  return Outbound{0, "demo", 123456, "", e};
}

void BM_DecodeNewOrder(benchmark::State& state) {
  std::string id;
  for (auto _ : state) {
    auto in = decode_request(new_order_line, id);
    benchmark::DoNotOptimize(in);
  }
}
BENCHMARK(BM_DecodeNewOrder);

void BM_EncodeAccepted(benchmark::State& state) {
  const Outbound out{0, "demo", 123456, "r1", Accepted{"c1-000123"}};
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    encode_event(out, buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
}
BENCHMARK(BM_EncodeAccepted);

void BM_EncodeExecution(benchmark::State& state) {
  const Outbound out = sample_execution();
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    encode_event(out, buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
}
BENCHMARK(BM_EncodeExecution);

// The per-order round trip the 2 µs target is about: decode the new order, encode its
// "accepted" and one execution.
void BM_CodecRoundTrip(benchmark::State& state) {
  const Outbound execution = sample_execution();
  std::string id;
  std::string buffer;
  for (auto _ : state) {
    auto in = decode_request(new_order_line, id);
    buffer.clear();
    encode_event(Outbound{0, "demo", 123455, id, Accepted{std::get<NewOrder>(in->request).client_order_id}}, buffer);
    encode_event(execution, buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
}
BENCHMARK(BM_CodecRoundTrip);

}  // namespace
