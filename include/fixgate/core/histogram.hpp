// SPDX-License-Identifier: Apache-2.0
#pragma once
// A lock-free histogram of observations in fixed buckets, with their sum and count.
//
// It lives in core, not ops, so every component can time its own hot path (the journal its
// appends and syncs, the engine its orders) without depending on ops; the ops registry renders
// these same objects (ops::Registry::histogram, histogram_view). observe() is a bucket search
// and two relaxed atomic adds: no lock, no allocation.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace fixgate {

/// Observations counted into fixed buckets (upper bounds, inclusive), with their sum and count.
class Histogram {
 public:
  /// `bounds` strictly increasing and finite (a trailing +Inf is dropped: it is always there).
  /// Throws std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> bounds);

  /// Counts `v` into the first bucket whose bound is >= v (+Inf when none). NaN is ignored.
  void observe(double v) noexcept;
  /// Counts a duration, in seconds.
  void observe(std::chrono::nanoseconds elapsed) noexcept {
    observe(std::chrono::duration<double>(elapsed).count());
  }

  struct Snapshot {
    std::vector<double> bounds;           ///< without +Inf
    std::vector<std::uint64_t> cumulative;///< bounds.size() + 1 entries; the last is +Inf == count
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  /// Cumulative counts; count always equals the +Inf bucket. Under concurrent observe() the sum
  /// may lag or lead the counts by the observations in flight.
  Snapshot snapshot() const;

  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< per bucket, not cumulative; +1 for +Inf
  std::atomic<double> sum_{0.0};
};

/// `count` bounds start, start*factor, ... (start > 0, factor > 1, count >= 1).
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);

/// Latency buckets in seconds, 50 µs to 10 s: 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
/// 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10.
std::vector<double> latency_buckets_seconds();

/// Buckets in seconds for one storage operation (a write to the page cache, an fdatasync, a
/// database round trip), 1 µs to 1 s: 0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005,
/// 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1 (the
/// steps above 25 ms are there for slow database commits).
std::vector<double> io_latency_buckets_seconds();

}  // namespace fixgate
