// SPDX-License-Identifier: Apache-2.0
#include "format.hpp"

#include <variant>

namespace fixgate::client {
namespace {

using namespace gateway;

std::string snapshot_line(const OrderSnapshot& o) {
  std::string line = o.client_order_id + "  order  " + std::string(name(o.status)) + "  " +
                     std::string(name(o.side)) + " " + o.order_qty.to_string() + " " + o.symbol;
  if (o.price) line += " @ " + o.price->to_string();
  line += "  cum " + o.cum_qty.to_string();
  if (!o.cum_qty.is_zero()) line += " @ " + o.avg_px.to_string();
  line += "  leaves " + o.leaves_qty.to_string();
  line += "  account " + o.account;
  if (o.pending) line += "  pending " + *o.pending;
  return line;
}

struct Describe {
  std::string operator()(const Accepted& e) const { return e.client_order_id + "  accepted"; }
  std::string operator()(const Rejected& e) const {
    std::string line = e.client_order_id + "  rejected  " + std::string(code(e.reason));
    if (!e.limit.empty()) line += "  limit " + e.limit + (e.limit_value.empty() ? "" : "=" + e.limit_value);
    if (!e.text.empty()) line += "  " + e.text;
    return line;
  }
  std::string operator()(const Execution& e) const {
    std::string line = e.client_order_id + "  execution  " + std::string(name(e.status)) + "  cum " +
                       e.cum_qty.to_string();
    if (!e.cum_qty.is_zero()) line += " @ " + e.avg_px.to_string();
    if (!e.last_qty.is_zero()) line += "  last " + e.last_qty.to_string() + " @ " + e.last_px.to_string();
    if (!e.leaves_qty.is_zero()) line += "  leaves " + e.leaves_qty.to_string();
    if (!e.text.empty()) line += "  " + e.text;
    return line;
  }
  std::string operator()(const CancelRejected& e) const {
    std::string line = e.client_order_id + "  cancel_rejected  orig " + e.orig_client_order_id;
    if (!e.text.empty()) line += "  " + e.text;
    return line;
  }
  std::string operator()(const Break& e) const {
    std::string line = (e.client_order_id.empty() ? std::string("-") : e.client_order_id) + "  break  " + e.kind;
    if (!e.text.empty()) line += "  " + e.text;
    return line;
  }
  std::string operator()(const SessionStatus& e) const {
    return "session  " + e.session + (e.up ? "  up" : "  down");
  }
  std::string operator()(const OrderSnapshot& e) const { return snapshot_line(e); }
  std::string operator()(const OrderList& e) const {
    if (e.orders.empty()) return "no orders";
    std::string lines;
    for (const auto& o : e.orders) {
      if (!lines.empty()) lines += '\n';
      lines += snapshot_line(o);
    }
    return lines;
  }
  std::string operator()(const Error& e) const {
    std::string line = "error  " + e.code;
    if (!e.field.empty()) line += "  " + e.field;
    if (!e.text.empty()) line += "  " + e.text;
    return line;
  }
  std::string operator()(const Welcome& e) const {
    return "welcome  " + e.client + "  next_seq " + std::to_string(e.next_seq);
  }
  std::string operator()(const KillSwitchStatus& e) const {
    std::string line = "kill_switch  " + e.scope + (e.target.empty() ? "" : " " + e.target) +
                       (e.engaged ? "  engaged" : "  released") + "  by " + e.by;
    if (e.engaged) line += "  cancels " + std::to_string(e.cancels);
    if (!e.reason.empty()) line += "  " + e.reason;
    return line;
  }
  std::string operator()(const SessionList& e) const {
    if (e.sessions.empty()) return "no sessions";
    std::string lines;
    for (const auto& s : e.sessions) {
      if (!lines.empty()) lines += '\n';
      lines += "session  " + s.session + (s.logged_on ? "  logged_on" : "  logged_off") +
               (s.enabled ? "" : "  disabled") + "  next_sender_seq " + std::to_string(s.next_sender_seq) +
               "  next_target_seq " + std::to_string(s.next_target_seq);
    }
    return lines;
  }
  std::string operator()(const SessionCommandDone& e) const {
    std::string line = "session_command  " + e.session + "  " + e.action;
    if (e.next_sender_seq) line += "  next_sender_seq " + std::to_string(*e.next_sender_seq);
    if (e.next_target_seq) line += "  next_target_seq " + std::to_string(*e.next_target_seq);
    return line + "  by " + e.by + (e.reason.empty() ? "" : "  " + e.reason);
  }
  std::string operator()(const PolicyReloaded& e) const {
    return std::string("policy  ") + (e.changed ? "reloaded" : "unchanged") + "  by " + e.by +
           (e.reason.empty() ? "" : "  " + e.reason);
  }
  std::string operator()(const LimitChanged& e) const {
    return "limit  " + e.scope + (e.target.empty() ? "" : " " + e.target) + "  " + e.limit + " = " +
           e.value.value_or("(none)") + "  by " + e.by + (e.reason.empty() ? "" : "  " + e.reason);
  }
};

}  // namespace

std::string describe(const Outbound& out) { return std::visit(Describe{}, out.event); }

std::string order_id_of(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (requires { e.client_order_id; }) {
          return e.client_order_id;
        } else {
          (void)sizeof(T);
          return {};
        }
      },
      event);
}

}  // namespace fixgate::client
