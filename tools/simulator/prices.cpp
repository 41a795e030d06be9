// SPDX-License-Identifier: Apache-2.0
#include "prices.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "fixgate/fix/quickfix.hpp"

namespace fixgate::sim {

std::optional<PriceText> parse_price_text(std::string_view text) {
  if (text == "exact") return PriceText::exact;
  if (text == "quickfix") return PriceText::quickfix;
  if (text == "javascript") return PriceText::javascript;
  return std::nullopt;
}

std::optional<SimPrice> SimPrice::parse(std::string_view text) {
  SimPrice px;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), px.approx);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(px.approx) || px.approx <= 0)
    return std::nullopt;
  px.exact = Price::parse(text);  // absent when it has more decimals than Price keeps
  if (px.exact && px.exact->units() <= 0) px.exact.reset();
  return px;
}

SimPrice SimPrice::from(Price p) {
  return SimPrice{p, static_cast<double>(p.units()) / static_cast<double>(Price::scale)};
}

void Notional::add(const SimPrice& px, Qty qty) {
  if (px.exact) exact += value_of(*px.exact, qty);
  approx += px.approx * (static_cast<double>(qty.units()) / static_cast<double>(Qty::scale));
}

std::string PriceWriter::text(double value) const {
  if (mode_ == PriceText::quickfix) return FIX::DoubleConvertor::convert(value);
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);  // shortest round trip
  return ec == std::errc{} ? std::string(buf.data(), end) : std::string();
}

std::string PriceWriter::price(const SimPrice& px) const {
  if (mode_ == PriceText::exact) return px.exact ? px.exact->to_string() : std::string();
  return text(px.approx);
}

std::string PriceWriter::average(const Notional& value, Qty cum) const {
  if (mode_ == PriceText::exact) return average_price(value.exact, cum).to_string();
  if (cum.is_zero()) return "0";
  return text(value.approx / (static_cast<double>(cum.units()) / static_cast<double>(Qty::scale)));
}

}  // namespace fixgate::sim
