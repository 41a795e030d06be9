// ExecutionReports into the book, after FIX 4.4 Volume 4 Appendix D (Order State Change Matrices).
// Three rules keep the books balanced: an ExecID is applied once per order; a late report never
// moves an order back from a later or finished state; the broker's quantities are adopted (it is
// the authority on its own book) but any disagreement with the fills applied raises a break.

#include <algorithm>

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

namespace {

ExecType normalized(ExecType t) {
  return (t == ExecType::partial_fill || t == ExecType::fill) ? ExecType::trade : t;
}

bool carries_fill(ExecType t) { return t == ExecType::trade || t == ExecType::trade_correct; }

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

}  // namespace

std::optional<std::uint32_t> OrderBook::locate(const ExecReport& r) const {
  if (auto at = lookup_cl_ord_id(r.cl_ord_id)) return at;
  if (auto at = lookup_cl_ord_id(r.orig_cl_ord_id)) return at;
  return lookup(by_order_id_, r.order_id);
}

ReportOutcome OrderBook::on_exec_report(const ExecReport& report) {
  return ReportApplier(*this).exec(report);
}

void ReportApplier::raise(BreakKind kind, std::string text) {
  ++book_.counters_.breaks;
  out_.breaks.push_back(Break{kind, std::move(text)});
}

// A message for no order we know creates nothing: the break is the whole answer (Appendix D E.1.a).
ReportOutcome ReportApplier::unknown(std::string text) {
  ++book_.counters_.unknown;
  out_.disposition = Disposition::unknown_order;
  raise(BreakKind::unknown_order, std::move(text));
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
  auto at = book_.locate(r);
  if (!at)
    return unknown(cat(name(r.exec_type), " report ", r.exec_id, " on session ", r.session,
                       " names no known order (ClOrdID '", r.cl_ord_id, "', OrigClOrdID '", r.orig_cl_ord_id,
                       "', OrderID '", r.order_id, "')"));
  Order& o = bind(*at, r.cl_ord_id);
  if (!r.exec_id.empty() && o.has_exec(r.exec_id)) {
    ++book_.counters_.duplicates;
    out_.disposition = Disposition::duplicate;
    return std::move(out_);
  }
  out_.disposition = dispatch(o, r);
  if (out_.disposition == Disposition::stale) {
    ++book_.counters_.stale;
    return std::move(out_);
  }
  record(o, r);
  // Point the fill at the order's own copy of the ExecID, so every view in the outcome lives as
  // long as the book is left unchanged, whatever becomes of the caller's report.
  if (out_.fill && !o.execs.empty()) out_.fill->exec_id = o.exec_id(o.execs.back());
  o.updated = r.time;
  check(o, r);
  ++book_.counters_.reports_applied;
  return std::move(out_);
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
  // OrderStatus and Calculated change nothing (a fill may still be in flight behind a status
  // answer; Calculated only settles commission); check() still compares their quantities.
  return Disposition::applied;
}

// Takes the broker's view of the order, with two exceptions that keep a late or wrong report from
// undoing what is known: CumQty goes down only through a TradeCancel/TradeCorrect (check() raises
// the disagreement), and only busts and accepted replaces (`may_reopen`) move a finished order
// back to live.
void ReportApplier::adopt(Order& o, const ExecReport& r, bool may_reopen) {
  if (!r.order_id.empty() && o.order_id != r.order_id) {
    o.order_id = r.order_id;
    book_.by_order_id_.insert_or_assign(o.order_id, at_);
  }
  bool bust = r.exec_type == ExecType::trade_cancel || r.exec_type == ExecType::trade_correct;
  bool keep_cum = r.cum_qty < o.cum_qty && !bust;
  OrdStatus next = r.ord_status;
  if (keep_cum) {
    if (next == OrdStatus::new_order) next = OrdStatus::partially_filled;
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

void ReportApplier::resolve_pending(Order& o, bool accepted) {
  ChainLink& link = o.chain[o.pending->link];
  link.state = accepted ? LinkState::accepted : LinkState::rejected;
  out_.resolved = Resolution{link.kind, link.client_order_id, accepted};
  o.pending.reset();
}

// A status answer changes nothing while the order is live on both sides (a fill may still be in
// flight behind it). When the broker says it has ended — rejected as unknown after a crash lost
// the NewOrderSingle, canceled or filled while the line was down — the broker's word is taken and
// the difference raised: that is what reconciliation after a logon is for.
Disposition ReportApplier::on_status(Order& o, const ExecReport& r) {
  if (!o.is_live() || !is_terminal(r.ord_status)) return Disposition::applied;
  raise(BreakKind::unexpected_state, cat("broker reports order ", o.cl_ord_id(), " ", name(r.ord_status),
                                         " while the book has it ", name(o.status)));
  if (o.status == OrdStatus::pending_new && r.ord_status != OrdStatus::rejected) o.chain.front().state = LinkState::accepted;
  adopt(o, r, false);
  return Disposition::applied;
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
  // No matching request outstanding: it was already answered, so this acknowledgement is late.
  if (!p || p->kind != kind || (!r.cl_ord_id.empty() && p->cl_ord_id != r.cl_ord_id))
    return Disposition::stale;
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
    const ChainLink* link = link_of(o, r.cl_ord_id);
    if (!o.is_live() || (link && link->state != LinkState::pending)) return Disposition::stale;
    raise(BreakKind::unexpected_state,
          cat("Replaced report ", r.exec_id, " for order ", o.cl_ord_id(),
              " with no replace pending under ClOrdID '", r.cl_ord_id, "'; applied as a restatement"));
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

void ReportApplier::record(Order& o, const ExecReport& r) {
  if (r.exec_id.empty()) return;  // nothing to deduplicate against; FIX requires ExecID anyway
  ExecType type = normalized(r.exec_type);
  bool fill = carries_fill(type);
  auto size = std::min<std::size_t>(r.exec_id.size(), UINT16_MAX);
  o.execs.push_back(ExecRecord{static_cast<std::uint32_t>(o.exec_ids.size()),
                               static_cast<std::uint16_t>(size), type, false, fill ? r.last_qty : Qty{},
                               fill ? r.last_px : WidePrice{}});
  o.exec_ids.append(r.exec_id, 0, size);
}

// Compares the broker's numbers with ours. A standing CumQty discrepancy is raised once, when it
// appears or changes, so one broker mistake gives one break rather than one per later report.
void ReportApplier::check(Order& o, const ExecReport& r) {
  Qty discrepancy = r.cum_qty - o.fills_qty;
  if (discrepancy != o.cum_discrepancy) {
    o.cum_discrepancy = discrepancy;
    if (!discrepancy.is_zero())
      raise(BreakKind::cum_qty_mismatch,
            cat("report ", r.exec_id, " on order ", o.cl_ord_id(), " says CumQty ", r.cum_qty.to_string(),
                " but the fills applied sum to ", o.fills_qty.to_string()));
  }
  if (o.is_live() && r.exec_type != ExecType::order_status && o.leaves_qty + o.cum_qty != o.order_qty)
    raise(BreakKind::leaves_qty_mismatch,
          cat("report ", r.exec_id, " on order ", o.cl_ord_id(), ": LeavesQty ", o.leaves_qty.to_string(),
              " + CumQty ", o.cum_qty.to_string(), " is not OrderQty ", o.order_qty.to_string()));
  if (r.side != o.side || (!r.symbol.empty() && r.symbol != o.symbol) ||
      (!r.session.empty() && r.session != o.session))
    raise(BreakKind::field_mismatch,
          cat("report ", r.exec_id, " on session ", r.session, " for order ", o.cl_ord_id(), " says ",
              name(r.side), " ", r.symbol, "; the order is ", name(o.side), " ", o.symbol, " on session ",
              o.session));
}

}  // namespace fixgate::order
