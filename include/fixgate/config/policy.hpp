// SPDX-License-Identifier: Apache-2.0
#pragma once
// The parts of the configuration that decide orders (risk limits and routes), as one value the
// engine journals: a replay then decides with the values in force at the time, even after the
// file was edited, and a limit changed at run time is a validated edit of this value.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/config/config.hpp"

namespace fixgate::config {

struct Policy {
  Risk risk;
  std::vector<Route> routes;
  bool operator==(const Policy&) const = default;
};

/// Compact JSON, stable for equal policies (maps are ordered, decimals are exact strings).
std::string to_json(const Policy& policy);
/// Inverse of to_json; the error names the offending key.
std::expected<Policy, std::string> policy_from_json(std::string_view json);

/// Where a run-time limit change applies.
enum class LimitScope { defaults, account, symbol };
std::optional<LimitScope> limit_scope_from_name(std::string_view text);

/// Sets (value) or removes (no value) one limit, validated as the config file would be: the
/// error names the limit, the scope or the value that is wrong and leaves `risk` unchanged.
/// Limits: max_order_qty, max_order_notional, price_band_percent, max_open_orders,
/// max_open_notional, lot_size, reference_price, tick_table, restricted (symbol scope, "true" or
/// "false"), client_orders_per_second, session_orders_per_second, duplicate_window_ms,
/// max_rejects_per_minute (the last five in defaults scope only).
std::expected<void, std::string> set_limit(Risk& risk, LimitScope scope, const std::string& target,
                                           std::string_view limit, const std::optional<std::string>& value);

}  // namespace fixgate::config
