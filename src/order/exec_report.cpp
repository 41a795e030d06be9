// SPDX-License-Identifier: Apache-2.0
// ExecutionReports into the book, after FIX 4.4 Volume 4 Appendix D (Order State Change Matrices).
// Three rules keep the books balanced: an ExecID is applied once per order; a late report never
// moves an order back from a later or finished state; the broker's quantities are adopted (it is
// the authority on its own book) but any disagreement with the fills applied raises a break.
// Which order a report names, and what its numbers must agree with, is in report_checks.cpp.

#include <algorithm>

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

namespace {

// Adds (or, with `sign` -1, takes back) a fill's value. A value past 128 bits (a price near 10^20
// times a huge quantity) cannot be summed: the order then has no average of its own to compare.
void add_value(Order& o, WidePrice px, Qty qty, int sign) {
  auto value = wide_value(px, qty);
  Int128 sum = 0;
  if (!value || __builtin_add_overflow(o.fills_value, sign * *value, &sum)) {
    o.fills_value_lost = true;
    return;
  }
  o.fills_value = sum;
}

std::string describe(ExecType type, Qty qty, WidePrice px) {
  return cat(name(type), " ", qty.to_string(), " @ ", px.to_string());
}

}  // namespace

ReportOutcome OrderBook::on_exec_report(const ExecReport& report) {
  return ReportApplier(*this).exec(report);
}

void ReportApplier::raise(BreakKind kind, std::string text) {
  if (!out_.raised) {
    ++book_.counters_.breaks;
    out_.raised = Break{kind, {}, std::move(text), exec_id_};
    return;
  }
  out_.raised->also.push_back(kind);
  out_.raised->text.append("; ").append(text);
}

// A message for no order we know creates nothing: the break is the whole answer (Appendix D E.1.a).
ReportOutcome ReportApplier::unknown(std::string text) {
  ++book_.counters_.unknown;
  out_.disposition = Disposition::unknown_order;
  raise(BreakKind::unknown_order, std::move(text));
  return std::move(out_);
}

ReportOutcome ReportApplier::refuse(std::uint32_t at, BreakKind kind, std::string text) {
  at_ = at;
  out_.order = &book_.orders_[at];
  if (out_.client_order_id.empty()) out_.client_order_id = out_.order->client_order_id();
  raise(kind, std::move(text));
  return finish(Disposition::refused);
}

ReportOutcome ReportApplier::finish(Disposition disposition) {
  out_.disposition = disposition;
  switch (disposition) {
    case Disposition::duplicate: ++book_.counters_.duplicates; break;
    case Disposition::stale: ++book_.counters_.stale; break;
    case Disposition::refused: ++book_.counters_.refused; break;
    case Disposition::unknown_order: ++book_.counters_.unknown; break;
    case Disposition::applied: ++book_.counters_.reports_applied; break;
  }
  return std::move(out_);
}

Order& ReportApplier::bind(std::uint32_t at, std::string_view cl_ord_id) {
  at_ = at;
  Order& o = book_.orders_[at];
  out_.order = &o;
  const ChainLink* link = link_of(o, cl_ord_id);
  out_.client_order_id = link ? link->client_order_id : o.client_order_id();
  return o;
}

ReportOutcome ReportApplier::exec(const ExecReport& r) {
  exec_id_ = r.exec_id;
  const auto located = book_.locate(r);
  if (!located.at)
    return unknown(cat(name(r.exec_type), " report ", r.exec_id, " on session ", r.session,
                       " names no known order (ClOrdID '", r.cl_ord_id, "', OrigClOrdID '", r.orig_cl_ord_id,
                       "', OrderID '", r.order_id, "')"));
  if (located.conflict) return refuse(*located.at, BreakKind::id_conflict, located.problem);
  Order& o = bind(*located.at, r.cl_ord_id);
  if (const ChainLink* orig = r.orig_cl_ord_id.empty() ? nullptr : link_of(o, r.orig_cl_ord_id))
    out_.orig_client_order_id = orig->client_order_id;
  // An order status report (FIX 4.4 ExecID "0") is an answer, not an execution: never deduplicated.
  const bool status = r.exec_type == ExecType::order_status;
  if (!status && !r.exec_id.empty()) {
    if (const ExecRecord* seen = o.find_exec(r.exec_id)) {
      const bool same = seen->exec_type == normalized(r.exec_type) && seen->last_qty == r.last_qty &&
                        seen->last_px == r.last_px;
      if (same) return finish(Disposition::duplicate);
      return refuse(at_, BreakKind::exec_id_conflict,
                    cat("ExecID ", r.exec_id, " on order ", o.cl_ord_id(), " was applied as ",
                        describe(seen->exec_type, seen->last_qty, seen->last_px), "; it comes again as ",
                        describe(normalized(r.exec_type), r.last_qty, r.last_px), ": not applied"));
    }
  }
  if (!located.problem.empty()) raise(BreakKind::unknown_request, located.problem);
  const auto disposition = dispatch(o, r);
  if (disposition != Disposition::applied) {
    // A break found on the way (a request fixgate never sent) stands; the report changes nothing.
    if (out_.raised && disposition == Disposition::stale) return finish(Disposition::refused);
    return finish(disposition);
  }
  if (!status) record(o, r);
  // Point the fill at the order's own copy of the ExecID, so every view in the outcome lives as
  // long as the book is left unchanged, whatever becomes of the caller's report.
  if (out_.fill && !o.execs.empty()) out_.fill->exec_id = o.exec_id(o.execs.back());
  o.updated = r.time;
  check(o, r);
  return finish(Disposition::applied);
}

Disposition ReportApplier::dispatch(Order& o, const ExecReport& r) {
  switch (normalized(r.exec_type)) {
    case ExecType::new_order:
    case ExecType::pending_new:
      return on_ack(o, r);
    case ExecType::pending_cancel:
    case ExecType::pending_replace:
      return on_pending_ack(o, r);
    case ExecType::trade:
      return on_trade(o, r);
    case ExecType::canceled:
      return on_canceled(o, r);
    case ExecType::replaced:
      return on_replaced(o, r);
    case ExecType::rejected:
      return on_rejected(o, r);
    case ExecType::done_for_day:
    case ExecType::expired:
    case ExecType::stopped:
    case ExecType::suspended:
      return on_end(o, r);
    case ExecType::restated:
      return on_restated(o, r);
    case ExecType::trade_cancel:
    case ExecType::trade_correct:
      return on_trade_bust(o, r);
    case ExecType::order_status:
      return on_status(o, r);
    case ExecType::calculated:
    case ExecType::partial_fill:
    case ExecType::fill:
      break;
  }
  // Calculated changes nothing (it only settles commission); check() still compares its numbers.
  return Disposition::applied;
}

// Takes the broker's view of the order, with two exceptions that keep a late or wrong report from
// undoing what is known: CumQty goes down only through a TradeCancel/TradeCorrect (check() raises
// the disagreement), and only busts and accepted replaces (`may_reopen`) move a finished order
// back to live. A late report's status is the one its kept quantities give, so a late Replaced
// never reopens an order filled meanwhile.
void ReportApplier::adopt(Order& o, const ExecReport& r, bool may_reopen) {
  if (is_order_id(r.order_id) && o.order_id != r.order_id) {
    o.order_id = r.order_id;
    book_.by_order_id_.insert_or_assign(o.order_id, at_);
  }
  bool bust = r.exec_type == ExecType::trade_cancel || r.exec_type == ExecType::trade_correct;
  bool keep_cum = r.cum_qty < o.cum_qty && !bust;
  OrdStatus next = r.ord_status;
  if (keep_cum) {
    if (next == OrdStatus::new_order || next == OrdStatus::partially_filled)
      next = o.cum_qty >= o.order_qty ? OrdStatus::filled : OrdStatus::partially_filled;
  } else {
    o.cum_qty = r.cum_qty;
    o.leaves_qty = r.leaves_qty;
    o.avg_px = r.avg_px;
  }
  if (is_pending_status(next) && !o.pending) next = settled_status(o);
  // An acknowledged cancel/replace outranks new and partially filled (FIX OrdStatus precedence):
  // a report saying otherwise was sent before the acknowledgement.
  bool plain = next == OrdStatus::new_order || next == OrdStatus::partially_filled;
  if (plain && o.pending && o.pending->acknowledged)
    next = o.pending->kind == RequestKind::cancel ? OrdStatus::pending_cancel : OrdStatus::pending_replace;
  if (!o.is_live() && !is_terminal(next) && !may_reopen) return;
  o.status = next;
  if (keep_cum) o.leaves_qty = o.is_live() && o.cum_qty < o.order_qty ? o.order_qty - o.cum_qty : Qty{};
  // A canceled, rejected or expired order takes no request any more; a filled one keeps its
  // pending replace, which the broker still answers (Appendix D C.1.c, C.3.b).
  if (o.is_ended() && o.pending) resolve_pending(o, false);
}

void ReportApplier::resolve_pending(Order& o, bool accepted, LinkState state) {
  ChainLink& link = o.chain[o.pending->link];
  link.state = state;
  out_.resolved = Resolution{link.kind, link.client_order_id, accepted};
  o.pending.reset();
}

Disposition ReportApplier::on_ack(Order& o, const ExecReport& r) {
  if (o.status != OrdStatus::pending_new) return Disposition::stale;
  if (r.exec_type != ExecType::pending_new) o.chain.front().state = LinkState::accepted;
  adopt(o, r, false);
  return Disposition::applied;
}

Disposition ReportApplier::on_pending_ack(Order& o, const ExecReport& r) {
  auto kind = r.exec_type == ExecType::pending_cancel ? RequestKind::cancel : RequestKind::replace;
  const ChainLink* p = o.pending_link();
  if (!p || p->kind != kind || (!r.cl_ord_id.empty() && p->cl_ord_id != r.cl_ord_id)) {
    // The request it acknowledges was already answered: the acknowledgement is late. One fixgate
    // never sent is a break.
    const ChainLink* link = link_of(o, r.cl_ord_id);
    if (r.cl_ord_id.empty() || (link && link->kind == kind)) return Disposition::stale;
    raise(BreakKind::unknown_request, cat(name(r.exec_type), " report ", r.exec_id, " for order ", o.cl_ord_id(),
                                          " acknowledges a ", name(kind), " under ClOrdID '", r.cl_ord_id,
                                          "', which fixgate never sent: not applied"));
    return Disposition::stale;
  }
  o.pending->acknowledged = true;
  out_.client_order_id = p->client_order_id;
  // A filled order pending an upward replace shows PendingReplace (C.1.c); a pending cancel
  // cannot reopen a filled order.
  adopt(o, r, kind == RequestKind::replace);
  return Disposition::applied;
}

Disposition ReportApplier::on_trade(Order& o, const ExecReport& r) {
  // A fill is money that changed hands: never ignored as stale, only flagged. After the order
  // ended it is expected only as the re-execution of a busted fill (Appendix D J.1.b).
  bool rebooking = std::ranges::any_of(o.execs, [](const ExecRecord& e) { return e.busted; });
  if (o.is_ended() && !rebooking)
    raise(BreakKind::unexpected_state,
          cat("fill ", r.exec_id, " of ", r.last_qty.to_string(), " @ ", r.last_px.to_string(), " on order ",
              o.cl_ord_id(), " which is already ", name(o.status)));
  o.fills_qty += r.last_qty;
  add_value(o, r.last_px, r.last_qty, 1);
  out_.fill = Fill{r.exec_id, r.last_qty, r.last_px};
  if (o.fills_qty > o.order_qty)
    raise(BreakKind::overfill,
          cat("fill ", r.exec_id, " of ", r.last_qty.to_string(), " takes order ", o.cl_ord_id(), " to ",
              o.fills_qty.to_string(), " filled of ", o.order_qty.to_string()));
  if (o.status == OrdStatus::pending_new) o.chain.front().state = LinkState::accepted;
  adopt(o, r, false);
  return Disposition::applied;
}

Disposition ReportApplier::on_canceled(Order& o, const ExecReport& r) {
  if (!o.is_live()) return Disposition::stale;
  if (const ChainLink* p = o.pending_link()) {
    // An unsolicited cancel still answers a pending cancel (the client got what it asked for),
    // while a pending replace can no longer happen.
    bool accepted = p->kind == RequestKind::cancel;
    if (accepted) out_.client_order_id = p->client_order_id;
    resolve_pending(o, accepted);
  }
  adopt(o, r, false);
  if (o.is_live()) o.status = OrdStatus::canceled;  // ExecType 4 ends the order whatever 39 says
  o.leaves_qty = Qty{};
  return Disposition::applied;
}

Disposition ReportApplier::on_replaced(Order& o, const ExecReport& r) {
  const ChainLink* p = o.pending_link();
  if (!p || p->kind != RequestKind::replace || p->cl_ord_id != r.cl_ord_id) {
    ChainLink* link = link_of(o, r.cl_ord_id);
    if (link && link->kind == RequestKind::replace) {
      // A replace already answered: a late report, unless fixgate had given up waiting for it.
      if (link->state == LinkState::timed_out) return on_late_replaced(o, r, *link);
      return Disposition::stale;
    }
    // The broker's book changed all the same: a live order takes it as a restatement.
    raise(BreakKind::unknown_request,
          cat("Replaced report ", r.exec_id, " for order ", o.cl_ord_id(), " under ClOrdID '", r.cl_ord_id,
              "': fixgate sent no replace under it", o.is_live() ? "; applied as a restatement" : ": not applied"));
    return on_restated(o, r);
  }
  PendingRequest req = *o.pending;
  out_.client_order_id = p->client_order_id;
  resolve_pending(o, true);
  o.current = req.link;
  // The broker may amend the requested qty (down to CumQty, Appendix D C.3.c): its figure stands.
  o.order_qty = r.order_qty.is_zero() ? req.qty.value_or(o.order_qty) : r.order_qty;
  if (auto broker_price = r.price ? r.price->to_price() : std::nullopt)
    o.price = broker_price;
  else if (req.price)
    o.price = req.price;
  adopt(o, r, true);
  return Disposition::applied;
}

// The broker replaced the order after fixgate gave up waiting and told the client the replace was
// refused: the broker's book stands, and a person must know the client was told otherwise.
Disposition ReportApplier::on_late_replaced(Order& o, const ExecReport& r, ChainLink& link) {
  raise(BreakKind::unexpected_state,
        cat("Replaced report ", r.exec_id, " for order ", o.cl_ord_id(), " answers replace ", link.cl_ord_id,
            " after fixgate stopped waiting for it (client ", link.client_order_id, " was told it was refused): applied"));
  link.state = LinkState::accepted;
  out_.client_order_id = link.client_order_id;
  o.current = static_cast<std::uint16_t>(&link - o.chain.data());
  if (!r.order_qty.is_zero()) o.order_qty = r.order_qty;
  if (auto broker_price = r.price ? r.price->to_price() : std::nullopt) o.price = broker_price;
  adopt(o, r, true);
  return Disposition::applied;
}

Disposition ReportApplier::on_rejected(Order& o, const ExecReport& r) {
  if (!o.is_live()) return Disposition::stale;
  if (o.status != OrdStatus::pending_new) {
    // The broker acknowledged this order already, so the reject answers something else (a
    // duplicate ClOrdID, Appendix D F.1): the order stands and a person looks at why.
    raise(BreakKind::unexpected_state,
          cat("Rejected report ", r.exec_id, " for order ", o.cl_ord_id(),
              " which the broker already accepted as ", name(o.status), ": ", r.text));
    return Disposition::applied;
  }
  o.chain.front().state = LinkState::rejected;
  if (o.pending) resolve_pending(o, false);
  adopt(o, r, false);
  o.status = OrdStatus::rejected;
  o.leaves_qty = Qty{};
  return Disposition::applied;
}

// DoneForDay, Expired, Stopped, Suspended: the broker changes the order's status on its own.
Disposition ReportApplier::on_end(Order& o, const ExecReport& r) {
  if (!o.is_live()) return Disposition::stale;
  adopt(o, r, false);
  return Disposition::applied;
}

Disposition ReportApplier::on_restated(Order& o, const ExecReport& r) {
  if (!o.is_live()) return Disposition::stale;
  if (!r.order_qty.is_zero()) o.order_qty = r.order_qty;
  if (auto broker_price = r.price ? r.price->to_price() : std::nullopt) o.price = broker_price;
  adopt(o, r, false);
  return Disposition::applied;
}

// TradeCancel takes a fill back; TradeCorrect replaces it with the report's LastQty/LastPx. Both
// may reopen a filled order: the only way CumQty goes down (Appendix D J).
Disposition ReportApplier::on_trade_bust(Order& o, const ExecReport& r) {
  auto ref = std::ranges::find_if(o.execs, [&](const ExecRecord& e) {
    return carries_fill(e.exec_type) && !e.busted && o.exec_id(e) == r.exec_ref_id;
  });
  if (ref != o.execs.end()) {
    ref->busted = true;
    o.fills_qty -= ref->last_qty;
    add_value(o, ref->last_px, ref->last_qty, -1);
  } else {
    raise(BreakKind::unknown_exec_ref,
          cat(name(r.exec_type), " ", r.exec_id, " on order ", o.cl_ord_id(), " refers to ExecID '",
              r.exec_ref_id, "', which is no live fill of it"));
  }
  if (r.exec_type == ExecType::trade_correct) {
    o.fills_qty += r.last_qty;
    add_value(o, r.last_px, r.last_qty, 1);
    out_.fill = Fill{r.exec_id, r.last_qty, r.last_px};
  }
  adopt(o, r, true);
  return Disposition::applied;
}

// Every execution applied keeps its ExecID, type, LastQty and LastPx: a repeat must match them
// exactly to be a duplicate, and a bust takes the fill back exactly.
void ReportApplier::record(Order& o, const ExecReport& r) {
  if (r.exec_id.empty()) return;  // nothing to deduplicate against; FIX requires ExecID anyway
  auto size = std::min<std::size_t>(r.exec_id.size(), UINT16_MAX);
  o.execs.push_back(ExecRecord{static_cast<std::uint32_t>(o.exec_ids.size()), static_cast<std::uint16_t>(size),
                               normalized(r.exec_type), false, r.last_qty, r.last_px});
  o.exec_ids.append(r.exec_id, 0, size);
}

}  // namespace fixgate::order
