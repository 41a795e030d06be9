// SPDX-License-Identifier: Apache-2.0
// `risk:` limits at three levels, tick tables, throttles, the duplicate guard and the automatic
// kill switch. Everything the engine needs is checked here, so a typo fails at start-up.

#include "sections.hpp"

namespace fixgate::config::detail {
namespace {

enum class Level { defaults, account, symbol };

std::string_view level_name(Level level) {
  switch (level) {
    case Level::defaults: return "defaults";
    case Level::account: return "an account";
    case Level::symbol: return "a symbol";
  }
  return "";
}

RiskLimits read_limits(const Value& value, Level level, const Risk& risk) {
  const MapReader map(value, {"max_order_qty", "max_order_notional", "price_band_percent", "max_open_orders",
                              "max_open_notional", "tick_table", "lot_size", "reference_price"});
  RiskLimits limits;
  if (auto v = map.get("max_order_qty")) limits.max_order_qty = read_positive_decimal<Qty>(*v);
  if (auto v = map.get("max_order_notional")) limits.max_order_notional = read_positive_decimal<Price>(*v);
  if (auto v = map.get("price_band_percent")) {
    limits.price_band_percent = read_positive_decimal<Price>(*v);
    if (*limits.price_band_percent > Price::from_whole(100)) v->fail("must be at most 100 (percent)");
  }
  if (auto v = map.get("max_open_orders")) limits.max_open_orders = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("max_open_notional")) limits.max_open_notional = read_positive_decimal<Price>(*v);
  // Market structure belongs to the instrument, not to whoever trades it.
  for (const char* key : {"tick_table", "lot_size", "reference_price"}) {
    if (auto v = map.get(key); v && level == Level::account) {
      v->fail(std::string(key) + " is set per symbol or in defaults, not for " + std::string(level_name(level)));
    }
  }
  for (const char* key : {"max_open_orders", "max_open_notional"}) {
    if (auto v = map.get(key); v && level == Level::symbol) {
      v->fail(std::string(key) + " is set per account or in defaults, not for a symbol");
    }
  }
  if (auto v = map.get("reference_price"); v && level == Level::defaults) {
    v->fail("reference_price is set per symbol, not in defaults");
  }
  if (auto v = map.get("tick_table")) {
    limits.tick_table = read_nonempty(*v);
    if (!risk.tick_tables.contains(*limits.tick_table)) {
      std::string known;
      for (const auto& [name, steps] : risk.tick_tables) known += (known.empty() ? "" : ", ") + name;
      v->fail("no tick table named \"" + *limits.tick_table + "\" (tick_tables: " + (known.empty() ? "none" : known) + ")");
    }
  }
  if (auto v = map.get("lot_size")) limits.lot_size = read_positive_decimal<Qty>(*v);
  if (auto v = map.get("reference_price")) limits.reference_price = read_positive_decimal<Price>(*v);
  return limits;
}

std::vector<TickStep> read_tick_table(const Value& value) {
  const auto elements = value.elements();
  if (elements.empty()) value.fail("a tick table needs at least one step");
  std::vector<TickStep> steps;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const MapReader map(elements[i], {"up_to", "tick"});
    TickStep step;
    step.tick = read_positive_decimal<Price>(map.require("tick"));
    const bool last = i + 1 == elements.size();
    if (auto v = map.get("up_to")) {
      if (last) v->fail("the last step covers every higher price: leave up_to out");
      step.up_to = read_positive_decimal<Price>(*v);
      if (!steps.empty() && *step.up_to <= *steps.back().up_to) {
        v->fail("up_to must be greater than the previous step's (" + steps.back().up_to->to_string() + ")");
      }
    } else if (!last) {
      elements[i].fail_key(child_path(elements[i].path(), "up_to"), "every step but the last needs up_to");
    }
    steps.push_back(step);
  }
  return steps;
}

}  // namespace

Risk read_risk(const Value& value) {
  const MapReader map(value, {"defaults", "accounts", "symbols", "restricted_symbols", "tick_tables", "throttle",
                              "duplicate_window_ms", "kill_switch"});
  Risk risk;
  // Tick tables first: the limits name them.
  if (auto v = map.get("tick_tables")) {
    for (const auto& [name, steps] : map_entries(*v)) risk.tick_tables.emplace(name, read_tick_table(steps));
  }
  if (auto v = map.get("defaults")) risk.defaults = read_limits(*v, Level::defaults, risk);
  if (auto v = map.get("accounts")) {
    for (const auto& [account, limits] : map_entries(*v)) {
      risk.accounts.emplace(account, read_limits(limits, Level::account, risk));
    }
  }
  if (auto v = map.get("symbols")) {
    for (const auto& [symbol, limits] : map_entries(*v)) {
      risk.symbols.emplace(symbol, read_limits(limits, Level::symbol, risk));
    }
  }
  if (auto v = map.get("restricted_symbols")) {
    for (const auto& element : v->elements()) {
      auto symbol = read_nonempty(element);
      if (std::ranges::find(risk.restricted_symbols, symbol) != risk.restricted_symbols.end()) {
        element.fail("listed twice");
      }
      risk.restricted_symbols.push_back(std::move(symbol));
    }
  }
  if (auto v = map.get("throttle")) {
    const MapReader throttle(*v, {"client_orders_per_second", "session_orders_per_second"});
    if (auto t = throttle.get("client_orders_per_second")) risk.throttle.client_orders_per_second = read_uint<std::uint32_t>(*t);
    if (auto t = throttle.get("session_orders_per_second")) risk.throttle.session_orders_per_second = read_uint<std::uint32_t>(*t);
  }
  if (auto v = map.get("duplicate_window_ms")) {
    risk.duplicate_window_ms = static_cast<std::uint32_t>(read_unsigned(*v, 0, 3'600'000));
  }
  if (auto v = map.get("kill_switch")) {
    const MapReader kill(*v, {"max_rejects_per_minute"});
    if (auto t = kill.get("max_rejects_per_minute")) risk.kill_switch.max_rejects_per_minute = read_uint<std::uint32_t>(*t);
  }
  return risk;
}

}  // namespace fixgate::config::detail
