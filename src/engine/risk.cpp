// SPDX-License-Identifier: Apache-2.0
// Risk limits, routing policy and kill switches on the engine thread. The policy in force is
// journaled ("policy config" records, and admin requests that change it), so a replay decides
// every order with the limits that were in force when it came.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;
constexpr std::int64_t minute_ns = 60 * second_ns;

template <class T>
void stricter(std::optional<T>& into, const std::optional<T>& candidate) {
  if (candidate && (!into || *candidate < *into)) into = candidate;
}

std::string describe(const risk::Kill& kill) {
  std::string scope = kill.scope == risk::KillScope::all ? std::string("everything")
                                                         : std::string(risk::name(kill.scope)) + " " + kill.target;
  return "kill switch on " + scope + " engaged by " + kill.by + ": " + kill.reason;
}

bool covers(const risk::Kill& kill, const order::Order& order) {
  switch (kill.scope) {
    case risk::KillScope::all: return true;
    case risk::KillScope::account: return order.account == kill.target;
    case risk::KillScope::session: return order.session == kill.target;
  }
  return false;
}

}  // namespace

void Engine::take_policy(const config::Policy& policy, Timestamp now) {
  std::string json = config::to_json(policy);
  if (json == config_policy_json_) return;
  if (!record_input(journal::RecordKind::engine_event, {}, "policy config " + json, now, nullptr)) return;
  if (!replaying_) {
    spdlog::info(config_policy_json_.empty() ? "risk limits and routes from the configuration are in force"
                                             : "risk limits and routes changed in the configuration: the file's are in force");
  }
  config_policy_json_ = std::move(json);
  apply_policy(policy);
}

void Engine::apply_policy(config::Policy policy) {
  policy_ = std::move(policy);
  std::vector<route::Rule> rules;
  for (const auto& r : policy_.routes) rules.push_back({r.account, r.symbol, r.market, r.sessions});
  router_ = route::Router(std::move(rules));
  const auto& risk = policy_.risk;
  tick_tables_.clear();
  for (const auto& [name, steps] : risk.tick_tables) {
    auto& table = tick_tables_[name];
    for (const auto& step : steps) table.push_back({step.up_to, step.tick});
  }
  for (auto& [client, window] : client_rate_) window.set_limit(risk.throttle.client_orders_per_second);
  for (auto& [session, window] : session_rate_) window.set_limit(risk.throttle.session_orders_per_second);
  for (auto& [account, window] : account_rejects_) window.set_limit(risk.kill_switch.max_rejects_per_minute);
  duplicates_.set_window(static_cast<std::int64_t>(risk.duplicate_window_ms) * 1'000'000);
}

risk::Limits Engine::limits_for(const std::string& account, const std::string& symbol) const {
  const auto& r = policy_.risk;
  const config::RiskLimits* by_account = nullptr;
  const config::RiskLimits* by_symbol = nullptr;
  if (auto it = r.accounts.find(account); it != r.accounts.end()) by_account = &it->second;
  if (auto it = r.symbols.find(symbol); it != r.symbols.end()) by_symbol = &it->second;

  risk::Limits limits;
  for (const config::RiskLimits* level : {&r.defaults, by_account, by_symbol}) {
    if (level == nullptr) continue;
    stricter(limits.max_order_qty, level->max_order_qty);
    stricter(limits.max_order_notional, level->max_order_notional);
    stricter(limits.price_band_percent, level->price_band_percent);
    stricter(limits.max_open_orders, level->max_open_orders);
    stricter(limits.max_open_notional, level->max_open_notional);
  }
  // Market structure: the symbol's own, else the defaults'.
  const auto& tick_table = by_symbol != nullptr && by_symbol->tick_table ? by_symbol->tick_table : r.defaults.tick_table;
  if (tick_table) {
    if (auto it = tick_tables_.find(*tick_table); it != tick_tables_.end()) limits.tick_table = &it->second;
  }
  limits.lot_size = by_symbol != nullptr && by_symbol->lot_size ? by_symbol->lot_size : r.defaults.lot_size;
  limits.restricted = std::ranges::find(r.restricted_symbols, symbol) != r.restricted_symbols.end();
  return limits;
}

std::optional<Price> Engine::reference_price(const std::string& symbol) const {
  if (auto it = last_fill_px_.find(symbol); it != last_fill_px_.end()) return it->second;
  if (auto it = policy_.risk.symbols.find(symbol); it != policy_.risk.symbols.end()) return it->second.reference_price;
  return std::nullopt;
}

void Engine::track(const order::Order& order) {
  const auto index = static_cast<std::uint32_t>(&order - book_.orders().data());
  const bool live = order.is_live();
  exposure_.update(index, order.account, live,
                   live ? risk::open_notional(order.leaves_qty, order.price, reference_price(order.symbol)) : Price{});
}

void Engine::count_reject(const std::string& account, Timestamp now) {
  const auto limit = policy_.risk.kill_switch.max_rejects_per_minute;
  if (limit == 0) return;
  auto [it, inserted] = account_rejects_.try_emplace(account, limit, minute_ns);
  it->second.record(now.nanos);
  const auto count = it->second.count(now.nanos);
  if (count <= limit || kill_switch_.find(risk::KillScope::account, account) != nullptr) return;
  engage({risk::KillScope::account, account, "auto",
          std::to_string(count) + " rejects within a minute on account " + account + " (limit " +
              std::to_string(limit) + " per minute)",
          now.nanos},
         {}, now);
}

void Engine::engage(risk::Kill kill, const std::string& request_id, Timestamp now) {
  const std::string by = kill.by;
  if (!kill_switch_.engage(kill)) return;
  ++stats_.kill_switches;
  const risk::Kill& engaged = *kill_switch_.find(kill.scope, kill.target);
  std::uint32_t cancels = 0;
  for (const order::Order* order : book_.live_orders()) {
    if (covers(engaged, *order) && cancel_if_killed(*order, now)) ++cancels;
  }
  if (!replaying_) spdlog::warn("{}; {} cancels sent", describe(engaged), cancels);
  gateway::KillSwitchStatus status{std::string(risk::name(engaged.scope)), engaged.target, true, engaged.by,
                                   engaged.reason, cancels};
  for (const auto& c : clients_) emit(c.name, c.name == by ? request_id : std::string(), status);
}

bool Engine::cancel_if_killed(const order::Order& order, Timestamp now) {
  if (!order.is_live() || order.pending || !session_up_[order.session]) return false;
  const risk::Kill* kill = kill_switch_.blocking(order.account, order.session);
  if (kill == nullptr) return false;
  // The cancel carries an id of the engine's own making in the owner's id space.
  auto cancel = book_.on_cancel({order.client, order.client_order_id() + "~kill" + std::to_string(++kill_cancels_),
                                 order.client_order_id(), now});
  if (!cancel) {
    if (!replaying_) spdlog::error("kill switch could not cancel {}: {}", order.cl_ord_id(), cancel.error().text);
    return false;
  }
  const std::string session = cancel->session;
  send_fix(session, std::move(*cancel));
  return true;
}

bool Engine::admin(const std::string& client) const {
  const auto* c = client_config(client);
  return c != nullptr && c->role == config::ClientRole::admin;
}

void Engine::on_kill_switch(const gateway::Inbound& inbound, const gateway::KillSwitchRequest& request, Timestamp now) {
  if (!require_admin(inbound)) return;
  const auto scope = *risk::kill_scope_from_name(request.scope);  // the decoder checked it
  if (scope == risk::KillScope::session && !session_up_.contains(request.target)) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "target",
                                          .text = "no session named " + request.target});
  }
  if (request.engage) {
    if (const auto* existing = kill_switch_.find(scope, request.target)) {
      return answer(inbound, gateway::Error{.code = "invalid_value", .field = "scope",
                                            .text = "already engaged: " + describe(*existing)});
    }
    return engage({scope, request.target, inbound.client, request.reason, now.nanos}, inbound.request_id, now);
  }
  if (!kill_switch_.release(scope, request.target)) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "scope",
                                          .text = "no kill switch engaged on " + request.scope +
                                                  (request.target.empty() ? "" : " " + request.target)});
  }
  if (scope == risk::KillScope::account) account_rejects_.erase(request.target);
  if (!replaying_) spdlog::warn("kill switch on {} {} released by {}: {}", request.scope, request.target, inbound.client, request.reason);
  gateway::KillSwitchStatus status{request.scope, request.target, false, inbound.client, request.reason, 0};
  for (const auto& c : clients_) {
    emit(c.name, c.name == inbound.client ? inbound.request_id : std::string(), status);
  }
}

void Engine::on_set_limit(const gateway::Inbound& inbound, const gateway::SetLimit& request) {
  if (!require_admin(inbound)) return;
  auto policy = policy_;
  const auto scope = *config::limit_scope_from_name(request.scope);  // the decoder checked it
  if (auto changed = config::set_limit(policy.risk, scope, request.target, request.limit, request.value); !changed) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "limit", .text = changed.error()});
  }
  apply_policy(std::move(policy));
  if (!replaying_) {
    spdlog::warn("risk limit {} for {} {} set to {} by {}: {}", request.limit, request.scope, request.target,
                 request.value.value_or("none"), inbound.client, request.reason);
  }
  gateway::LimitChanged changed{request.scope, request.target, request.limit, request.value, inbound.client, request.reason};
  for (const auto& c : clients_) {
    if (c.role == config::ClientRole::admin) {
      emit(c.name, c.name == inbound.client ? inbound.request_id : std::string(), changed);
    }
  }
}

}  // namespace fixgate::engine
