// SPDX-License-Identifier: Apache-2.0
#pragma once
// What one run measured, and the arithmetic on it: percentiles within a run, medians across
// repetitions.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fixgate::bench {

using Clock = std::chrono::steady_clock;

/// Nanoseconds on Clock since an arbitrary origin; 0 means "never happened".
using Nanos = std::int64_t;

/// Now on Clock, as Nanos.
inline Nanos now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

/// When each step of one order happened.
struct OrderTimes {
  Nanos sent = 0;      ///< the request (JSON `new` or NewOrderSingle) was handed to the socket
  Nanos accepted = 0;  ///< fixgate's `accepted` event (fixgate only)
  Nanos acked = 0;     ///< the exchange's ExecutionReport New (fixgate: `execution` status new)
  Nanos filled = 0;    ///< the fill
};

/// Latency distribution of one step, in microseconds.
struct Percentiles {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  std::size_t count = 0;
};

/// One measured run of one target.
struct RunResult {
  std::string target;  ///< "fixgate", "quickfix-file", "quickfix-memory"
  std::string phase;   ///< "latency" or "throughput"
  std::string sync;    ///< fixgate's journal sync policy; empty for the baseline
  std::size_t repetition = 0;
  std::size_t orders = 0;
  std::size_t window = 0;
  std::size_t filled = 0;
  std::size_t rejected = 0;
  double seconds = 0;  ///< first send to last fill
  double orders_per_second = 0;
  std::optional<Percentiles> accepted;  ///< send → fixgate `accepted`
  Percentiles acked;                    ///< send → exchange New
  Percentiles fill;                     ///< send → fill
  std::map<std::string, double> cpu_us_per_order;  ///< process → (utime+stime) / orders
};

/// Percentiles (nearest rank) of `to - from` over orders where both happened.
Percentiles percentiles(const std::vector<OrderTimes>& orders, Nanos OrderTimes::*from, Nanos OrderTimes::*to);

/// Fills the timing figures of `result` from per-order times.
void summarize(const std::vector<OrderTimes>& orders, bool has_accepted, RunResult& result);

/// Median of `values` (mean of the middle two for an even count); 0 for none.
double median(std::vector<double> values);

}  // namespace fixgate::bench
