// SPDX-License-Identifier: Apache-2.0
#pragma once
// Builders shared by the order tests: requests and reports with sensible defaults.

#include <string>

#include "fixgate/order/book.hpp"

namespace order_test {

using namespace fixgate;
using namespace fixgate::order;

inline Qty qty(std::int64_t whole) { return Qty::from_whole(whole); }
inline Price px(std::int64_t whole) { return Price::from_whole(whole); }

inline NewOrderRequest new_order(std::string client_order_id, std::int64_t q = 100, std::int64_t p = 10) {
  NewOrderRequest r;
  r.client = "alpha";
  r.client_order_id = std::move(client_order_id);
  r.account = "ACC1";
  r.symbol = "ACME";
  r.side = Side::buy;
  r.ord_type = OrdType::limit;
  r.tif = TimeInForce::day;
  r.qty = qty(q);
  r.price = px(p);
  r.session = "BROKER1";
  return r;
}

inline CancelRequest cancel(std::string id, std::string orig) {
  return CancelRequest{"alpha", std::move(id), std::move(orig), {}};
}

inline ReplaceRequest replace(std::string id, std::string orig, std::optional<std::int64_t> q,
                              std::optional<std::int64_t> p = std::nullopt) {
  ReplaceRequest r{"alpha", std::move(id), std::move(orig), std::nullopt, std::nullopt, {}};
  if (q) r.qty = qty(*q);
  if (p) r.price = px(*p);
  return r;
}

/// An execution report as the broker would send it for `o`.
inline ExecReport report(const Order& o, std::string exec_id, ExecType type, OrdStatus status, Qty cum,
                         Qty leaves, Qty last_qty = {}, Price last_px = {}) {
  ExecReport r;
  r.session = o.session;
  r.cl_ord_id = o.cl_ord_id();
  r.order_id = "B-" + o.chain.front().cl_ord_id;
  r.exec_id = std::move(exec_id);
  r.exec_type = type;
  r.ord_status = status;
  r.side = o.side;
  r.symbol = o.symbol;
  r.order_qty = o.order_qty;
  r.price = o.price;
  r.last_qty = last_qty;
  r.last_px = last_px;
  r.cum_qty = cum;
  r.leaves_qty = leaves;
  r.avg_px = last_px;
  return r;
}

}  // namespace order_test
