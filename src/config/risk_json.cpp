// SPDX-License-Identifier: Apache-2.0
// Policy ⇄ JSON for the journal, and validated run-time limit changes.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fixgate/config/policy.hpp"

namespace fixgate::config {
namespace {

using nlohmann::json;

template <class T>
void put(json& j, const char* key, const std::optional<T>& value) {
  if (!value) return;
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::uint32_t>) {
    j[key] = *value;
  } else {
    j[key] = value->to_string();
  }
}

json limits_json(const RiskLimits& l) {
  json j = json::object();
  put(j, "max_order_qty", l.max_order_qty);
  put(j, "max_order_notional", l.max_order_notional);
  put(j, "price_band_percent", l.price_band_percent);
  put(j, "max_open_orders", l.max_open_orders);
  put(j, "max_open_notional", l.max_open_notional);
  put(j, "tick_table", l.tick_table);
  put(j, "lot_size", l.lot_size);
  put(j, "reference_price", l.reference_price);
  return j;
}

struct BadJson {
  std::string text;
};

template <class Decimal>
std::optional<Decimal> get_decimal(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (!it->is_string()) throw BadJson{std::string(key) + " is not a decimal string"};
  auto parsed = Decimal::parse(it->get<std::string>());
  if (!parsed) throw BadJson{std::string(key) + " is not an exact decimal"};
  return parsed;
}

RiskLimits limits_from(const json& j) {
  if (!j.is_object()) throw BadJson{"limits are not an object"};
  RiskLimits l;
  l.max_order_qty = get_decimal<Qty>(j, "max_order_qty");
  l.max_order_notional = get_decimal<Price>(j, "max_order_notional");
  l.price_band_percent = get_decimal<Price>(j, "price_band_percent");
  if (auto it = j.find("max_open_orders"); it != j.end()) l.max_open_orders = it->get<std::uint32_t>();
  l.max_open_notional = get_decimal<Price>(j, "max_open_notional");
  if (auto it = j.find("tick_table"); it != j.end()) l.tick_table = it->get<std::string>();
  l.lot_size = get_decimal<Qty>(j, "lot_size");
  l.reference_price = get_decimal<Price>(j, "reference_price");
  return l;
}

enum class Kind { qty, price, percent, count, name, flag };

struct LimitSpec {
  std::string_view name;
  Kind kind;
  bool defaults, account, symbol;
};

constexpr LimitSpec limit_specs[] = {
    {"max_order_qty", Kind::qty, true, true, true},
    {"max_order_notional", Kind::price, true, true, true},
    {"price_band_percent", Kind::percent, true, true, true},
    {"max_open_orders", Kind::count, true, true, false},
    {"max_open_notional", Kind::price, true, true, false},
    {"tick_table", Kind::name, true, false, true},
    {"lot_size", Kind::qty, true, false, true},
    {"reference_price", Kind::price, false, false, true},
    {"restricted", Kind::flag, false, false, true},
    {"client_orders_per_second", Kind::count, true, false, false},
    {"session_orders_per_second", Kind::count, true, false, false},
    {"duplicate_window_ms", Kind::count, true, false, false},
    {"max_rejects_per_minute", Kind::count, true, false, false},
};

template <class Decimal>
std::expected<std::optional<Decimal>, std::string> positive(std::string_view limit, const std::optional<std::string>& v) {
  if (!v) return std::optional<Decimal>{};
  auto parsed = Decimal::parse(*v);
  if (!parsed) {
    return std::unexpected(std::string(limit) + ": \"" + *v + "\" is not an exact decimal with at most " +
                           std::to_string(Decimal::decimals) + " decimal places");
  }
  if (parsed->is_negative() || parsed->is_zero()) return std::unexpected(std::string(limit) + ": must be greater than zero");
  return std::optional<Decimal>{*parsed};
}

std::expected<std::uint32_t, std::string> count(std::string_view limit, const std::string& v, std::uint32_t min) {
  std::uint64_t n = 0;
  if (v.empty() || v.size() > 10 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::unexpected(std::string(limit) + ": \"" + v + "\" is not a whole number");
  }
  n = std::stoull(v);
  if (n < min || n > UINT32_MAX) return std::unexpected(std::string(limit) + ": " + v + " is out of range");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

std::string to_json(const Policy& policy) {
  const Risk& r = policy.risk;
  json risk = json::object();
  risk["defaults"] = limits_json(r.defaults);
  risk["accounts"] = json::object();
  for (const auto& [k, v] : r.accounts) risk["accounts"][k] = limits_json(v);
  risk["symbols"] = json::object();
  for (const auto& [k, v] : r.symbols) risk["symbols"][k] = limits_json(v);
  risk["restricted_symbols"] = r.restricted_symbols;
  risk["tick_tables"] = json::object();
  for (const auto& [name, steps] : r.tick_tables) {
    json list = json::array();
    for (const auto& step : steps) {
      json s = {{"tick", step.tick.to_string()}};
      if (step.up_to) s["up_to"] = step.up_to->to_string();
      list.push_back(std::move(s));
    }
    risk["tick_tables"][name] = std::move(list);
  }
  risk["throttle"] = {{"client_orders_per_second", r.throttle.client_orders_per_second},
                      {"session_orders_per_second", r.throttle.session_orders_per_second}};
  risk["duplicate_window_ms"] = r.duplicate_window_ms;
  risk["kill_switch"] = {{"max_rejects_per_minute", r.kill_switch.max_rejects_per_minute}};
  json routes = json::array();
  for (const auto& route : policy.routes) {
    routes.push_back({{"account", route.account}, {"symbol", route.symbol}, {"market", route.market},
                      {"sessions", route.sessions}});
  }
  return json{{"risk", std::move(risk)}, {"routes", std::move(routes)}}.dump();
}

std::expected<Policy, std::string> policy_from_json(std::string_view text) {
  try {
    const json j = json::parse(text);
    Policy p;
    const json& risk = j.at("risk");
    p.risk.defaults = limits_from(risk.at("defaults"));
    for (const auto& [k, v] : risk.at("accounts").items()) p.risk.accounts.emplace(k, limits_from(v));
    for (const auto& [k, v] : risk.at("symbols").items()) p.risk.symbols.emplace(k, limits_from(v));
    p.risk.restricted_symbols = risk.at("restricted_symbols").get<std::vector<std::string>>();
    for (const auto& [name, steps] : risk.at("tick_tables").items()) {
      auto& table = p.risk.tick_tables[name];
      for (const auto& s : steps) table.push_back({get_decimal<Price>(s, "up_to"), *get_decimal<Price>(s, "tick")});
    }
    p.risk.throttle.client_orders_per_second = risk.at("throttle").at("client_orders_per_second").get<std::uint32_t>();
    p.risk.throttle.session_orders_per_second = risk.at("throttle").at("session_orders_per_second").get<std::uint32_t>();
    p.risk.duplicate_window_ms = risk.at("duplicate_window_ms").get<std::uint32_t>();
    p.risk.kill_switch.max_rejects_per_minute = risk.at("kill_switch").at("max_rejects_per_minute").get<std::uint32_t>();
    for (const auto& r : j.at("routes")) {
      p.routes.push_back({r.at("account").get<std::string>(), r.at("symbol").get<std::string>(),
                          r.at("market").get<std::string>(), r.at("sessions").get<std::vector<std::string>>()});
    }
    return p;
  } catch (const BadJson& e) {
    return std::unexpected("policy: " + e.text);
  } catch (const std::exception& e) {
    return std::unexpected(std::string("policy: ") + e.what());
  }
}

std::optional<LimitScope> limit_scope_from_name(std::string_view text) {
  if (text == "defaults") return LimitScope::defaults;
  if (text == "account") return LimitScope::account;
  if (text == "symbol") return LimitScope::symbol;
  return std::nullopt;
}

std::expected<void, std::string> set_limit(Risk& risk, LimitScope scope, const std::string& target,
                                           std::string_view limit, const std::optional<std::string>& value) {
  const LimitSpec* spec = nullptr;
  for (const auto& s : limit_specs) {
    if (s.name == limit) spec = &s;
  }
  if (spec == nullptr) return std::unexpected("unknown limit \"" + std::string(limit) + "\"");
  const bool allowed = scope == LimitScope::defaults ? spec->defaults
                       : scope == LimitScope::account ? spec->account
                                                      : spec->symbol;
  if (!allowed) {
    return std::unexpected(std::string(limit) + " cannot be set for " +
                           (scope == LimitScope::defaults ? "defaults" : scope == LimitScope::account ? "an account" : "a symbol"));
  }
  if (scope != LimitScope::defaults && target.empty()) return std::unexpected("target: an account or symbol name is required");
  if (scope == LimitScope::defaults && !target.empty()) return std::unexpected("target: defaults take no target");

  Risk next = risk;
  RiskLimits& l = scope == LimitScope::defaults ? next.defaults
                  : scope == LimitScope::account ? next.accounts[target]
                                                 : next.symbols[target];
  auto fail = [](std::string e) { return std::unexpected(std::move(e)); };
  switch (spec->kind) {
    case Kind::qty: {
      auto v = positive<Qty>(limit, value);
      if (!v) return fail(v.error());
      (limit == "lot_size" ? l.lot_size : l.max_order_qty) = *v;
      break;
    }
    case Kind::price:
    case Kind::percent: {
      auto v = positive<Price>(limit, value);
      if (!v) return fail(v.error());
      if (spec->kind == Kind::percent && *v && **v > Price::from_whole(100)) {
        return fail(std::string(limit) + ": must be at most 100 (percent)");
      }
      if (limit == "max_order_notional") l.max_order_notional = *v;
      if (limit == "max_open_notional") l.max_open_notional = *v;
      if (limit == "reference_price") l.reference_price = *v;
      if (limit == "price_band_percent") l.price_band_percent = *v;
      break;
    }
    case Kind::count: {
      std::uint32_t n = 0;
      if (value) {
        auto parsed = count(limit, *value, limit == "max_open_orders" ? 1 : 0);
        if (!parsed) return fail(parsed.error());
        n = *parsed;
      }
      if (limit == "max_open_orders") l.max_open_orders = value ? std::optional<std::uint32_t>(n) : std::nullopt;
      if (limit == "client_orders_per_second") next.throttle.client_orders_per_second = n;
      if (limit == "session_orders_per_second") next.throttle.session_orders_per_second = n;
      if (limit == "duplicate_window_ms") {
        if (n > 3'600'000) return fail(std::string(limit) + ": at most 3600000");
        next.duplicate_window_ms = n;
      }
      if (limit == "max_rejects_per_minute") next.kill_switch.max_rejects_per_minute = n;
      break;
    }
    case Kind::name: {
      if (value && !next.tick_tables.contains(*value)) return fail("tick_table: no tick table named \"" + *value + "\"");
      l.tick_table = value;
      break;
    }
    case Kind::flag: {
      if (value && *value != "true" && *value != "false") return fail("restricted: expected true or false");
      auto& list = next.restricted_symbols;
      std::erase(list, target);
      if (value && *value == "true") list.push_back(target);
      break;
    }
  }
  risk = std::move(next);
  return {};
}

}  // namespace fixgate::config
