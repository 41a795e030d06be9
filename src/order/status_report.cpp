// SPDX-License-Identifier: Apache-2.0
// Order status reports (ExecType I; FIX 4.2 ExecTransType 3): the broker's answer to "where does
// this order stand?", sent for fixgate's OrderStatusRequests after a logon or when a request had
// no answer in time. A status report is never deduplicated by ExecID (FIX 4.4 gives every one
// ExecID "0") and never recorded as an execution. Where it agrees with the book nothing changes;
// where it differs the broker's numbers are taken, with one status_mismatch break naming each
// difference: that is what reconciliation is for.

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

namespace {

RequestKind kind_of_pending_status(OrdStatus s) {
  return s == OrdStatus::pending_cancel ? RequestKind::cancel : RequestKind::replace;
}

// Whether the broker's status fits the book's: equal, or showing the cancel/replace fixgate has
// pending (acknowledged or not), or not showing one the broker has not acknowledged yet.
bool status_fits(const Order& o, OrdStatus theirs) {
  if (theirs == o.status) return true;
  if (theirs == OrdStatus::pending_cancel || theirs == OrdStatus::pending_replace)
    return o.pending && o.pending->kind == kind_of_pending_status(theirs);
  return false;
}

}  // namespace

std::string ReportApplier::status_differences(Order& o, const ExecReport& r) {
  std::string diff;
  auto add = [&](std::string text) { diff.append(diff.empty() ? "" : ", ").append(text); };
  if (!status_fits(o, r.ord_status)) add(cat("OrdStatus ", name(r.ord_status), " (book: ", name(o.status), ")"));
  if (r.cum_qty != o.cum_qty) add(cat("CumQty ", r.cum_qty.to_string(), " (book: ", o.cum_qty.to_string(), ")"));
  if (!r.order_qty.is_zero() && r.order_qty != o.order_qty)
    add(cat("OrderQty ", r.order_qty.to_string(), " (book: ", o.order_qty.to_string(), ")"));
  const ChainLink* p = o.pending_link();
  if (p && p->kind == RequestKind::replace && r.cl_ord_id == p->cl_ord_id)
    add(cat("replace ", p->cl_ord_id, " in force (its Replaced report never came)"));
  return diff;
}

Disposition ReportApplier::on_status(Order& o, const ExecReport& r) {
  if (is_order_id(r.order_id) && o.order_id != r.order_id) {
    o.order_id = r.order_id;
    book_.by_order_id_.insert_or_assign(o.order_id, at_);
  }
  const std::string differences = status_differences(o, r);
  if (differences.empty()) {
    // The broker shows the cancel/replace fixgate waits for: it is acknowledged.
    if (o.pending && (r.ord_status == OrdStatus::pending_cancel || r.ord_status == OrdStatus::pending_replace)) {
      o.pending->acknowledged = true;
      o.status = r.ord_status;
    }
    return Disposition::applied;
  }
  raise(BreakKind::status_mismatch, cat("status report for order ", o.cl_ord_id(), " says ", differences,
                                        ": the broker's numbers are taken"));
  const ChainLink* p = o.pending_link();
  if (p && p->kind == RequestKind::replace && r.cl_ord_id == p->cl_ord_id) {
    const auto link = o.pending->link;
    out_.client_order_id = p->client_order_id;
    resolve_pending(o, true);
    o.current = link;
  }
  if (ChainLink& first = o.chain.front(); first.state == LinkState::pending && r.ord_status != OrdStatus::pending_new)
    first.state = r.ord_status == OrdStatus::rejected ? LinkState::rejected : LinkState::accepted;
  if (!r.order_qty.is_zero()) o.order_qty = r.order_qty;
  o.cum_qty = r.cum_qty;
  o.leaves_qty = r.leaves_qty;
  o.avg_px = r.avg_px;
  const OrdStatus theirs = r.ord_status;
  const bool shows_pending = theirs == OrdStatus::pending_cancel || theirs == OrdStatus::pending_replace;
  if (o.pending && shows_pending && o.pending->kind == kind_of_pending_status(theirs)) {
    o.pending->acknowledged = true;
    o.status = theirs;
    return Disposition::applied;
  }
  // The broker shows no request where fixgate has one acknowledged, or one fixgate has none of:
  // the book takes the plain status the broker's numbers give.
  o.status = shows_pending || is_pending_status(theirs) ? settled_status(o) : theirs;
  if (o.pending && (o.pending->acknowledged || is_terminal(theirs))) {
    // A canceled order answers a pending cancel; anything else ends the request unanswered.
    const bool canceled = theirs == OrdStatus::canceled && o.pending->kind == RequestKind::cancel;
    if (canceled) out_.client_order_id = o.pending_link()->client_order_id;
    resolve_pending(o, canceled);
  }
  if (!o.is_live()) o.leaves_qty = Qty{};
  return Disposition::applied;
}

}  // namespace fixgate::order
