// SPDX-License-Identifier: Apache-2.0
#pragma once
// Why a request was refused. Each reason has a stable snake_case code that upstream clients,
// logs and the journal use; never renumber or rename one, only add.

#include <string>
#include <string_view>

namespace fixgate {

enum class RejectReason {
  missing_field,
  invalid_field,
  unknown_order,
  duplicate_client_order_id,
  order_done,
  not_allowed_in_state,
  pending_request,
  not_entitled,
  not_authenticated,
  no_route,
  risk_limit,
  kill_switch,
  journal_unavailable,
  broker_reject,
  rate_limited,
  shutting_down,
  internal_error,
  duplicate_order,
};

/// Stable wire code, e.g. "unknown_order".
std::string_view code(RejectReason reason);

/// A refusal: the reason code and a human sentence naming the offending field or limit.
struct Reject {
  RejectReason reason = RejectReason::internal_error;
  std::string text;
  std::string limit;        ///< the check that refused, e.g. "max_order_qty"; empty if none
  std::string limit_value;  ///< the limit it hit, as configured, e.g. "1000"
};

}  // namespace fixgate
