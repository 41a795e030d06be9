// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "fixgate/core/decimal.hpp"

using fixgate::Price;
using fixgate::Qty;

TEST_CASE("parses decimal strings exactly") {
  CHECK(Price::parse("100")->units() == 100'00000000);
  CHECK(Price::parse("0.1")->units() == 10000000);
  CHECK(Price::parse("-12.5")->units() == -12'50000000);
  CHECK(Price::parse(".5")->units() == 50000000);
  CHECK(Price::parse("1.")->units() == 100000000);
  CHECK(Qty::parse("1.50000000")->units() == 15000);
  CHECK(Price::parse("0.00000001")->units() == 1);
}

TEST_CASE("refuses text that is not an exact decimal") {
  for (const char* bad : {"", "-", ".", "1.2.3", "abc", "1e5", "0x10", " 1", "1 ", "1,5", "0.000000001",
                          "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(Price::parse(bad).has_value());
  }
  CHECK_FALSE(Qty::parse("1.00001").has_value());
}

TEST_CASE("prints the shortest exact decimal") {
  CHECK(Price::from_units(100'00000000).to_string() == "100");
  CHECK(Price::from_units(99'50000000).to_string() == "99.5");
  CHECK(Price::from_units(1).to_string() == "0.00000001");
  CHECK(Price::from_units(-5000000).to_string() == "-0.05");
  CHECK(Qty::from_units(0).to_string() == "0");
  CHECK(fixgate::format_fixed(INT64_MIN, 0) == "-9223372036854775808");
}

TEST_CASE("round-trips every printed value") {
  for (std::int64_t u : {0LL, 1LL, -1LL, 123456789LL, 100000000LL, 9223372036854775807LL}) {
    const auto p = Price::from_units(u);
    CHECK(Price::parse(p.to_string())->units() == u);
  }
}

TEST_CASE("computes notional and average price without doubles") {
  CHECK(fixgate::notional(*Price::parse("101.25"), *Qty::parse("300"))->to_string() == "30375");
  fixgate::Int128 total = fixgate::value_of(*Price::parse("100"), *Qty::parse("1")) +
                   fixgate::value_of(*Price::parse("101"), *Qty::parse("2"));
  // (100 + 202) / 3 = 100.66666666(6) rounds half up to 8 places.
  CHECK(fixgate::average_price(total, *Qty::parse("3")).to_string() == "100.66666667");
  CHECK(fixgate::average_price(0, Qty{}).is_zero());
  CHECK_FALSE(fixgate::notional(Price::from_units(INT64_MAX), Qty::from_whole(100000)).has_value());
}
