// SPDX-License-Identifier: Apache-2.0
// Journal micro-benchmarks: append cost before sync, scan rate (CRC only and with the hash chain),
// and opening (recovering) a one-million-record journal. Targets: append < 1 us/record, scan
// >= 2 M records/s, open of 1 M records < 2 s (docs/DESIGN.md "Targets").

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/reader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace fixgate::journal;

// A FIX NewOrderSingle of typical size (~200 bytes).
const std::string order =
    "8=FIX.4.4\x01" "9=178\x01" "35=D\x01" "34=12345\x01" "49=FIXGATE\x01" "52=20260101-12:00:00.000\x01"
    "56=BROKER\x01" "1=ACC-001\x01" "11=ORD-0000000001\x01" "21=1\x01" "38=100\x01" "40=2\x01"
    "44=101.25\x01" "54=1\x01" "55=VOD.L\x01" "59=0\x01" "60=20260101-12:00:00.000\x01" "100=XLON\x01"
    "10=123\x01";

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "fixgate-journal-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// One million records written once and shared by the read benchmarks; removed at exit.
struct MillionRecords {
  static constexpr std::uint64_t count = 1'000'000;
  fs::path root = make_temp_dir();
  fs::path dir = root / "journal";
  MillionRecords() {
    Options o;
    o.dir = dir;
    o.sync = SyncPolicy::none;
    o.max_pending_bytes = 1ull << 32;
    auto j = Journal::open(std::move(o));
    if (!j) throw std::runtime_error(j.error().to_string());
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!(*j)->append(RecordKind::fix_out, "BROKER", order, static_cast<std::int64_t>(i))) {
        throw std::runtime_error("append failed");
      }
    }
    if (!(*j)->close()) throw std::runtime_error("close failed");
  }
  ~MillionRecords() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

const MillionRecords& million() {
  static const MillionRecords m;
  return m;
}

// Runs `body` against a fresh journal in a temp dir, removed afterwards.
template <class Body>
void with_journal(benchmark::State& state, SyncPolicy sync, Body body) {
  const fs::path root = make_temp_dir();
  {
    Options o;
    o.dir = root / "journal";
    o.sync = sync;
    auto j = Journal::open(std::move(o));
    if (j) {
      body(**j);
      (void)(*j)->close();
    } else {
      state.SkipWithError(j.error().to_string().c_str());
    }
  }
  std::error_code ec;
  fs::remove_all(root, ec);
}

// The producer's cost: what append() takes from the calling thread. Every 1024 records the clock
// stops while the writer drains, as it does between bursts in the engine: appending faster than the
// writer can hash and write for ever would only measure the backlog's memory growth.
void BM_JournalAppend(benchmark::State& state) {
  with_journal(state, static_cast<SyncPolicy>(state.range(0)), [&](Journal& j) {
    std::int64_t ts = 0;
    std::uint64_t last = 0;
    for (auto _ : state) {
      auto seq = j.append(RecordKind::fix_out, "BROKER", order, ++ts);
      if (!seq) {
        state.SkipWithError(seq.error().to_string().c_str());
        break;
      }
      last = *seq;
      if ((last & 1023) == 0) {
        state.PauseTiming();
        (void)j.wait_durable(last, std::chrono::seconds(60));
        state.ResumeTiming();
      }
    }
    state.SetItemsProcessed(state.iterations());
  });
}
// 1 = batch, 2 = none: append itself never waits for the policy (`every` is left out: its
// per-record fdatasync makes the untimed drains take minutes for no new information).
BENCHMARK(BM_JournalAppend)->Arg(1)->Arg(2);

// Sustained rate: bursts of 10,000 appends each waited on until durable (writer-bound: redaction,
// SHA-256 chain, CRC, write and, for batch, fdatasync).
void BM_JournalSustained(benchmark::State& state) {
  with_journal(state, static_cast<SyncPolicy>(state.range(0)), [&](Journal& j) {
    std::int64_t ts = 0;
    for (auto _ : state) {
      std::uint64_t last = 0;
      for (int i = 0; i < 10000; ++i) last = j.append(RecordKind::fix_out, "BROKER", order, ++ts).value_or(0);
      if (last == 0 || !j.wait_durable(last, std::chrono::seconds(60))) {
        state.SkipWithError("append or sync failed");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * 10000);
  });
}
BENCHMARK(BM_JournalSustained)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One record at a time, each waited on until durable: under `every` and `batch` every record is
// then its own fdatasync, so records/s here is this disk's fsyncs/s (the floor group commit lifts);
// under `none` it is the writer's round trip without a sync.
void BM_JournalDurableOneByOne(benchmark::State& state) {
  with_journal(state, static_cast<SyncPolicy>(state.range(0)), [&](Journal& j) {
    std::int64_t ts = 0;
    for (auto _ : state) {
      auto seq = j.append(RecordKind::fix_out, "BROKER", order, ++ts);
      if (!seq || !j.wait_durable(*seq, std::chrono::seconds(60))) {
        state.SkipWithError("append or sync failed");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
  });
}
// 0 = every, 1 = batch, 2 = none.
BENCHMARK(BM_JournalDurableOneByOne)->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->MinTime(1.0);

void BM_JournalScan(benchmark::State& state) {
  const auto& m = million();
  ReadOptions options;
  options.verify_chain = state.range(0) != 0;
  std::uint64_t records = 0;
  for (auto _ : state) {
    std::uint64_t bytes = 0;
    auto summary = scan(m.dir, [&](const RecordView& v) {
      bytes += v.payload.size();
      return true;
    }, options);
    if (!summary || summary->records != MillionRecords::count) {
      state.SkipWithError("scan failed");
      break;
    }
    benchmark::DoNotOptimize(bytes);
    records += summary->records;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
}
// Arg 0: CRC checks only (replay, resend); 1: hash chain recomputed too (verify).
BENCHMARK(BM_JournalScan)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_JournalOpenMillion(benchmark::State& state) {
  const auto& m = million();
  for (auto _ : state) {
    Options o;
    o.dir = m.dir;
    o.sync = SyncPolicy::batch;
    auto j = Journal::open(std::move(o));
    if (!j || (*j)->last_seq() != MillionRecords::count) {
      state.SkipWithError("open failed");
      break;
    }
    state.PauseTiming();
    (void)(*j)->close();
    j->reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_JournalOpenMillion)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
