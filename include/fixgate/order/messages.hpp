// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the order book takes in and what it asks to send. Plain structs, no FIX or JSON types:
// the engine maps upstream requests and decoded FIX messages into these, and encodes the commands.
// Every input carries the time the engine took it, because the book never reads a clock.

#include <optional>
#include <string>
#include <variant>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/types.hpp"
#include "fixgate/core/wide_price.hpp"

namespace fixgate::order {

// ---- upstream requests (client → book) ----

/// A new order from an upstream client, already routed to a FIX session by the engine.
struct NewOrderRequest {
  std::string client;           ///< authenticated upstream client name
  std::string client_order_id;  ///< the client's id for this order, unique per client
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  OrdType ord_type = OrdType::limit;
  TimeInForce tif = TimeInForce::day;
  Qty qty;
  std::optional<Price> price;            ///< required for limit and stop_limit, refused for market/stop
  std::optional<Price> stop_price;       ///< required for stop and stop_limit
  std::optional<Timestamp> expire_time;  ///< required for GTD
  std::string session;                   ///< FIX session the engine routed the order to
  Timestamp time;                        ///< when the engine took the request
  std::string exec_inst{};               ///< ExecInst (18), FIX values separated by spaces; empty: none
};

/// A request to cancel the remainder of an order.
struct CancelRequest {
  std::string client;
  std::string client_order_id;       ///< the new id of this cancel request
  std::string orig_client_order_id;  ///< any id the order has carried upstream
  Timestamp time;
};

/// A request to change an order's quantity and/or price.
struct ReplaceRequest {
  std::string client;
  std::string client_order_id;       ///< the new id of the replacement
  std::string orig_client_order_id;  ///< any id the order has carried upstream
  std::optional<Qty> qty;            ///< new total order quantity (including what is filled)
  std::optional<Price> price;        ///< new limit price
  Timestamp time;
};

// ---- broker messages (FIX → book) ----

/// An ExecutionReport (35=8) as decoded from FIX. Unset optional tags are empty strings / zero.
/// Prices are the broker's, read exactly to 18 decimals (WidePrice); quantities are Qty.
struct ExecReport {
  std::string session;
  std::string cl_ord_id;       ///< ClOrdID (11); may be empty on unsolicited reports
  std::string orig_cl_ord_id;  ///< OrigClOrdID (41)
  std::string order_id;        ///< broker OrderID (37)
  std::string exec_id;         ///< ExecID (17)
  std::string exec_ref_id;     ///< ExecRefID (19), for trade cancel / correct
  ExecType exec_type = ExecType::new_order;
  OrdStatus ord_status = OrdStatus::new_order;
  Side side = Side::buy;
  std::string symbol;
  Qty order_qty;
  std::optional<WidePrice> price;  ///< Price (44)
  Qty last_qty;
  WidePrice last_px;  ///< LastPx (31)
  Qty cum_qty;
  Qty leaves_qty;
  WidePrice avg_px;  ///< AvgPx (6)
  bool poss_dup = false;  ///< PossDupFlag (43) or PossResend (97)
  std::string text;
  Timestamp time;
};

/// Which request an OrderCancelReject answers (CxlRejResponseTo, 434).
enum class CxlRejResponseTo : char { cancel = '1', replace = '2' };

/// An OrderCancelReject (35=9) as decoded from FIX.
struct CancelReject {
  std::string session;
  std::string cl_ord_id;       ///< the rejected cancel/replace request's ClOrdID
  std::string orig_cl_ord_id;  ///< the order's ClOrdID the request referred to
  std::string order_id;
  std::optional<OrdStatus> ord_status;  ///< the order's status after the reject, as the broker says
  CxlRejResponseTo response_to = CxlRejResponseTo::cancel;
  std::optional<int> reason;  ///< CxlRejReason (102)
  std::string text;
  Timestamp time;
};

/// A session-level Reject (35=3) or BusinessMessageReject (35=j) of a request fixgate sent, as the
/// engine resolved it: the request's ClOrdID (BusinessRejectRefID, else the ClOrdID of the message
/// sent under RefSeqNum).
struct RequestReject {
  std::string session;
  std::string cl_ord_id;  ///< ClOrdID of the refused NewOrderSingle, cancel or replace
  std::string msg_type;   ///< "3" (session Reject) or "j" (BusinessMessageReject)
  std::string text;       ///< the broker's Text (58), as sent
  Timestamp time;
};

/// The engine's pending-request timer ran out: the request with this ClOrdID had no answer, and
/// the status request sent for it had none either.
struct RequestTimeout {
  std::string cl_ord_id;
  Timestamp time;
};

/// Housekeeping the engine decides (and journals) at a session boundary: drop finished orders.
struct EvictDone {
  Timestamp time;
};

/// Everything the book folds over, in the order the engine took it.
using Input = std::variant<NewOrderRequest, CancelRequest, ReplaceRequest, ExecReport, CancelReject, RequestReject,
                           RequestTimeout, EvictDone>;

// ---- FIX commands (book → broker) ----

/// NewOrderSingle (35=D) to send on `session`.
struct NewOrderSingle {
  std::string session;
  std::string cl_ord_id;
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  OrdType ord_type = OrdType::limit;
  TimeInForce tif = TimeInForce::day;
  Qty order_qty;
  std::optional<Price> price;
  std::optional<Price> stop_price;
  std::optional<Timestamp> expire_time;
  Timestamp transact_time;
  std::string exec_inst{};  ///< ExecInst (18); empty: none
};

/// OrderCancelRequest (35=F) to send on `session`.
struct OrderCancelRequest {
  std::string session;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string order_id;  ///< broker OrderID when known, else empty
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  Qty order_qty;
  Timestamp transact_time;
};

/// OrderCancelReplaceRequest (35=G) to send on `session`: the full order as it should become.
struct OrderCancelReplaceRequest {
  std::string session;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string order_id;
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  OrdType ord_type = OrdType::limit;
  TimeInForce tif = TimeInForce::day;
  Qty order_qty;
  std::optional<Price> price;
  std::optional<Price> stop_price;
  std::optional<Timestamp> expire_time;
  Timestamp transact_time;
  std::string exec_inst{};  ///< ExecInst (18): the order's, restated (a replace that omits it clears it)
};

/// Any command the book asks the engine to send.
using FixCommand = std::variant<NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest>;

}  // namespace fixgate::order
