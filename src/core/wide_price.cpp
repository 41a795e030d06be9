// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/wide_price.hpp"

#include <limits>

namespace fixgate {
namespace {

__extension__ typedef unsigned __int128 UInt128;

constexpr Int128 pow10(int n) {
  Int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

// 10^20 whole units, the first magnitude the type refuses.
constexpr Int128 limit = pow10(20) * WidePrice::scale;

UInt128 magnitude(Int128 v) { return v < 0 ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v); }

// Rounds `value / divisor` half away from zero (divisor > 0).
Int128 divide_rounded(Int128 value, Int128 divisor) {
  Int128 quotient = value / divisor;
  const Int128 remainder = value - quotient * divisor;  // one 128-bit division, not two
  if (magnitude(remainder) * 2 >= static_cast<UInt128>(divisor)) quotient += value < 0 ? -1 : 1;
  return quotient;
}

}  // namespace

std::optional<WidePrice> WidePrice::parse(std::string_view text) {
  const auto parts = split_decimal(text);
  if (!parts) return std::nullopt;
  Int128 whole = 0;
  for (char c : parts->whole) {
    whole = whole * 10 + (c - '0');
    if (whole >= pow10(20)) return std::nullopt;
  }
  // The first 18 fraction digits are kept; the 19th, if any, decides the rounding.
  const auto kept = parts->fraction.substr(0, decimals);
  Int128 fraction = 0;
  for (char c : kept) fraction = fraction * 10 + (c - '0');
  Int128 units = whole * scale + fraction * pow10(decimals - static_cast<int>(kept.size()));
  if (parts->fraction.size() > kept.size() && parts->fraction[kept.size()] >= '5') ++units;
  if (units >= limit) return std::nullopt;
  return from_units(parts->negative ? -units : units);
}

std::string WidePrice::to_string() const {
  UInt128 m = magnitude(units_);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  if (digits.size() <= static_cast<std::size_t>(decimals)) digits.insert(0, decimals + 1 - digits.size(), '0');
  const auto split = digits.size() - decimals;
  std::string out = units_ < 0 ? "-" : "";
  out.append(digits, 0, split);
  const auto places = static_cast<std::size_t>(decimal_places());
  if (places > 0) out.append(1, '.').append(digits, split, places);
  return out;
}

int WidePrice::decimal_places() const {
  // Below 10^18, so 64-bit arithmetic from here: this runs on every fill's AvgPx check.
  auto frac = static_cast<std::uint64_t>(magnitude(units_) % static_cast<UInt128>(scale));
  if (frac == 0) return 0;
  int places = decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --places;
  }
  return places;
}

std::optional<Price> WidePrice::to_price() const {
  const Int128 units = divide_rounded(units_, per_price_unit);
  if (units > std::numeric_limits<std::int64_t>::max() || units < std::numeric_limits<std::int64_t>::min())
    return std::nullopt;
  return Price::from_units(static_cast<std::int64_t>(units));
}

bool WidePrice::fits_price() const { return units_ % per_price_unit == 0 && to_price().has_value(); }

std::optional<Int128> wide_value(WidePrice price, Qty qty) {
  Int128 value = 0;
  if (__builtin_mul_overflow(price.units(), static_cast<Int128>(qty.units()), &value)) return std::nullopt;
  return value;
}

WidePrice wide_average(Int128 total_value, Qty qty) {
  if (qty.units() == 0) return WidePrice{};
  if (qty.units() < 0) return WidePrice::from_units(divide_rounded(-total_value, -static_cast<Int128>(qty.units())));
  return WidePrice::from_units(divide_rounded(total_value, qty.units()));
}

bool agrees_up_to_rounding(WidePrice reported, WidePrice exact) {
  const Int128 a = reported.units();
  const Int128 b = exact.units();
  // Unsigned, so the difference of two extremes of opposite sign cannot overflow.
  const UInt128 diff = a >= b ? static_cast<UInt128>(a) - static_cast<UInt128>(b)
                              : static_cast<UInt128>(b) - static_cast<UInt128>(a);
  const int places = reported.decimal_places() < 2 ? 2 : reported.decimal_places();
  if (diff <= static_cast<UInt128>(pow10(WidePrice::decimals - places)) / 2) return true;
  // diff <= |exact| / 10^13, multiplied out (a product is far cheaper than a 128-bit division);
  // a diff too large to multiply is past any price's tolerance.
  constexpr auto relative = static_cast<UInt128>(pow10(13));
  if (diff > ~UInt128{0} / relative) return false;
  return diff * relative <= magnitude(b);
}

}  // namespace fixgate
