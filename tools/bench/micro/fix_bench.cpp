// SPDX-License-Identifier: Apache-2.0
// FIX adapter micro-benchmarks: building a NewOrderSingle from the book's command (to_fix, then
// the wire text QuickFIX writes) and reading an ExecutionReport off the wire (QuickFIX parse with
// the data dictionary, as a session does on receipt, then from_fix). These are the per-order FIX
// costs fixgate adds on top of what a bare QuickFIX client pays anyway.

#include <benchmark/benchmark.h>

#include <string>

#include "fixgate/core/spec_dir.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "translate.hpp"

namespace {

using namespace fixgate;

const std::string spec_dir = fixgate::spec_dir().string();

order::NewOrderSingle command() {
  order::NewOrderSingle c;
  c.session = "SIM";
  c.cl_ord_id = "FG1234567";
  c.account = "BENCH";
  c.symbol = "ACME";
  c.order_qty = Qty::from_whole(100);
  c.price = Price::parse("100.25");
  c.transact_time = Timestamp{1795700000000000000};
  return c;
}

// An ExecutionReport fill as the simulator sends it.
const std::string fill_report =
    "8=FIX.4.4\x01" "9=0\x01" "35=8\x01" "34=42\x01" "49=SIM\x01" "52=20261126-12:00:00.123\x01" "56=FG_NONE\x01"
    "1=BENCH\x01" "6=100.25\x01" "11=FG1234567\x01" "14=100\x01" "17=E1795697838077317-2\x01" "31=100.25\x01"
    "32=100\x01" "37=O1795697838077317-1\x01" "38=100\x01" "39=2\x01" "40=2\x01" "44=100.25\x01" "54=1\x01"
    "55=ACME\x01" "59=0\x01" "60=20261126-12:00:00.123\x01" "150=F\x01" "151=0\x01" "10=000\x01";

// Header length and checksum filled in by QuickFIX itself, so the parse below validates them.
std::string valid_fill_report() {
  FIX::Message m(fill_report, false);
  return m.toString();
}

void BM_FixBuildNewOrderSingle(benchmark::State& state) {
  const fix::Outbound out = command();
  for (auto _ : state) {
    FIX::Message m = fix::to_fix(out, config::FixVersion::fix44);
    std::string wire = m.toString();
    benchmark::DoNotOptimize(wire);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FixBuildNewOrderSingle);

void BM_FixParseExecutionReport(benchmark::State& state) {
  const FIX::DataDictionary dictionary(spec_dir + "/FIX44.xml");
  const std::string wire = valid_fill_report();
  for (auto _ : state) {
    FIX::Message m(wire, dictionary, true);
    auto in = fix::from_fix(m, config::FixVersion::fix44);
    benchmark::DoNotOptimize(in);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FixParseExecutionReport);

// from_fix alone, on an already parsed message: our translation's share of the parse above.
void BM_FixTranslateExecutionReport(benchmark::State& state) {
  const FIX::DataDictionary dictionary(spec_dir + "/FIX44.xml");
  const FIX::Message m(valid_fill_report(), dictionary, true);
  for (auto _ : state) {
    auto in = fix::from_fix(m, config::FixVersion::fix44);
    benchmark::DoNotOptimize(in);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FixTranslateExecutionReport);

}  // namespace
