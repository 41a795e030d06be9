// SPDX-License-Identifier: Apache-2.0
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fixgate::bench {
namespace {

// Nearest rank: the smallest value with at least q of the sample at or below it.
double rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto n = static_cast<double>(sorted.size());
  auto index = static_cast<std::size_t>(std::ceil(q * n));
  index = std::clamp<std::size_t>(index, 1, sorted.size());
  return sorted[index - 1];
}

}  // namespace

Percentiles percentiles(const std::vector<OrderTimes>& orders, Nanos OrderTimes::*from, Nanos OrderTimes::*to) {
  std::vector<double> us;
  us.reserve(orders.size());
  for (const auto& o : orders) {
    if (o.*from != 0 && o.*to != 0) us.push_back(static_cast<double>(o.*to - o.*from) / 1000.0);
  }
  std::sort(us.begin(), us.end());
  Percentiles p;
  p.count = us.size();
  p.p50 = rank(us, 0.50);
  p.p90 = rank(us, 0.90);
  p.p99 = rank(us, 0.99);
  p.p999 = rank(us, 0.999);
  p.max = us.empty() ? 0 : us.back();
  return p;
}

void summarize(const std::vector<OrderTimes>& orders, bool has_accepted, RunResult& result) {
  if (has_accepted) result.accepted = percentiles(orders, &OrderTimes::sent, &OrderTimes::accepted);
  result.acked = percentiles(orders, &OrderTimes::sent, &OrderTimes::acked);
  result.fill = percentiles(orders, &OrderTimes::sent, &OrderTimes::filled);
  Nanos first = std::numeric_limits<Nanos>::max();
  Nanos last = 0;
  for (const auto& o : orders) {
    if (o.sent != 0) first = std::min(first, o.sent);
    last = std::max(last, o.filled);
  }
  result.seconds = last > first ? static_cast<double>(last - first) / 1e9 : 0;
  result.orders_per_second = result.seconds > 0 ? static_cast<double>(result.filled) / result.seconds : 0;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

}  // namespace fixgate::bench
