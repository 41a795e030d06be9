// SPDX-License-Identifier: Apache-2.0
#pragma once
// Prices as brokers report them (LastPx, AvgPx, Price on execution reports): a 128-bit count of
// 10^-18 units. Brokers print prices computed in binary floating point to 15-17 significant
// digits ("9.96666666666667", "9.959999999999999"), which the 8-decimal Price cannot hold; this
// type reads every such value exactly. What fixgate itself sends stays a Price.
//
// The rule (docs/ORDER_STATES.md, "Prices a broker reports"): up to 18 decimal places are read
// exactly; digits past the 18th are rounded half away from zero; at most 20 integer digits; no
// exponent. Printing gives the shortest exact decimal, so a broker's value prints as it was sent
// (less trailing zeros).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/core/decimal.hpp"

namespace fixgate {

/// A broker-reported price: 18 decimal places in 128 bits, |value| < 10^20.
class WidePrice {
 public:
  static constexpr int decimals = 18;
  /// 10^18: units per whole.
  static constexpr Int128 scale = static_cast<Int128>(1'000'000'000'000'000'000LL);
  /// 10^10: wide units per Price unit.
  static constexpr std::int64_t per_price_unit = 10'000'000'000LL;

  constexpr WidePrice() = default;
  /// Widens a Price exactly; implicit because no value is lost.
  constexpr WidePrice(Price price) : units_(static_cast<Int128>(price.units()) * per_price_unit) {}  // NOLINT
  /// From raw units of 10^-18 (no range check: the caller's value must come from this type).
  static constexpr WidePrice from_units(Int128 units) {
    WidePrice p;
    p.units_ = units;
    return p;
  }
  /// Reads a plain decimal ("9.96666666666667", "-0.5", "100."), rounding past 18 decimals;
  /// nullopt for anything else (exponents, spaces, empty) and for magnitudes of 10^20 or more.
  static std::optional<WidePrice> parse(std::string_view text);

  constexpr Int128 units() const { return units_; }
  constexpr bool is_zero() const { return units_ == 0; }
  constexpr bool is_negative() const { return units_ < 0; }
  /// Shortest exact decimal ("9.96666666666667", "100", "-0.000000000000000001").
  std::string to_string() const;
  /// Decimal places to_string() prints (0..18).
  int decimal_places() const;
  /// Rounded half away from zero to a Price's 8 decimals; nullopt outside Price's range.
  std::optional<Price> to_price() const;
  /// True when to_price() is exact.
  bool fits_price() const;

  constexpr WidePrice operator-() const { return from_units(-units_); }
  constexpr WidePrice operator+(WidePrice other) const { return from_units(units_ + other.units_); }
  constexpr WidePrice operator-(WidePrice other) const { return from_units(units_ - other.units_); }
  constexpr auto operator<=>(const WidePrice&) const = default;

 private:
  Int128 units_ = 0;
};

/// price × qty in 10^-(18+4) units, exact; nullopt when it does not fit in 128 bits.
std::optional<Int128> wide_value(WidePrice price, Qty qty);

/// Volume-weighted average of `total_value` (Σ price×qty in 10^-22 units) over `qty`, rounded half
/// away from zero to 18 decimals. Zero when qty is zero.
WidePrice wide_average(Int128 total_value, Qty qty);

/// Whether a broker's `reported` price agrees with the `exact` one up to the broker's own
/// rounding: within half a unit of the last decimal it prints (counted as at least 2 decimals,
/// for brokers that round to cents), or within 10^-13 of the value (a binary double printed to
/// 15-17 significant digits). Anything further apart is a real difference.
bool agrees_up_to_rounding(WidePrice reported, WidePrice exact);

}  // namespace fixgate
