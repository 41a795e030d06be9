// SPDX-License-Identifier: Apache-2.0
// What an ExecutionReport is checked against: the order its ids name (all of them must name the
// same one, and a ClOrdID must be one fixgate sent), and, once applied, the book's own numbers:
// the fills applied (CumQty, AvgPx), the order quantity (LeavesQty), side, symbol and session.

#include "applier.hpp"
#include "text.hpp"

namespace fixgate::order {
using detail::cat;

// ClOrdID decides, then OrigClOrdID, then OrderID (a report with no ClOrdID: unsolicited). A
// ClOrdID fixgate never sent, or ids that name two different orders, match nothing: such a report
// is applied to no order, even when one of its ids is ours.
OrderBook::Located OrderBook::locate(const ExecReport& r) const {
  Located out;
  const auto cl = lookup_cl_ord_id(r.cl_ord_id);
  const auto orig = lookup_cl_ord_id(r.orig_cl_ord_id);
  out.at = cl ? cl : orig;
  // The OrderID the named order already has needs no lookup (this runs on every report).
  const std::string_view order_id = is_order_id(r.order_id) ? std::string_view(r.order_id) : std::string_view();
  const bool known_order_id = out.at && orders_[*out.at].order_id == order_id;
  const auto by_order_id = known_order_id ? out.at : lookup(by_order_id_, order_id);
  if (!out.at) out.at = by_order_id;
  if (!out.at) return out;
  // Built only for a problem: this runs on every report.
  auto report = [&] { return cat(name(r.exec_type), " report ", r.exec_id, " on session ", r.session); };
  auto order_name = [&](std::uint32_t at) { return orders_[at].cl_ord_id(); };
  if (!r.cl_ord_id.empty() && !cl) {
    out.conflict = true;
    out.problem = cat(report(), " names ClOrdID '", r.cl_ord_id, "', which fixgate never sent, with the ",
                      orig ? "OrigClOrdID" : "OrderID", " of order ", order_name(*out.at), ": applied to no order");
  } else if (cl && orig && *cl != *orig) {
    out.conflict = true;
    out.problem = cat(report(), ": ClOrdID ", r.cl_ord_id, " is order ", order_name(*cl), "'s but OrigClOrdID ",
                      r.orig_cl_ord_id, " is order ", order_name(*orig), "'s: applied to no order");
  } else if (by_order_id && *by_order_id != *out.at) {
    out.conflict = true;
    out.problem = cat(report(), ": ", cl || orig ? "ClOrdID" : "OrigClOrdID", " names order ", order_name(*out.at),
                      " but OrderID ", r.order_id, " is order ", order_name(*by_order_id), "'s: applied to no order");
  } else if (!r.orig_cl_ord_id.empty() && !orig) {
    out.conflict = !cl;
    out.problem = cat(report(), " names OrigClOrdID '", r.orig_cl_ord_id, "', which fixgate never sent for order ",
                      order_name(*out.at), cl ? "" : ": applied to no order");
  }
  return out;
}

// Compares the broker's numbers with ours. The CumQty the fills must add up to is the one the
// order keeps: the report's own, or, after a late report (its CumQty below what the order already
// keeps: adopt() never lowers it), the order's, so a late fill that closes a gap closes it rather
// than opening a second one. A standing discrepancy is raised once, when it appears or changes,
// so one broker mistake gives one break rather than one per later report.
void ReportApplier::check(Order& o, const ExecReport& r) {
  const Qty discrepancy = o.cum_qty - o.fills_qty;
  if (discrepancy != o.cum_discrepancy) {
    o.cum_discrepancy = discrepancy;
    if (!discrepancy.is_zero())
      raise(BreakKind::cum_qty_mismatch,
            cat("report ", r.exec_id, " on order ", o.cl_ord_id(), " says CumQty ", r.cum_qty.to_string(),
                r.cum_qty != o.cum_qty ? " (the order keeps " + o.cum_qty.to_string() + ")" : std::string(),
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
  check_avg_px(o, r);
}

// The broker's AvgPx against the exact average of the fills applied, once the order took the
// report's numbers and its CumQty is the fills' (any other disagreement is a CumQty break already).
// The broker's own rounding is tolerated (agrees_up_to_rounding: half a unit of the last decimal
// it prints, at least 2 decimals, or 10^-13 of the price); a report with AvgPx 0 is not compared.
// Like CumQty, a standing difference is raised once, when it appears.
void ReportApplier::check_avg_px(Order& o, const ExecReport& r) {
  if (o.fills_value_lost || o.fills_qty.is_zero() || r.avg_px.is_zero() || r.cum_qty != o.cum_qty ||
      o.cum_qty != o.fills_qty || o.avg_px != r.avg_px)
    return;
  const WidePrice own = o.own_avg_px();
  const bool disagrees = !agrees_up_to_rounding(r.avg_px, own);
  if (disagrees && !o.avg_px_disagrees)
    raise(BreakKind::avg_px_mismatch, cat("report ", r.exec_id, " on order ", o.cl_ord_id(), " says AvgPx ",
                                          r.avg_px.to_string(), " but the fills applied average ", own.to_string()));
  o.avg_px_disagrees = disagrees;
}

}  // namespace fixgate::order
