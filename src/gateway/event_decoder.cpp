// SPDX-License-Identifier: Apache-2.0
// Event decoding for the client side (CLI, tests, tools). Not on the server's hot path, so it uses
// nlohmann's DOM with exceptions disabled (parse errors come back as a discarded value) and is
// lenient about fields it does not know, so newer servers can add fields without breaking it.

#include <nlohmann/json.hpp>

#include "fixgate/gateway/codec.hpp"

namespace fixgate::gateway {
namespace {

using Json = nlohmann::json;

struct Reader {
  const Json& j;
  std::optional<Error> error;

  void fail(std::string_view field, std::string text) {
    if (!error) error = Error{"invalid_value", std::string(field), std::move(text), std::nullopt};
  }
  std::string str(std::string_view key, bool required = true) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) fail(key, "missing " + std::string(key));
      return {};
    }
    if (!it->is_string()) {
      fail(key, std::string(key) + " is not a string");
      return {};
    }
    return it->get<std::string>();
  }
  std::optional<std::string> opt_str(std::string_view key) {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return str(key);
  }
  std::uint64_t count(std::string_view key) {
    auto it = j.find(key);
    if (it == j.end()) return 0;
    if (!it->is_number_unsigned()) {
      fail(key, std::string(key) + " is not a non-negative integer");
      return 0;
    }
    return it->get<std::uint64_t>();
  }
  template <class T>
  T dec(std::string_view key) {
    auto v = T::parse(str(key));
    if (!v) {
      fail(key, std::string(key) + " is not a decimal");
      return T{};
    }
    return *v;
  }
  template <class T>
  std::optional<T> opt_dec(std::string_view key) {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return dec<T>(key);
  }
  template <class E, std::size_t N>
  E enumerated(std::string_view key, const std::array<E, N>& values) {
    const std::string n = str(key);
    for (E v : values) {
      if (name(v) == n) return v;
    }
    fail(key, "unknown " + std::string(key) + " '" + n + "'");
    return values[0];
  }
};

constexpr std::array<Side, 3> all_sides{Side::buy, Side::sell, Side::sell_short};
constexpr std::array<OrdStatus, 15> all_statuses{
    OrdStatus::new_order, OrdStatus::partially_filled, OrdStatus::filled, OrdStatus::done_for_day,
    OrdStatus::canceled, OrdStatus::replaced, OrdStatus::pending_cancel, OrdStatus::stopped,
    OrdStatus::rejected, OrdStatus::suspended, OrdStatus::pending_new, OrdStatus::calculated,
    OrdStatus::expired, OrdStatus::accepted_for_bidding, OrdStatus::pending_replace};
constexpr std::array<ExecType, 19> all_exec_types{
    ExecType::new_order, ExecType::partial_fill, ExecType::fill, ExecType::done_for_day,
    ExecType::canceled, ExecType::replaced, ExecType::pending_cancel, ExecType::stopped,
    ExecType::rejected, ExecType::suspended, ExecType::pending_new, ExecType::calculated,
    ExecType::expired, ExecType::restated, ExecType::pending_replace, ExecType::trade,
    ExecType::trade_correct, ExecType::trade_cancel, ExecType::order_status};

RejectReason reason_from_code(std::string_view c) {
  for (int i = 0; i <= static_cast<int>(RejectReason::duplicate_order); ++i) {
    const auto r = static_cast<RejectReason>(i);
    if (code(r) == c) return r;
  }
  return RejectReason::internal_error;
}

OrderSnapshot read_snapshot(Reader& r) {
  OrderSnapshot o;
  o.client_order_id = r.str("client_order_id");
  o.account = r.str("account", false);
  o.symbol = r.str("symbol", false);
  o.side = r.enumerated("side", all_sides);
  o.status = r.enumerated("status", all_statuses);
  o.order_qty = r.dec<Qty>("order_qty");
  o.cum_qty = r.dec<Qty>("cum_qty");
  o.leaves_qty = r.dec<Qty>("leaves_qty");
  o.avg_px = r.dec<WidePrice>("avg_px");
  o.price = r.opt_dec<Price>("price");
  if (auto it = r.j.find("fix_chain"); it != r.j.end() && it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_string()) o.fix_chain.push_back(id.get<std::string>());
    }
  }
  o.pending = r.opt_str("pending");
  o.cl_ord_id = r.str("cl_ord_id", false);
  if (auto it = r.j.find("pending_requests"); it != r.j.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      Reader inner{item, std::nullopt};
      const auto ack = item.find("acknowledged");
      o.pending_requests.push_back({inner.str("kind"), inner.str("client_order_id"), inner.str("cl_ord_id"),
                                    ack != item.end() && ack->is_boolean() && ack->get<bool>()});
      if (inner.error && !r.error) r.error = inner.error;
    }
  }
  o.fills = r.count("fills");
  o.break_count = r.count("break_count");
  if (auto it = r.j.find("breaks"); it != r.j.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      Reader inner{item, std::nullopt};
      o.breaks.push_back({inner.str("kind"), inner.str("exec_id", false), inner.str("text", false)});
      if (inner.error && !r.error) r.error = inner.error;
    }
  }
  return o;
}

std::optional<Event> read_event(std::string_view kind, Reader& r) {
  if (kind == "accepted") return Accepted{r.str("client_order_id"), r.str("cl_ord_id", false)};
  if (kind == "rejected") {
    return Rejected{r.str("client_order_id"), reason_from_code(r.str("reason")), r.str("text", false),
                    r.str("limit", false), r.str("limit_value", false)};
  }
  if (kind == "execution") {
    Execution e;
    e.client_order_id = r.str("client_order_id");
    e.orig_client_order_id = r.str("orig_client_order_id", false);
    e.exec_id = r.str("exec_id", false);
    e.exec_type = r.enumerated("exec_type", all_exec_types);
    e.status = r.enumerated("status", all_statuses);
    e.symbol = r.str("symbol", false);
    if (r.j.contains("side")) e.side = r.enumerated("side", all_sides);
    e.order_qty = r.dec<Qty>("order_qty");
    e.cum_qty = r.dec<Qty>("cum_qty");
    e.leaves_qty = r.dec<Qty>("leaves_qty");
    e.last_qty = r.dec<Qty>("last_qty");
    e.last_px = r.dec<WidePrice>("last_px");
    e.avg_px = r.dec<WidePrice>("avg_px");
    e.text = r.str("text", false);
    return e;
  }
  if (kind == "cancel_rejected") {
    CancelRejected c{r.str("client_order_id"), r.str("orig_client_order_id", false), r.str("text", false), std::nullopt};
    if (r.j.contains("cxl_rej_reason")) c.cxl_rej_reason = static_cast<int>(r.count("cxl_rej_reason"));
    return c;
  }
  if (kind == "break") {
    return Break{r.str("client_order_id", false), r.str("kind"), r.str("text", false), r.str("exec_id", false),
                 r.count("record")};
  }
  if (kind == "session") {
    auto it = r.j.find("up");
    return SessionStatus{r.str("session"), it != r.j.end() && it->is_boolean() && it->get<bool>()};
  }
  if (kind == "order") return read_snapshot(r);
  if (kind == "orders") {
    OrderList list;
    if (auto it = r.j.find("orders"); it != r.j.end() && it->is_array()) {
      for (const auto& item : *it) {
        if (!item.is_object()) continue;
        Reader inner{item, std::nullopt};
        list.orders.push_back(read_snapshot(inner));
        if (inner.error && !r.error) r.error = inner.error;
      }
    }
    return list;
  }
  if (kind == "error") {
    Error e{r.str("code"), r.str("field", false), r.str("text", false), std::nullopt};
    if (r.j.contains("offset")) e.offset = r.count("offset");
    return e;
  }
  if (kind == "welcome") return Welcome{r.str("client"), r.count("next_seq")};
  if (kind == "kill_switch") {
    auto it = r.j.find("engaged");
    return KillSwitchStatus{r.str("scope"), r.str("target", false), it != r.j.end() && it->is_boolean() && it->get<bool>(),
                            r.str("by"), r.str("reason", false), static_cast<std::uint32_t>(r.count("cancels"))};
  }
  if (kind == "sessions") {
    SessionList list;
    if (auto it = r.j.find("sessions"); it != r.j.end() && it->is_array()) {
      for (const auto& item : *it) {
        if (!item.is_object()) continue;
        Reader inner{item, std::nullopt};
        auto flag = [&](const char* key) { auto f = item.find(key); return f != item.end() && f->is_boolean() && f->get<bool>(); };
        list.sessions.push_back({inner.str("session"), flag("enabled"), flag("logged_on"), inner.count("next_sender_seq"),
                                 inner.count("next_target_seq"), item.contains("last_error") ? inner.str("last_error") : "",
                                 flag("needs_operator")});
        if (inner.error && !r.error) r.error = inner.error;
      }
    }
    return list;
  }
  if (kind == "session_command") {
    SessionCommandDone d{r.str("session"), r.str("action"), std::nullopt, std::nullopt, r.str("by"), r.str("reason", false)};
    if (r.j.contains("next_sender_seq")) d.next_sender_seq = r.count("next_sender_seq");
    if (r.j.contains("next_target_seq")) d.next_target_seq = r.count("next_target_seq");
    return d;
  }
  if (kind == "policy") {
    auto it = r.j.find("changed");
    return PolicyReloaded{it != r.j.end() && it->is_boolean() && it->get<bool>(), r.str("by"), r.str("reason", false)};
  }
  if (kind == "limit") {
    return LimitChanged{r.str("scope"), r.str("target", false), r.str("limit"), r.opt_str("value"), r.str("by"),
                        r.str("reason", false)};
  }
  return std::nullopt;
}

}  // namespace

std::expected<Outbound, Error> decode_event(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const Json j = Json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return std::unexpected(Error{"invalid_json", "", "event line is not JSON", std::nullopt});
  if (!j.is_object()) return std::unexpected(Error{"not_an_object", "", "event line is not an object", std::nullopt});
  Reader r{j, std::nullopt};
  Outbound out;
  const std::string kind = r.str("event");
  out.seq = r.count("seq");
  out.request_id = r.str("id", false);
  if (r.error) return std::unexpected(*r.error);
  auto event = read_event(kind, r);
  if (!event) return std::unexpected(Error{"invalid_value", "event", "unknown event '" + kind + "'", std::nullopt});
  if (r.error) return std::unexpected(*r.error);
  out.event = std::move(*event);
  return out;
}

}  // namespace fixgate::gateway
