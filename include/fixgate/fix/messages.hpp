#pragma once
// What crosses the session layer, as plain value types: the order book's own FIX vocabulary
// (order/messages.hpp) plus the few messages only the session layer deals in. No QuickFIX types.

#include <string>
#include <variant>

#include "fixgate/order/messages.hpp"

namespace fixgate::fix {

/// OrderStatusRequest (35=H), sent when reconciling live orders after a logon.
struct OrderStatusRequest {
  std::string cl_ord_id;
  std::string order_id;
  std::string symbol;
  Side side = Side::buy;
};

/// Session-level Reject (35=3) or BusinessMessageReject (35=j) of something we sent.
struct MessageReject {
  std::string msg_type;      ///< "3" or "j"
  std::string ref_msg_type;  ///< RefMsgType (372)
  std::string ref_id;        ///< BusinessRejectRefID (379), or RefSeqNum (45) for session rejects
  std::string text;
};

/// An application message that could not be translated (missing or garbled field, or a type
/// fixgate does not handle); the engine raises a break so it is never passed over in silence.
struct Unreadable {
  std::string msg_type;
  std::string problem;  ///< names the tag, e.g. "tag 14 (CumQty): not a decimal: 1e3"
  std::string raw;
};

using Outbound = std::variant<order::NewOrderSingle, order::OrderCancelRequest, order::OrderCancelReplaceRequest,
                              OrderStatusRequest>;
using Inbound = std::variant<order::ExecReport, order::CancelReject, MessageReject, Unreadable>;

}  // namespace fixgate::fix
