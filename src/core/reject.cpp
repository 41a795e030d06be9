// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/reject.hpp"

namespace fixgate {

std::string_view code(RejectReason reason) {
  switch (reason) {
    case RejectReason::missing_field: return "missing_field";
    case RejectReason::invalid_field: return "invalid_field";
    case RejectReason::unknown_order: return "unknown_order";
    case RejectReason::duplicate_client_order_id: return "duplicate_client_order_id";
    case RejectReason::order_done: return "order_done";
    case RejectReason::not_allowed_in_state: return "not_allowed_in_state";
    case RejectReason::pending_request: return "pending_request";
    case RejectReason::not_entitled: return "not_entitled";
    case RejectReason::not_authenticated: return "not_authenticated";
    case RejectReason::no_route: return "no_route";
    case RejectReason::risk_limit: return "risk_limit";
    case RejectReason::kill_switch: return "kill_switch";
    case RejectReason::journal_unavailable: return "journal_unavailable";
    case RejectReason::broker_reject: return "broker_reject";
    case RejectReason::rate_limited: return "rate_limited";
    case RejectReason::shutting_down: return "shutting_down";
    case RejectReason::internal_error: return "internal_error";
    case RejectReason::duplicate_order: return "duplicate_order";
  }
  return "internal_error";
}

}  // namespace fixgate
