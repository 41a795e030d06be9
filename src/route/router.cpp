// SPDX-License-Identifier: Apache-2.0
#include "fixgate/route/router.hpp"

namespace fixgate::route {
namespace {

bool matches(const std::string& pattern, std::string_view value) { return pattern == "*" || pattern == value; }

}  // namespace

Decision Router::select(std::string_view account, std::string_view symbol, std::string_view market,
                        const std::function<bool(std::string_view)>& is_up) const {
  for (const auto& rule : rules_) {
    if (!matches(rule.account, account) || !matches(rule.symbol, symbol) || !matches(rule.market, market)) continue;
    for (const auto& session : rule.sessions) {
      if (is_up(session)) return {session, "routed to " + session};
    }
    std::string tried;
    for (const auto& session : rule.sessions) tried += (tried.empty() ? "" : ", ") + session;
    return {std::nullopt, "no live session among " + tried};
  }
  return {std::nullopt, "no routing rule matches account " + std::string(account) + " symbol " + std::string(symbol)};
}

}  // namespace fixgate::route
