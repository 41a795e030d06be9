// SPDX-License-Identifier: Apache-2.0
// OrderCancelReject: the pending cancel/replace is refused and the order returns to where it was.
// Cancel rejects carry no ExecID, so a resend is recognised by the request already being answered.
// A cancel reject for a request fixgate never sent is a break and changes nothing.

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

ReportOutcome OrderBook::on_cancel_reject(const CancelReject& reject) {
  return ReportApplier(*this).cancel_reject(reject);
}

ReportOutcome ReportApplier::cancel_reject(const CancelReject& r) {
  auto at = book_.lookup_cl_ord_id(r.cl_ord_id);
  if (!at) at = book_.lookup_cl_ord_id(r.orig_cl_ord_id);
  if (!at && is_order_id(r.order_id)) at = book_.lookup(book_.by_order_id_, r.order_id);
  if (!at)
    return unknown(cat("OrderCancelReject on session ", r.session, " names no known order (ClOrdID '",
                       r.cl_ord_id, "', OrigClOrdID '", r.orig_cl_ord_id, "')"));
  Order& o = bind(*at, r.cl_ord_id);
  const ChainLink* link = link_of(o, r.cl_ord_id);
  const ChainLink* p = o.pending_link();
  if (!link || link->kind == RequestKind::new_order)
    return refuse(*at, BreakKind::unknown_request,
                  cat("OrderCancelReject for ClOrdID '", r.cl_ord_id, "' on order ", o.cl_ord_id(),
                      ": fixgate sent no cancel or replace under that ClOrdID (", r.text, ")"));
  if (!p || p != link) {
    // Already answered: a resend of this reject, or a reject that lost the race with the answer.
    bool resent = link->state == LinkState::rejected || link->state == LinkState::timed_out;
    return finish(resent ? Disposition::duplicate : Disposition::stale);
  }
  auto answered = p->kind == RequestKind::cancel ? CxlRejResponseTo::cancel : CxlRejResponseTo::replace;
  if (r.response_to != answered || (!r.session.empty() && r.session != o.session))
    raise(BreakKind::field_mismatch,
          cat("cancel reject for ", r.cl_ord_id, " on session ", r.session, " answers a ", name(p->kind),
              " sent on session ", o.session, " but says otherwise (CxlRejResponseTo / session)"));
  resolve_pending(o, false);
  if (is_pending_status(o.status) || o.status == OrdStatus::pending_new) o.status = settled_status(o);
  // A cancel reject is no execution report: a final status it names that ours lacks (too late to
  // cancel: filled) is not adopted but flagged, since the report that got the order there should
  // have come first (Appendix D B.1.c, C.2.a). "Rejected" for an order not yet acknowledged only
  // means the broker has not seen it yet (B.1.d, B.1.f).
  bool unseen = r.ord_status == OrdStatus::rejected && o.status == OrdStatus::pending_new;
  if (r.ord_status && *r.ord_status != o.status && is_terminal(*r.ord_status) &&
      !is_pending_status(*r.ord_status) && !unseen)
    raise(BreakKind::unexpected_state,
          cat("cancel reject for ", r.cl_ord_id, " says order ", o.cl_ord_id(), " is ", name(*r.ord_status),
              " but its reports make it ", name(o.status)));
  o.updated = r.time;
  return finish(Disposition::applied);
}

}  // namespace fixgate::order
