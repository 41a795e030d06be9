// SPDX-License-Identifier: Apache-2.0
#pragma once
// Fixed-point decimals for money and quantities: an int64 count of 10^-Decimals units, parsed
// from and printed to decimal strings exactly. No double ever holds a price or a quantity.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fixgate {

/// 128-bit integer for exact products of price and quantity (GCC extension, named once).
__extension__ typedef __int128 Int128;

/// A plain decimal's text in parts: "-12.50" is negative, "12" and "50".
struct DecimalText {
  bool negative = false;
  std::string_view whole;     ///< the digits before the point (may be empty: ".5")
  std::string_view fraction;  ///< the digits after it (may be empty: "5.")
};

/// Splits an optional sign, digits and at most one point, with at least one digit; nullopt for
/// anything else (exponents, spaces, empty). The one reader of decimal text for every type.
std::optional<DecimalText> split_decimal(std::string_view text);

/// Parses a plain decimal ("123", "-0.5", "100.250") into units of 10^-decimals; nullopt when the
/// text is not a decimal, has more fractional digits than `decimals` allows, or overflows int64.
std::optional<std::int64_t> parse_fixed(std::string_view text, int decimals);

/// Prints units of 10^-decimals as the shortest exact decimal ("100", "99.5", "-0.0001").
std::string format_fixed(std::int64_t units, int decimals);

/// A fixed-point value with a compile-time scale; Tag keeps prices and quantities apart.
template <class Tag, int Decimals>
class Fixed {
 public:
  static constexpr int decimals = Decimals;
  static constexpr std::int64_t scale = [] {
    std::int64_t s = 1;
    for (int i = 0; i < Decimals; ++i) s *= 10;
    return s;
  }();

  constexpr Fixed() = default;
  /// From raw units of 10^-Decimals.
  static constexpr Fixed from_units(std::int64_t units) { return Fixed(units); }
  /// From a whole number.
  static constexpr Fixed from_whole(std::int64_t whole) { return Fixed(whole * scale); }
  /// Exact parse of a decimal string; nullopt on anything that is not one.
  static std::optional<Fixed> parse(std::string_view text) {
    auto units = parse_fixed(text, Decimals);
    if (!units) return std::nullopt;
    return Fixed(*units);
  }

  constexpr std::int64_t units() const { return units_; }
  constexpr bool is_zero() const { return units_ == 0; }
  constexpr bool is_negative() const { return units_ < 0; }
  std::string to_string() const { return format_fixed(units_, Decimals); }

  constexpr Fixed operator+(Fixed other) const { return Fixed(units_ + other.units_); }
  constexpr Fixed operator-(Fixed other) const { return Fixed(units_ - other.units_); }
  constexpr Fixed& operator+=(Fixed other) { units_ += other.units_; return *this; }
  constexpr Fixed& operator-=(Fixed other) { units_ -= other.units_; return *this; }
  constexpr auto operator<=>(const Fixed&) const = default;

 private:
  constexpr explicit Fixed(std::int64_t units) : units_(units) {}
  std::int64_t units_ = 0;
};

struct PriceTag {};
struct QtyTag {};

/// Prices carry 8 decimal places: enough for FX and crypto ticks, range ±9.2e10.
using Price = Fixed<PriceTag, 8>;
/// Quantities carry 4 decimal places: whole shares print as integers, fractional lots still fit.
using Qty = Fixed<QtyTag, 4>;

/// Notional value (price × quantity) in price units, computed in 128 bits; nullopt on overflow.
std::optional<Price> notional(Price price, Qty qty);

/// Volume-weighted average of `total_value` (Σ price×qty in 10^-(8+4) units, 128-bit) over `qty`,
/// rounded half away from zero to the price scale. Zero when qty is zero.
Price average_price(Int128 total_value, Qty qty);

/// price × qty in 10^-(8+4) units, exact.
constexpr Int128 value_of(Price price, Qty qty) {
  return static_cast<Int128>(price.units()) * qty.units();
}

}  // namespace fixgate
