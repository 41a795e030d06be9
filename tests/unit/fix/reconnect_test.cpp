// SPDX-License-Identifier: Apache-2.0
// The reconnect backoff: doubling from the minimum to the maximum, jittered within the upper half.

#include <catch2/catch.hpp>

#include "transport.hpp"

using fixgate::fix::reconnect_delay;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("the wait doubles per failed attempt up to the maximum") {
  // uniform 1.0 (just below, in practice) is the top of the jittered range: the undrawn delay.
  CHECK(reconnect_delay(0, seconds(1), seconds(30), 0.999999) == milliseconds(1000));  // the first wait is the minimum
  CHECK(reconnect_delay(1, seconds(1), seconds(30), 0.999999) == milliseconds(1999));
  CHECK(reconnect_delay(4, seconds(1), seconds(30), 0.999999) == milliseconds(15999));
  CHECK(reconnect_delay(5, seconds(1), seconds(30), 0.999999) == milliseconds(29999));
  CHECK(reconnect_delay(60, seconds(1), seconds(30), 0.999999) == milliseconds(29999));
}

TEST_CASE("jitter draws from the upper half and never goes below the minimum") {
  CHECK(reconnect_delay(3, seconds(1), seconds(30), 0.0) == milliseconds(4000));
  CHECK(reconnect_delay(3, seconds(1), seconds(30), 0.5) == milliseconds(6000));
  CHECK(reconnect_delay(0, seconds(2), seconds(30), 0.0) == milliseconds(2000));
}

TEST_CASE("with the maximum equal to the minimum the wait is fixed") {
  for (unsigned failures : {0u, 1u, 7u}) {
    for (double u : {0.0, 0.5, 0.99}) CHECK(reconnect_delay(failures, seconds(5), seconds(5), u) == milliseconds(5000));
  }
}
