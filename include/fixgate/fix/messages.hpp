// SPDX-License-Identifier: Apache-2.0
#pragma once
// What crosses the session layer, as plain value types: the order book's own FIX vocabulary
// (order/messages.hpp) plus the few messages only the session layer deals in. No QuickFIX types.

#include <cstdint>
#include <optional>
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

/// Session-level Reject (35=3) or BusinessMessageReject (35=j) of something fixgate sent. The
/// translation fills the broker's fields; the session layer fills `sent_*` from the message it
/// sent under RefSeqNum (it keeps every sent message for resends), so the engine can resolve the
/// request the reject refers to even without BusinessRejectRefID.
struct MessageReject {
  std::string msg_type;                      ///< "3" or "j"
  std::optional<std::uint64_t> ref_seq_num;  ///< RefSeqNum (45): MsgSeqNum of the rejected message
  std::string ref_msg_type;                  ///< RefMsgType (372), as the broker wrote it
  std::string business_reject_ref_id;        ///< BusinessRejectRefID (379) of a 35=j, when present
  std::optional<int> reason;                 ///< SessionRejectReason (373) / BusinessRejectReason (380)
  std::string text;                          ///< Text (58), as the broker wrote it
  std::string sent_msg_type;   ///< MsgType of the message fixgate sent as RefSeqNum; empty: not known
  std::string sent_cl_ord_id;  ///< its ClOrdID (11); empty when it had none or is not known
};

/// An application message that could not be translated (missing or garbled field, or a type
/// fixgate does not handle); the engine raises a break so it is never passed over in silence.
struct Unreadable {
  std::string msg_type;
  std::string problem;  ///< names the tag, e.g. "tag 14 (CumQty): not a decimal: 1e3"
  std::string raw;
  // The ids that could be read, so the break names the order and the execution.
  std::string cl_ord_id;       ///< ClOrdID (11)
  std::string orig_cl_ord_id;  ///< OrigClOrdID (41)
  std::string order_id;        ///< OrderID (37)
  std::string exec_id;         ///< ExecID (17)
};

using Outbound = std::variant<order::NewOrderSingle, order::OrderCancelRequest, order::OrderCancelReplaceRequest,
                              OrderStatusRequest>;
using Inbound = std::variant<order::ExecReport, order::CancelReject, MessageReject, Unreadable>;

}  // namespace fixgate::fix
