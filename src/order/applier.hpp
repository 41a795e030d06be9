#pragma once
// Private to the order component: the helper that applies one broker message to the book, split
// over exec_report.cpp (ExecutionReport, one small function per ExecType) and cancel_reject.cpp.

#include <cstdint>
#include <string>
#include <string_view>

#include "fixgate/order/book.hpp"

namespace fixgate::order {

/// Applies one broker message to one book; short-lived, one per message.
class ReportApplier {
 public:
  explicit ReportApplier(OrderBook& book) : book_(book) {}
  /// Applies an ExecutionReport.
  ReportOutcome exec(const ExecReport& r);
  /// Applies an OrderCancelReject.
  ReportOutcome cancel_reject(const CancelReject& r);

 private:
  Disposition dispatch(Order& o, const ExecReport& r);
  Disposition on_ack(Order& o, const ExecReport& r);
  Disposition on_pending_ack(Order& o, const ExecReport& r);
  Disposition on_trade(Order& o, const ExecReport& r);
  Disposition on_canceled(Order& o, const ExecReport& r);
  Disposition on_replaced(Order& o, const ExecReport& r);
  Disposition on_rejected(Order& o, const ExecReport& r);
  Disposition on_end(Order& o, const ExecReport& r);
  Disposition on_restated(Order& o, const ExecReport& r);
  Disposition on_status(Order& o, const ExecReport& r);
  Disposition on_trade_bust(Order& o, const ExecReport& r);
  void adopt(Order& o, const ExecReport& r, bool may_reopen);
  void resolve_pending(Order& o, bool accepted);
  void check(Order& o, const ExecReport& r);
  void record(Order& o, const ExecReport& r);
  void raise(BreakKind kind, std::string text);
  ReportOutcome unknown(std::string text);
  Order& bind(std::uint32_t at, std::string_view cl_ord_id);

  OrderBook& book_;
  ReportOutcome out_;
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

/// The link in the order's chain with this ClOrdID, or null.
inline const ChainLink* link_of(const Order& o, std::string_view cl_ord_id) {
  for (const ChainLink& link : o.chain) {
    if (link.cl_ord_id == cl_ord_id) return &link;
  }
  return nullptr;
}

}  // namespace fixgate::order
