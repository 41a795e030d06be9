// SPDX-License-Identifier: Apache-2.0
#include "sim_broker.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

namespace order_test {

WidePrice SimOrder::avg_px() const {
  double value = 0;
  double filled = 0;
  for (const auto& f : fills) {
    value += static_cast<double>(f.px.units()) / Price::scale * static_cast<double>(f.qty.units()) / Qty::scale;
    filled += static_cast<double>(f.qty.units()) / Qty::scale;
  }
  if (filled == 0) return WidePrice{};
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value / filled);
  return *WidePrice::parse(text);
}

void SimBroker::receive(const FixCommand& command) {
  if (const auto* nos = std::get_if<NewOrderSingle>(&command)) {
    SimOrder o;
    o.current = nos->cl_ord_id;
    o.order_id = "OID-" + nos->cl_ord_id;
    o.qty = nos->order_qty;
    by_cl_ord_id_[o.current] = orders_.size();
    orders_.push_back(std::move(o));
    return;
  }
  std::string cl, orig;
  SimOrder::Pending pending;
  if (const auto* c = std::get_if<OrderCancelRequest>(&command)) {
    cl = c->cl_ord_id;
    orig = c->orig_cl_ord_id;
    pending = {RequestKind::cancel, cl, c->order_qty, false};
  } else {
    const auto& r = std::get<OrderCancelReplaceRequest>(command);
    cl = r.cl_ord_id;
    orig = r.orig_cl_ord_id;
    pending = {RequestKind::replace, cl, r.order_qty, false};
  }
  auto at = by_cl_ord_id_.at(orig);
  by_cl_ord_id_[cl] = at;
  // The book holds one request per order at a time; a broker that saw two would be told so.
  REQUIRE_FALSE(orders_[at].pending.has_value());
  orders_[at].pending = pending;
}

const SimOrder* SimBroker::find(const std::string& cl_ord_id) const {
  auto it = by_cl_ord_id_.find(cl_ord_id);
  return it == by_cl_ord_id_.end() ? nullptr : &orders_[it->second];
}

OrdStatus SimBroker::status_of(const SimOrder& o, bool with_pending) {
  if (o.ended) return *o.ended;
  if (with_pending && o.pending && o.pending->acked)
    return o.pending->kind == RequestKind::cancel ? OrdStatus::pending_cancel : OrdStatus::pending_replace;
  if (o.cum == o.qty) return OrdStatus::filled;
  if (!o.cum.is_zero()) return OrdStatus::partially_filled;
  return o.acked ? OrdStatus::new_order : OrdStatus::pending_new;
}

ExecReport SimBroker::report(SimOrder& o, ExecType type, const std::string& cl_ord_id,
                             const std::string& orig) {
  ExecReport r;
  r.session = "BROKER1";
  r.cl_ord_id = cl_ord_id;
  r.orig_cl_ord_id = orig;
  r.order_id = o.order_id;
  r.exec_id = "X" + std::to_string(++exec_seq_);
  r.exec_type = type;
  r.ord_status = status_of(o);
  r.side = Side::buy;
  r.symbol = "ACME";
  r.order_qty = o.qty;
  r.cum_qty = o.cum;
  r.leaves_qty = o.ended ? Qty{} : o.qty - o.cum;
  r.avg_px = o.avg_px();
  return r;
}

BrokerMessage SimBroker::ack(SimOrder& o) {
  if (pick(0, 9) == 0) {  // the broker refuses the order outright
    o.done = true;
    o.ended = OrdStatus::rejected;
    o.pending.reset();
    return report(o, ExecType::rejected, o.current, "");
  }
  o.acked = true;
  return report(o, ExecType::new_order, o.current, "");
}

BrokerMessage SimBroker::fill(SimOrder& o) {
  Qty q = qty(pick(1, (o.qty - o.cum).units() / Qty::scale));
  o.cum += q;
  auto r = report(o, ExecType::trade, o.current, "");
  r.last_qty = q;
  r.last_px = px(pick(9, 11));
  o.fills.push_back({r.exec_id, q, *r.last_px.to_price()});
  r.avg_px = o.avg_px();
  if (o.cum == o.qty && !o.pending) o.done = true;
  r.leaves_qty = o.qty - o.cum;
  return r;
}

BrokerMessage SimBroker::answer_pending(SimOrder& o) {
  auto& p = *o.pending;
  if (!p.acked && pick(0, 1) == 0) {
    p.acked = true;
    auto type = p.kind == RequestKind::cancel ? ExecType::pending_cancel : ExecType::pending_replace;
    return report(o, type, p.cl_ord_id, o.current);
  }
  bool filled = o.cum == o.qty;
  if (filled || pick(0, 3) == 0) {  // too late, or refused
    CancelReject rej{"BROKER1",
                     p.cl_ord_id,
                     o.current,
                     o.order_id,
                     std::nullopt,
                     p.kind == RequestKind::cancel ? CxlRejResponseTo::cancel : CxlRejResponseTo::replace,
                     0,
                     "refused",
                     {}};
    o.pending.reset();
    rej.ord_status = status_of(o);
    if (o.cum == o.qty) o.done = true;
    return rej;
  }
  auto orig = o.current;
  auto cl = p.cl_ord_id;
  if (p.kind == RequestKind::cancel) {
    o.pending.reset();
    o.done = true;
    o.ended = OrdStatus::canceled;
    return report(o, ExecType::canceled, cl, orig);
  }
  o.qty = std::max(p.qty, o.cum);  // a replace below CumQty is amended to it (Appendix D C.3.c)
  o.current = cl;
  o.pending.reset();
  if (o.cum == o.qty) o.done = true;
  return report(o, ExecType::replaced, cl, orig);
}

BrokerMessage SimBroker::unsolicited(SimOrder& o) {
  auto choice = pick(0, 2);
  if (choice == 2 && o.pending) choice = 0;  // restate only an order with nothing pending
  switch (choice) {
    case 0:
    case 1:
      o.done = true;
      o.ended = choice == 0 ? OrdStatus::canceled : OrdStatus::expired;
      o.pending.reset();
      return report(o, choice == 0 ? ExecType::canceled : ExecType::expired, o.current, "");
    default: {
      // Restatement: the broker reduces the order, never below what is filled.
      o.qty = qty(pick(o.cum.units() / Qty::scale + 1, o.qty.units() / Qty::scale));
      return report(o, ExecType::restated, o.current, "");
    }
  }
}

BrokerMessage SimBroker::bust(SimOrder& o) {
  auto i = static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(o.fills.size()) - 1));
  const std::string ref = o.fills[i].exec_id;
  const Qty q = o.fills[i].qty;
  o.fills.erase(o.fills.begin() + static_cast<std::ptrdiff_t>(i));
  o.cum -= q;
  o.done = false;  // a busted fill reopens a filled order
  auto r = report(o, ExecType::trade_cancel, o.current, "");
  r.exec_ref_id = ref;
  return r;
}

std::optional<BrokerMessage> SimBroker::act() {
  last_resend_ = false;
  if (!sent_.empty() && pick(0, 9) == 0) {  // a resend after reconnect: PossDup, same ExecID
    auto m = sent_[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(sent_.size()) - 1))];
    if (auto* r = std::get_if<ExecReport>(&m)) r->poss_dup = true;
    last_resend_ = true;
    return m;
  }
  std::vector<std::size_t> open;  // orders the broker may still act on; a filled one only by a bust
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    if (!orders_[i].ended) open.push_back(i);
  }
  if (open.empty()) return std::nullopt;
  SimOrder& o = orders_[open[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(open.size()) - 1))]];
  BrokerMessage m;
  auto roll = pick(0, 9);
  if (o.done) {
    if (o.fills.empty() || roll > 1) return std::nullopt;
    m = bust(o);
  } else if (!o.acked)
    m = ack(o);
  else if (o.pending && roll < 4)
    m = answer_pending(o);
  else if (roll < 7 && o.cum < o.qty)
    m = fill(o);
  else if (roll == 7 && !o.fills.empty())
    m = bust(o);
  else if (roll == 8 && !o.pending)
    m = unsolicited(o);
  else if (o.pending)
    m = answer_pending(o);
  else if (o.cum < o.qty)
    m = fill(o);
  else
    return std::nullopt;
  sent_.push_back(m);
  return m;
}

}  // namespace order_test
