// SPDX-License-Identifier: Apache-2.0
#pragma once
// Private to the order component: the helper that applies one broker message to the book, split
// over exec_report.cpp (ExecutionReport, one small function per ExecType), status_report.cpp
// (order status reports), report_checks.cpp (which order a report names, and the numbers it must
// agree with), cancel_reject.cpp and request_end.cpp (session/business rejects, timeouts).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/order/book.hpp"

namespace fixgate::order {

/// Which order an ExecutionReport names, and whether its ids disagree about it.
struct OrderBook::Located {
  std::optional<std::uint32_t> at;  ///< the order it names (by ClOrdID, else OrigClOrdID, else OrderID)
  bool conflict = false;            ///< its ids name different orders, or a ClOrdID fixgate never sent
  std::string problem;              ///< what is wrong with its ids (conflict or an unknown OrigClOrdID)
};

/// Applies one broker message to one book; short-lived, one per message.
class ReportApplier {
 public:
  explicit ReportApplier(OrderBook& book) : book_(book) {}
  /// Applies an ExecutionReport.
  ReportOutcome exec(const ExecReport& r);
  /// Applies an OrderCancelReject.
  ReportOutcome cancel_reject(const CancelReject& r);
  /// Applies a session or business reject of a request.
  ReportOutcome request_reject(const RequestReject& r);
  /// Gives up on an unanswered request.
  ReportOutcome timeout(const RequestTimeout& t);

 private:
  Disposition dispatch(Order& o, const ExecReport& r);
  Disposition on_ack(Order& o, const ExecReport& r);
  Disposition on_pending_ack(Order& o, const ExecReport& r);
  Disposition on_trade(Order& o, const ExecReport& r);
  Disposition on_canceled(Order& o, const ExecReport& r);
  Disposition on_replaced(Order& o, const ExecReport& r);
  Disposition on_late_replaced(Order& o, const ExecReport& r, ChainLink& link);
  Disposition on_rejected(Order& o, const ExecReport& r);
  Disposition on_end(Order& o, const ExecReport& r);
  Disposition on_restated(Order& o, const ExecReport& r);
  Disposition on_status(Order& o, const ExecReport& r);
  Disposition on_trade_bust(Order& o, const ExecReport& r);
  /// Compares a status report with the book; each difference is one phrase of the break.
  std::string status_differences(Order& o, const ExecReport& r);
  void adopt(Order& o, const ExecReport& r, bool may_reopen);
  void resolve_pending(Order& o, bool accepted, LinkState state);
  void resolve_pending(Order& o, bool accepted) {
    resolve_pending(o, accepted, accepted ? LinkState::accepted : LinkState::rejected);
  }
  /// Compares the broker's numbers with the book's after a report was applied.
  void check(Order& o, const ExecReport& r);
  void check_avg_px(Order& o, const ExecReport& r);
  void record(Order& o, const ExecReport& r);
  /// Adds a discrepancy to this message's one break (the first one found gives its kind).
  void raise(BreakKind kind, std::string text);
  ReportOutcome unknown(std::string text);
  /// Applies nothing to the order at `at` and raises `kind`, naming it.
  ReportOutcome refuse(std::uint32_t at, BreakKind kind, std::string text);
  ReportOutcome finish(Disposition disposition);
  Order& bind(std::uint32_t at, std::string_view cl_ord_id);

  OrderBook& book_;
  ReportOutcome out_;
  std::string exec_id_;  // of the report being applied, for its break
  std::uint32_t at_ = 0;
};

/// PendingCancel, PendingReplace, or FIX 4.2's Replaced used as a status.
inline bool is_pending_status(OrdStatus s) {
  return s == OrdStatus::pending_cancel || s == OrdStatus::pending_replace || s == OrdStatus::replaced;
}

/// The plain status an order has once no request is pending: what FIX reports when a cancel or
/// replace is rejected, or when a 4.2 broker says "replaced".
inline OrdStatus settled_status(const Order& o) {
  if (o.cum_qty.is_zero())
    return o.chain.front().state == LinkState::pending ? OrdStatus::pending_new : OrdStatus::new_order;
  if (o.leaves_qty.is_zero() && o.cum_qty >= o.order_qty) return OrdStatus::filled;
  return OrdStatus::partially_filled;
}

/// The link in the order's chain with this ClOrdID, or null (const or not, as the order).
template <class O>
auto* link_of(O& o, std::string_view cl_ord_id) {
  decltype(&o.chain.front()) found = nullptr;
  for (auto& link : o.chain) {
    if (link.cl_ord_id == cl_ord_id) found = &link;
  }
  return found;
}

/// An OrderID that names an order: FIX has brokers send "NONE" for one they do not know.
inline bool is_order_id(std::string_view order_id) { return !order_id.empty() && order_id != "NONE"; }

/// ExecType with FIX 4.2's partial fill and fill folded into Trade.
inline ExecType normalized(ExecType t) {
  return (t == ExecType::partial_fill || t == ExecType::fill) ? ExecType::trade : t;
}

/// Trade and TradeCorrect carry a fill (LastQty at LastPx).
inline bool carries_fill(ExecType t) { return t == ExecType::trade || t == ExecType::trade_correct; }

}  // namespace fixgate::order
