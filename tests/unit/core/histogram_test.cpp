// SPDX-License-Identifier: Apache-2.0
// The lock-free histogram every component observes into (rendering is tested with the registry,
// tests/unit/ops/metrics_test.cpp).

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "fixgate/core/histogram.hpp"

using fixgate::Histogram;

TEST_CASE("a duration is observed in seconds") {
  Histogram h({0.000001, 0.001, 1});
  h.observe(std::chrono::nanoseconds(1000));   // exactly 1 µs: le 0.000001 (inclusive)
  h.observe(std::chrono::microseconds(1001));  // just over 1 ms: le 1
  h.observe(std::chrono::seconds(2));          // +Inf
  const auto snap = h.snapshot();
  CHECK(snap.cumulative == std::vector<std::uint64_t>{1, 1, 2, 3});
  CHECK(snap.sum == Approx(2.001001));
}

TEST_CASE("storage operation buckets run from 1 µs to 1 s") {
  const auto bounds = fixgate::io_latency_buckets_seconds();
  REQUIRE(bounds.size() == 19);
  CHECK(bounds.front() == 0.000001);
  CHECK(bounds.back() == 1);
  Histogram h(bounds);  // strictly increasing, or this throws
  h.observe(std::chrono::microseconds(3));
  CHECK(h.snapshot().cumulative[1] == 0);  // le 0.0000025
  CHECK(h.snapshot().cumulative[2] == 1);  // le 0.000005
}
