#include "fixgate/risk/checks.hpp"

namespace fixgate::risk {

std::expected<void, Reject> check_order(const OrderView& order, const Limits& limits) {
  if (limits.max_order_qty && order.qty > *limits.max_order_qty) {
    return std::unexpected(Reject{RejectReason::risk_limit, "max_order_qty: qty " + order.qty.to_string() +
                                                                " exceeds limit " + limits.max_order_qty->to_string()});
  }
  if (limits.max_order_notional && order.price) {
    const auto value = notional(*order.price, order.qty);
    if (!value || *value > *limits.max_order_notional) {
      return std::unexpected(Reject{RejectReason::risk_limit,
                                    "max_order_notional: notional " + (value ? value->to_string() : "overflow") +
                                        " exceeds limit " + limits.max_order_notional->to_string()});
    }
  }
  return {};
}

}  // namespace fixgate::risk
