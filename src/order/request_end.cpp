// SPDX-License-Identifier: Apache-2.0
// Requests that end without an ExecutionReport or OrderCancelReject: a session-level Reject or a
// BusinessMessageReject of the message (the engine resolves which request it refers to), or no
// answer at all within the pending-request timeout. Either way the request reaches an end, so no
// order is left waiting for an answer that will never come. Also the message to send again for a
// request that never went out before a crash.

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

namespace {

std::string_view message_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::new_order: return "NewOrderSingle";
    case RequestKind::cancel: return "OrderCancelRequest";
    case RequestKind::replace: return "OrderCancelReplaceRequest";
  }
  return "request";
}

std::string_view reject_name(std::string_view msg_type) {
  return msg_type == "3" ? "session Reject" : "BusinessMessageReject";
}

}  // namespace

ReportOutcome OrderBook::on_request_reject(const RequestReject& reject) {
  return ReportApplier(*this).request_reject(reject);
}

ReportOutcome OrderBook::on_timeout(const RequestTimeout& timeout) { return ReportApplier(*this).timeout(timeout); }

ReportOutcome ReportApplier::request_reject(const RequestReject& r) {
  const auto at = book_.lookup_cl_ord_id(r.cl_ord_id);
  if (!at)
    return unknown(cat(reject_name(r.msg_type), " on session ", r.session, " refuses ClOrdID '", r.cl_ord_id,
                       "', which names no known order: ", r.text));
  Order& o = bind(*at, r.cl_ord_id);
  ChainLink& link = *link_of(o, r.cl_ord_id);
  if (link.state == LinkState::rejected || link.state == LinkState::timed_out) return finish(Disposition::duplicate);
  if (link.state == LinkState::accepted)
    return refuse(*at, BreakKind::message_reject,
                  cat(reject_name(r.msg_type), " on session ", r.session, " refuses ", message_name(link.kind), " ",
                      link.cl_ord_id, " of order ", o.cl_ord_id(), ", which the broker had accepted: ", r.text));
  if (link.kind == RequestKind::new_order) {
    // The broker never took the order: it is rejected, and a cancel pending on it with it.
    link.state = LinkState::rejected;
    out_.order_refused = true;
    if (o.pending) resolve_pending(o, false);
    o.status = OrdStatus::rejected;
    o.leaves_qty = Qty{};
  } else {
    resolve_pending(o, false);
    if (is_pending_status(o.status)) o.status = settled_status(o);
  }
  o.updated = r.time;
  return finish(Disposition::applied);
}

ReportOutcome ReportApplier::timeout(const RequestTimeout& t) {
  const auto at = book_.lookup_cl_ord_id(t.cl_ord_id);
  if (!at) return finish(Disposition::stale);  // evicted meanwhile
  Order& o = bind(*at, t.cl_ord_id);
  ChainLink& link = *link_of(o, t.cl_ord_id);
  if (link.state != LinkState::pending) return finish(Disposition::stale);  // answered meanwhile
  const std::string what = cat(message_name(link.kind), " ", link.cl_ord_id, " of order ", o.cl_ord_id());
  if (link.kind == RequestKind::new_order) {
    // The broker may hold the order: it stays pending new for a person to settle (or a cancel).
    raise(BreakKind::request_timeout,
          cat("no answer to ", what, ", nor to a status request for it: the order stays pending new"));
  } else {
    raise(BreakKind::request_timeout, cat("no answer to ", what, ", nor to a status request for it: treated as refused;",
                                          " a late answer is still applied"));
    resolve_pending(o, false, LinkState::timed_out);
    if (is_pending_status(o.status)) o.status = settled_status(o);
  }
  o.updated = t.time;
  return finish(Disposition::applied);
}

std::optional<FixCommand> OrderBook::resend(std::string_view cl_ord_id, Timestamp now) const {
  const auto at = lookup_cl_ord_id(cl_ord_id);
  if (!at) return std::nullopt;
  const Order& o = orders_[*at];
  const ChainLink* link = link_of(o, cl_ord_id);
  if (link->state != LinkState::pending) return std::nullopt;
  if (link->kind == RequestKind::new_order) {
    if (o.status != OrdStatus::pending_new) return std::nullopt;
    NewOrderSingle order;
    order.session = o.session;
    order.cl_ord_id = link->cl_ord_id;
    order.account = o.account;
    order.symbol = o.symbol;
    order.side = o.side;
    order.ord_type = o.ord_type;
    order.tif = o.tif;
    order.order_qty = o.order_qty;
    order.price = o.price;
    order.stop_price = o.stop_price;
    order.expire_time = o.expire_time;
    order.exec_inst = o.exec_inst.to_string();
    order.transact_time = now;
    return order;
  }
  if (o.pending_link() != link) return std::nullopt;
  const std::string& orig = o.cl_ord_id();
  if (link->kind == RequestKind::cancel)
    return OrderCancelRequest{o.session, link->cl_ord_id, orig, o.order_id, o.account, o.symbol, o.side,
                              o.order_qty, now};
  return OrderCancelReplaceRequest{o.session,     link->cl_ord_id,
                                   orig,          o.order_id,
                                   o.account,     o.symbol,
                                   o.side,        o.ord_type,
                                   o.tif,         o.pending->qty.value_or(o.order_qty),
                                   o.pending->price ? o.pending->price : o.price,
                                   o.stop_price,  o.expire_time,
                                   now,           o.exec_inst.to_string()};
}

}  // namespace fixgate::order
