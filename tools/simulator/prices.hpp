// SPDX-License-Identifier: Apache-2.0
#pragma once
// Prices as the simulator writes them: exact decimal text by default, or the way a venue that
// computes in doubles prints them (QuickFIX's DoubleConvertor, 15 significant digits, as its
// ordermatch example sends AvgPx; or the shortest text that reads back as the same double, as
// JavaScript engines such as jspurefix print a Number), so a counterparty's long decimals can be
// produced on demand.

#include <optional>
#include <string>
#include <string_view>

#include "fixgate/core/decimal.hpp"

namespace fixgate::sim {

/// How prices are written on the wire.
enum class PriceText { exact, quickfix, javascript };

/// Parses "exact", "quickfix" or "javascript".
std::optional<PriceText> parse_price_text(std::string_view text);

/// One price: exact when it fits fixgate::Price, and as the double a double-based venue holds.
struct SimPrice {
  std::optional<Price> exact;
  double approx = 0;

  /// A positive, finite decimal; nullopt for anything else.
  static std::optional<SimPrice> parse(std::string_view text);
  static SimPrice from(Price p);
};

/// Σ price × qty over an order's fills, exactly and in doubles.
struct Notional {
  Int128 exact = 0;
  double approx = 0;
  void add(const SimPrice& px, Qty qty);
};

/// Writes prices in one of the PriceText forms.
class PriceWriter {
 public:
  explicit PriceWriter(PriceText mode) : mode_(mode) {}
  /// True when `px` can be written in this mode (exact mode needs a fixgate::Price).
  bool writable(const SimPrice& px) const { return mode_ != PriceText::exact || px.exact.has_value(); }
  /// A price (Price, LastPx) as text.
  std::string price(const SimPrice& px) const;
  /// AvgPx of fills worth `value` over `cum`: exact mode rounds half away from zero at 8
  /// decimals; double modes divide in doubles, as a double-based venue does.
  std::string average(const Notional& value, Qty cum) const;

 private:
  std::string text(double value) const;
  PriceText mode_;
};

}  // namespace fixgate::sim
