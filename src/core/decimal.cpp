// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/decimal.hpp"

#include <limits>

namespace fixgate {

__extension__ typedef unsigned __int128 UInt128;

std::optional<DecimalText> split_decimal(std::string_view text) {
  DecimalText out;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    out.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const auto point = text.find('.');
  out.whole = text.substr(0, point);
  if (point != std::string_view::npos) out.fraction = text.substr(point + 1);
  if (out.whole.empty() && out.fraction.empty()) return std::nullopt;
  for (std::string_view digits : {out.whole, out.fraction}) {
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;  // a second point included
    }
  }
  return out;
}

std::optional<std::int64_t> parse_fixed(std::string_view text, int decimals) {
  if (decimals < 0 || decimals > 18) return std::nullopt;
  const auto parts = split_decimal(text);
  if (!parts) return std::nullopt;
  // Extra fractional digits are accepted only when they are zeros: "1.50000" is exact.
  auto fraction = parts->fraction;
  if (static_cast<int>(fraction.size()) > decimals) {
    if (fraction.find_first_not_of('0', static_cast<std::size_t>(decimals)) != std::string_view::npos) return std::nullopt;
    fraction = fraction.substr(0, static_cast<std::size_t>(decimals));
  }
  constexpr auto max = static_cast<Int128>(std::numeric_limits<std::int64_t>::max());
  Int128 value = 0;
  for (std::string_view digits : {parts->whole, fraction}) {
    for (char c : digits) {
      value = value * 10 + (c - '0');
      if (value > max) return std::nullopt;
    }
  }
  for (auto i = fraction.size(); i < static_cast<std::size_t>(decimals); ++i) {
    value *= 10;
    if (value > max) return std::nullopt;
  }
  return static_cast<std::int64_t>(parts->negative ? -value : value);
}

std::string format_fixed(std::int64_t units, int decimals) {
  const bool negative = units < 0;
  // Unsigned magnitude so INT64_MIN prints correctly.
  UInt128 magnitude = negative ? static_cast<UInt128>(-static_cast<Int128>(units))
                                         : static_cast<UInt128>(units);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (static_cast<int>(digits.size()) <= decimals) {
    digits.insert(0, static_cast<std::size_t>(decimals - static_cast<int>(digits.size()) + 1), '0');
  }
  std::string result = negative ? "-" : "";
  const auto split = digits.size() - static_cast<std::size_t>(decimals);
  result.append(digits, 0, split);
  std::string frac = digits.substr(split);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) {
    result += '.';
    result += frac;
  }
  return result;
}

std::optional<Price> notional(Price price, Qty qty) {
  const Int128 value = value_of(price, qty) / Qty::scale;
  if (value > std::numeric_limits<std::int64_t>::max() || value < std::numeric_limits<std::int64_t>::min()) {
    return std::nullopt;
  }
  return Price::from_units(static_cast<std::int64_t>(value));
}

Price average_price(Int128 total_value, Qty qty) {
  if (qty.units() == 0) return Price{};
  const Int128 divisor = qty.units();
  Int128 quotient = total_value / divisor;
  const Int128 remainder = total_value % divisor;
  const Int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
  const Int128 abs_divisor = divisor < 0 ? -divisor : divisor;
  if (twice >= abs_divisor) quotient += ((total_value < 0) != (divisor < 0)) ? -1 : 1;
  return Price::from_units(static_cast<std::int64_t>(quotient));
}

}  // namespace fixgate
