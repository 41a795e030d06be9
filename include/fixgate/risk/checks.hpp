#pragma once
// Pre-trade risk checks: pure functions over the order and the limits that apply to it.

#include <expected>
#include <optional>
#include <string>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/reject.hpp"
#include "fixgate/core/types.hpp"

namespace fixgate::risk {

/// Limits for one account (unset: no limit).
struct Limits {
  std::optional<Qty> max_order_qty;
  std::optional<Price> max_order_notional;
};

/// What the checks look at in an order.
struct OrderView {
  std::string_view account;
  std::string_view symbol;
  Qty qty;
  std::optional<Price> price;  ///< limit price; market orders have none
};

/// Runs every check; the first one that fails names the limit it hit.
std::expected<void, Reject> check_order(const OrderView& order, const Limits& limits);

}  // namespace fixgate::risk
