// SPDX-License-Identifier: Apache-2.0
#include "fixgate/risk/checks.hpp"

#include <algorithm>
#include <limits>

namespace fixgate::risk {
namespace {

Reject refuse(std::string limit, std::string limit_value, std::string text,
              RejectReason reason = RejectReason::risk_limit) {
  return Reject{reason, limit + ": " + text, std::move(limit), std::move(limit_value)};
}

constexpr Int128 price_scale = Price::scale;
constexpr Price max_price = Price::from_units(std::numeric_limits<std::int64_t>::max());

/// qty × price, saturated to the largest price (a notional beyond it fails every limit anyway).
Price saturated_notional(Qty qty, Price price) {
  if (auto n = notional(price, qty)) return *n;
  return max_price;
}

Price saturated_add(Price a, Price b) {
  const Int128 sum = static_cast<Int128>(a.units()) + b.units();
  if (sum > std::numeric_limits<std::int64_t>::max()) return max_price;
  return Price::from_units(static_cast<std::int64_t>(sum));
}

bool is_multiple(std::int64_t value_units, std::int64_t step_units) {
  return step_units > 0 && value_units % step_units == 0;
}

}  // namespace

Price tick_at(const TickTable& table, Price price) {
  for (const auto& step : table) {
    if (!step.up_to || price <= *step.up_to) return step.tick;
  }
  return table.empty() ? Price{} : table.back().tick;
}

Price open_notional(Qty qty, std::optional<Price> price, std::optional<Price> reference) {
  if (price) return saturated_notional(qty, *price);
  if (reference) return saturated_notional(qty, *reference);
  return Price{};
}

std::expected<void, Reject> check_order(const OrderView& order, const Limits& limits, const Exposure& exposure,
                                        std::optional<Price> reference, Addition addition) {
  if (limits.restricted) {
    return std::unexpected(refuse("restricted_symbol", std::string(order.symbol),
                                  "symbol " + std::string(order.symbol) + " is restricted"));
  }
  if (limits.lot_size && !is_multiple(order.qty.units(), limits.lot_size->units())) {
    return std::unexpected(refuse("lot_size", limits.lot_size->to_string(),
                                  "qty " + order.qty.to_string() + " is not a multiple of the lot size " +
                                      limits.lot_size->to_string()));
  }
  if (limits.tick_table != nullptr && order.price) {
    const Price tick = tick_at(*limits.tick_table, *order.price);
    if (!is_multiple(order.price->units(), tick.units())) {
      return std::unexpected(refuse("tick_size", tick.to_string(),
                                    "price " + order.price->to_string() + " is not a multiple of the tick " +
                                        tick.to_string() + " that applies at that price"));
    }
  }
  if (limits.price_band_percent && order.price && reference) {
    // price within reference × (100 ± band) / 100, compared exactly in 128-bit integers:
    // price × 100 × scale against reference × (100 × scale ± band).
    const Int128 lhs = static_cast<Int128>(order.price->units()) * 100 * price_scale;
    const Int128 band = limits.price_band_percent->units();
    const Int128 low = static_cast<Int128>(reference->units()) * (100 * price_scale - band);
    const Int128 high = static_cast<Int128>(reference->units()) * (100 * price_scale + band);
    if (lhs < low || lhs > high) {
      return std::unexpected(refuse("price_band", limits.price_band_percent->to_string() + "%",
                                    "price " + order.price->to_string() + " is outside " +
                                        limits.price_band_percent->to_string() + "% of the reference price " +
                                        reference->to_string()));
    }
  }
  if (limits.max_order_qty && order.qty > *limits.max_order_qty) {
    return std::unexpected(refuse("max_order_qty", limits.max_order_qty->to_string(),
                                  "qty " + order.qty.to_string() + " exceeds limit " +
                                      limits.max_order_qty->to_string()));
  }
  if (limits.max_order_notional) {
    const std::optional<Price> px = order.price ? order.price : reference;
    if (px) {
      const auto value = notional(*px, order.qty);
      if (!value || *value > *limits.max_order_notional) {
        return std::unexpected(refuse("max_order_notional", limits.max_order_notional->to_string(),
                                      "notional " + (value ? value->to_string() : std::string("overflow")) +
                                          " exceeds limit " + limits.max_order_notional->to_string()));
      }
    }
  }
  if (limits.max_open_orders && addition.orders > 0 &&
      static_cast<std::uint64_t>(exposure.open_orders) + addition.orders > *limits.max_open_orders) {
    return std::unexpected(refuse("max_open_orders", std::to_string(*limits.max_open_orders),
                                  "account " + std::string(order.account) + " already has " +
                                      std::to_string(exposure.open_orders) + " open orders, limit " +
                                      std::to_string(*limits.max_open_orders)));
  }
  if (addition.notional > Price{}) {
    // A saturated notional or a sum past the range cannot be tracked exactly: refused whether or
    // not a limit is set, so the account's total stays true and every later check holds.
    const Int128 sum = static_cast<Int128>(exposure.open_notional.units()) + addition.notional.units();
    if (addition.notional == max_price || exposure.open_notional == max_price ||
        sum >= std::numeric_limits<std::int64_t>::max()) {
      return std::unexpected(refuse("notional_range", max_price.to_string(),
                                    "account " + std::string(order.account) +
                                        " open notional with this order would pass the largest amount " +
                                        max_price.to_string()));
    }
  }
  if (limits.max_open_notional && addition.notional > Price{}) {
    const Price total = saturated_add(exposure.open_notional, addition.notional);
    if (total > *limits.max_open_notional) {
      return std::unexpected(refuse("max_open_notional", limits.max_open_notional->to_string(),
                                    "account " + std::string(order.account) + " open notional would be " +
                                        (total == max_price ? std::string("overflow") : total.to_string()) +
                                        ", limit " + limits.max_open_notional->to_string()));
    }
  }
  return {};
}

void ExposureBook::update(std::uint32_t order, std::string_view account, bool live, Price notional) {
  if (auto it = live_.find(order); it != live_.end()) {
    auto& totals = accounts_[it->second.account];
    totals.open_orders -= 1;
    totals.open_notional_units -= it->second.notional.units();
    if (!live) {
      live_.erase(it);
      return;
    }
    totals.open_orders += 1;
    totals.open_notional_units += notional.units();
    it->second.notional = notional;
    return;
  }
  if (!live) return;
  auto it = accounts_.find(account);
  if (it == accounts_.end()) it = accounts_.emplace(std::string(account), Totals{}).first;
  it->second.open_orders += 1;
  it->second.open_notional_units += notional.units();
  live_.emplace(order, Contribution{std::string(account), notional});
}

Exposure ExposureBook::of(std::string_view account) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return {};
  const Int128 units = it->second.open_notional_units;
  const Int128 top = std::numeric_limits<std::int64_t>::max();
  const Int128 bottom = std::numeric_limits<std::int64_t>::min();
  return {it->second.open_orders, Price::from_units(static_cast<std::int64_t>(std::clamp(units, bottom, top)))};
}

void RateWindow::expire(std::int64_t now_ns) {
  while (!times_.empty() && times_.front() <= now_ns - window_ns_) times_.pop_front();
}

bool RateWindow::allows(std::int64_t now_ns) {
  if (limit_ == 0) return true;
  expire(now_ns);
  return times_.size() < limit_;
}

void RateWindow::record(std::int64_t now_ns) {
  if (limit_ == 0) return;
  expire(now_ns);
  times_.push_back(now_ns);
}

std::uint32_t RateWindow::count(std::int64_t now_ns) {
  expire(now_ns);
  return static_cast<std::uint32_t>(times_.size());
}

std::string DuplicateGuard::key(std::string_view account, std::string_view symbol, Side side, Qty qty,
                                std::optional<Price> price) {
  std::string k;
  k.reserve(account.size() + symbol.size() + 48);
  k.append(account).push_back('\x1f');
  k.append(symbol).push_back('\x1f');
  k.append(std::to_string(static_cast<int>(side))).push_back('\x1f');
  k.append(std::to_string(qty.units())).push_back('\x1f');
  k.append(price ? std::to_string(price->units()) : std::string("mkt"));
  return k;
}

void DuplicateGuard::expire(std::int64_t now_ns) {
  while (!order_.empty() && order_.front().first <= now_ns - window_ns_) {
    auto it = last_.find(order_.front().second);
    if (it != last_.end() && it->second == order_.front().first) last_.erase(it);
    order_.pop_front();
  }
}

std::optional<std::int64_t> DuplicateGuard::recent(std::string_view account, std::string_view symbol, Side side,
                                                   Qty qty, std::optional<Price> price, std::int64_t now_ns) {
  if (window_ns_ <= 0) return std::nullopt;
  expire(now_ns);
  if (auto it = last_.find(key(account, symbol, side, qty, price)); it != last_.end()) return it->second;
  return std::nullopt;
}

void DuplicateGuard::record(std::string_view account, std::string_view symbol, Side side, Qty qty,
                            std::optional<Price> price, std::int64_t now_ns) {
  if (window_ns_ <= 0) return;
  expire(now_ns);
  auto k = key(account, symbol, side, qty, price);
  last_[k] = now_ns;
  order_.emplace_back(now_ns, std::move(k));
}

std::string_view name(KillScope scope) {
  switch (scope) {
    case KillScope::all: return "all";
    case KillScope::account: return "account";
    case KillScope::session: return "session";
  }
  return "all";
}

std::optional<KillScope> kill_scope_from_name(std::string_view text) {
  if (text == "all") return KillScope::all;
  if (text == "account") return KillScope::account;
  if (text == "session") return KillScope::session;
  return std::nullopt;
}

bool KillSwitch::engage(Kill kill) {
  if (find(kill.scope, kill.target) != nullptr) return false;
  engaged_.push_back(std::move(kill));
  return true;
}

bool KillSwitch::release(KillScope scope, std::string_view target) {
  auto it = std::find_if(engaged_.begin(), engaged_.end(),
                         [&](const Kill& k) { return k.scope == scope && k.target == target; });
  if (it == engaged_.end()) return false;
  engaged_.erase(it);
  return true;
}

const Kill* KillSwitch::find(KillScope scope, std::string_view target) const {
  for (const auto& k : engaged_) {
    if (k.scope == scope && k.target == target) return &k;
  }
  return nullptr;
}

const Kill* KillSwitch::blocking(std::string_view account, std::string_view session) const {
  if (engaged_.empty()) return nullptr;
  if (const auto* k = find(KillScope::all, "")) return k;
  if (const auto* k = find(KillScope::account, account)) return k;
  if (!session.empty()) return find(KillScope::session, session);
  return nullptr;
}

}  // namespace fixgate::risk
