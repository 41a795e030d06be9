// SPDX-License-Identifier: Apache-2.0
// The view of an order a client gets from `status` and `list`: what the broker last said, the
// ClOrdID the order goes by now, every request still waiting for the broker, the fills applied and
// the breaks raised for it.

#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {

gateway::OrderSnapshot Engine::snapshot(const order::Order& order) const {
  gateway::OrderSnapshot s;
  s.client_order_id = order.client_order_id();
  s.account = order.account;
  s.symbol = order.symbol;
  s.side = order.side;
  s.status = order.status;
  s.order_qty = order.order_qty;
  s.cum_qty = order.cum_qty;
  s.leaves_qty = order.leaves_qty;
  s.avg_px = order.avg_px;
  s.price = order.price;
  for (const auto& link : order.chain) s.fix_chain.push_back(link.cl_ord_id);
  if (order.pending) s.pending = std::string(order::name(order.pending->kind));
  s.cl_ord_id = order.cl_ord_id();
  const order::ChainLink& first = order.chain.front();
  if (order.status == OrdStatus::pending_new && first.state == order::LinkState::pending)
    s.pending_requests.push_back({std::string(order::name(first.kind)), first.client_order_id, first.cl_ord_id, false});
  if (const order::ChainLink* p = order.pending_link())
    s.pending_requests.push_back(
        {std::string(order::name(p->kind)), p->client_order_id, p->cl_ord_id, order.pending->acknowledged});
  s.fills = order.fill_count();
  if (auto kept = order_breaks_.find(first.cl_ord_id); kept != order_breaks_.end()) {
    s.break_count = kept->second.count;
    s.breaks.assign(kept->second.latest.begin(), kept->second.latest.end());
  }
  return s;
}

}  // namespace fixgate::engine
