// SPDX-License-Identifier: Apache-2.0
// WidePrice: the broker-reported price type (18 decimals in 128 bits), its conversion to the
// 8-decimal Price, and the tolerance for a broker's own rounding of an average price.

#include <catch2/catch.hpp>

#include "fixgate/core/wide_price.hpp"

using fixgate::Int128;
using fixgate::Price;
using fixgate::Qty;
using fixgate::WidePrice;

namespace {

WidePrice wide(const char* text) {
  auto p = WidePrice::parse(text);
  INFO(text);
  REQUIRE(p);
  return *p;
}

constexpr Int128 e18 = WidePrice::scale;

}  // namespace

TEST_CASE("reads the long decimals real brokers print, exactly") {
  CHECK(wide("9.96666666666667").units() == 9 * e18 + 966666666666670000LL);
  CHECK(wide("9.959999999999999").units() == 9 * e18 + 959999999999999000LL);
  CHECK(wide("9.96666666666667").to_string() == "9.96666666666667");
  CHECK(wide("9.959999999999999").to_string() == "9.959999999999999");
  CHECK(wide("0.000000000000000001").units() == 1);
  CHECK(wide("-12.5").units() == -125 * e18 / 10);
  CHECK(wide("+3").units() == 3 * e18);
  CHECK(wide(".5").to_string() == "0.5");
  CHECK(wide("7.").to_string() == "7");
  CHECK(wide("100.2500").to_string() == "100.25");
  CHECK(wide("-0").units() == 0);
}

TEST_CASE("refuses what is not a plain decimal, and magnitudes of 10^20 or more") {
  for (const char* bad : {"", "-", ".", "+", "1e3", "1E3", "1.5e-2", "0x10", " 1", "1 ", "1,5", "1.2.3", "--1",
                          "abc", "100000000000000000000", "-123456789012345678901234567890"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(WidePrice::parse(bad).has_value());
  }
}

TEST_CASE("the largest magnitudes it holds read and print exactly") {
  const char* max = "99999999999999999999.999999999999999999";
  CHECK(wide(max).to_string() == max);
  CHECK(wide("-99999999999999999999").to_string() == "-99999999999999999999");
  // Rounding up past the 18th decimal would reach 10^20: refused, not wrapped.
  CHECK_FALSE(WidePrice::parse("99999999999999999999.9999999999999999995").has_value());
}

TEST_CASE("digits past the 18th decimal are rounded half away from zero") {
  CHECK(wide("0.0000000000000000014").units() == 1);
  CHECK(wide("0.0000000000000000015").units() == 2);
  CHECK(wide("0.00000000000000000149999").units() == 1);
  CHECK(wide("-0.0000000000000000015").units() == -2);
  CHECK(wide("1.9999999999999999995").to_string() == "2");
  CHECK(wide("2.000000000000000000499").to_string() == "2");
}

TEST_CASE("widens a Price exactly and narrows to one rounding half away from zero") {
  const Price p = *Price::parse("2500.12345678");
  const WidePrice w = p;
  CHECK(w.to_string() == "2500.12345678");
  CHECK(w.fits_price());
  CHECK(w.to_price() == p);
  CHECK(wide("9.96666666666667").to_price() == *Price::parse("9.96666667"));
  CHECK_FALSE(wide("9.96666666666667").fits_price());
  CHECK(wide("-0.000000005").to_price() == *Price::parse("-0.00000001"));
  CHECK(wide("0.0000000049").to_price() == Price{});
  CHECK_FALSE(wide("99999999999").to_price().has_value());  // past Price's ±9.2e10
}

TEST_CASE("counts the decimal places it prints") {
  CHECK(wide("10").decimal_places() == 0);
  CHECK(wide("10.50").decimal_places() == 1);
  CHECK(wide("9.96666666666667").decimal_places() == 14);
  CHECK(wide("0.000000000000000001").decimal_places() == 18);
}

TEST_CASE("values and averages of fills are exact, overflow is reported") {
  const auto v1 = fixgate::wide_value(wide("9.96666666666667"), Qty::from_whole(3));
  const auto v2 = fixgate::wide_value(wide("10"), Qty::from_whole(1));
  REQUIRE(v1);
  REQUIRE(v2);
  CHECK(fixgate::wide_average(*v1 + *v2, Qty::from_whole(4)).to_string() == "9.9750000000000025");
  // 10/3 to 18 places: the 19th digit rounds.
  const auto third = fixgate::wide_value(wide("10"), Qty::from_whole(1));
  CHECK(fixgate::wide_average(*third, Qty::from_whole(3)).to_string() == "3.333333333333333333");
  CHECK(fixgate::wide_average(*fixgate::wide_value(wide("20"), Qty::from_whole(1)), Qty::from_whole(3)).to_string() ==
        "6.666666666666666667");
  CHECK(fixgate::wide_average(0, Qty{}).is_zero());
  CHECK_FALSE(fixgate::wide_value(wide("99999999999999999999"), Qty::from_units(INT64_MAX)).has_value());
}

TEST_CASE("an average price agrees when it differs only by the broker's own rounding") {
  using fixgate::agrees_up_to_rounding;
  const WidePrice exact = fixgate::wide_average(*fixgate::wide_value(wide("29.9"), Qty::from_whole(1)), Qty::from_whole(3));
  REQUIRE(exact.to_string() == "9.966666666666666667");
  // A double printed to 15 and to 17 significant digits.
  CHECK(agrees_up_to_rounding(wide("9.96666666666667"), exact));
  CHECK(agrees_up_to_rounding(wide("9.9666666666666668"), exact));
  CHECK(agrees_up_to_rounding(wide("9.9666666666666661"), exact));  // the double's own error
  // Rounded to 2, 4 or 8 decimals, trailing zeros or not.
  CHECK(agrees_up_to_rounding(wide("9.97"), exact));
  CHECK(agrees_up_to_rounding(wide("9.9700"), exact));
  CHECK(agrees_up_to_rounding(wide("9.9667"), exact));
  CHECK(agrees_up_to_rounding(wide("9.96666667"), exact));
  // A binary double's view of an exact 9.96.
  CHECK(agrees_up_to_rounding(wide("9.959999999999999"), wide("9.96")));
  // Real differences.
  CHECK_FALSE(agrees_up_to_rounding(wide("9.96"), exact));            // rounded the wrong way
  CHECK_FALSE(agrees_up_to_rounding(wide("9.9666"), exact));          // truncated at 4 places
  CHECK_FALSE(agrees_up_to_rounding(wide("10"), exact));              // whole units are not cents
  CHECK_FALSE(agrees_up_to_rounding(wide("9.96666666"), exact));      // truncated at 8 places
  CHECK_FALSE(agrees_up_to_rounding(wide("9.9766666666666667"), exact));  // one cent off
  CHECK_FALSE(agrees_up_to_rounding(wide("-9.97"), exact));
}
