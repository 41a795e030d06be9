// SPDX-License-Identifier: Apache-2.0
// Event encoding (the server's hot path) and request encoding (the client side), both written
// directly into a string: field order is fixed ("event", "seq", "id", then the payload) so that
// lines are easy to read in logs and diff in golden files.

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "fixgate/gateway/codec.hpp"
#include "json_writer.hpp"

namespace fixgate::gateway {
namespace detail {

namespace {

/// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is malformed.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;  // overlong
    if (b0 == 0xed) hi = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;  // overlong
    if (b0 == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return len;
}

}  // namespace

void append_fixed(std::string& out, std::int64_t units, int decimals) {
  static constexpr std::uint64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                            1000000000, 10000000000, 100000000000, 1000000000000};
  const bool negative = units < 0;
  // Magnitude in unsigned arithmetic so INT64_MIN has one.
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(units + 1)) + 1 : static_cast<std::uint64_t>(units);
  const std::uint64_t scale = pow10[decimals];
  if (negative) out += '-';
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, magnitude / scale);
  out.append(buf, r.ptr);
  std::uint64_t frac = magnitude % scale;
  if (frac == 0) return;
  int width = decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --width;
  }
  out += '.';
  r = std::to_chars(buf, buf + sizeof buf, frac);
  const auto digits = static_cast<int>(r.ptr - buf);
  out.append(static_cast<std::size_t>(width - digits), '0');
  out.append(buf, r.ptr);
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run that needs no escaping in one append.
    std::size_t run = i;
    while (run < text.size()) {
      const auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence(text, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
    ++i;
  }
  out += '"';
}

}  // namespace detail

namespace {

using detail::JsonWriter;

/// A broker-reported price as its shortest exact decimal, built on the stack: this runs twice per
/// execution event. Magnitudes of 2^64 whole units or more (never a real price) take the slow path.
void wide_decimal(JsonWriter& w, std::string_view key, WidePrice value) {
  __extension__ typedef unsigned __int128 UInt128;
  const Int128 units = value.units();
  const UInt128 magnitude = units < 0 ? static_cast<UInt128>(-(units + 1)) + 1 : static_cast<UInt128>(units);
  const UInt128 whole = magnitude / static_cast<UInt128>(WidePrice::scale);
  if (whole > UINT64_MAX) return w.raw_string(key, value.to_string());
  char buf[48];
  char* end = buf;
  if (units < 0) *end++ = '-';
  end = std::to_chars(end, buf + sizeof buf, static_cast<std::uint64_t>(whole)).ptr;
  auto frac = static_cast<std::uint64_t>(magnitude % static_cast<UInt128>(WidePrice::scale));
  if (frac != 0) {
    int width = WidePrice::decimals;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    char digits[24];
    const auto n = static_cast<int>(std::to_chars(digits, digits + sizeof digits, frac).ptr - digits);
    *end++ = '.';
    for (int i = n; i < width; ++i) *end++ = '0';
    end = std::copy(digits, digits + n, end);
  }
  w.raw_string(key, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void write_snapshot_fields(JsonWriter& w, const OrderSnapshot& o) {
  w.field("client_order_id", o.client_order_id);
  w.field("account", o.account);
  w.field("symbol", o.symbol);
  w.raw_string("side", name(o.side));
  w.raw_string("status", name(o.status));
  w.decimal("order_qty", o.order_qty);
  w.decimal("cum_qty", o.cum_qty);
  w.decimal("leaves_qty", o.leaves_qty);
  wide_decimal(w, "avg_px", o.avg_px);
  if (o.price) w.decimal("price", *o.price);
  w.begin_array("fix_chain");
  for (const auto& id : o.fix_chain) w.element(id);
  w.end_array();
  if (o.pending) w.field("pending", *o.pending);
  w.field_if("cl_ord_id", o.cl_ord_id);
  w.begin_array("pending_requests");
  for (const auto& p : o.pending_requests) {
    w.begin_object();
    w.field("kind", p.kind);
    w.field("client_order_id", p.client_order_id);
    w.field("cl_ord_id", p.cl_ord_id);
    w.field("acknowledged", p.acknowledged);
    w.end_object();
  }
  w.end_array();
  w.field("fills", o.fills);
  w.field("break_count", o.break_count);
  w.begin_array("breaks");
  for (const auto& b : o.breaks) {
    w.begin_object();
    w.field("kind", b.kind);
    w.field_if("exec_id", b.exec_id);
    w.field_if("text", b.text);
    w.end_object();
  }
  w.end_array();
}

struct PayloadWriter {
  JsonWriter& w;

  void operator()(const Accepted& e) const {
    w.field("client_order_id", e.client_order_id);
    w.field_if("cl_ord_id", e.cl_ord_id);
  }
  void operator()(const Rejected& e) const {
    w.field("client_order_id", e.client_order_id);
    w.raw_string("reason", code(e.reason));
    w.field_if("text", e.text);
    w.field_if("limit", e.limit);
    w.field_if("limit_value", e.limit_value);
  }
  void operator()(const Execution& e) const {
    w.field("client_order_id", e.client_order_id);
    w.field_if("orig_client_order_id", e.orig_client_order_id);
    w.field("exec_id", e.exec_id);
    w.raw_string("exec_type", name(e.exec_type));
    w.raw_string("status", name(e.status));
    w.field_if("symbol", e.symbol);
    if (e.side) w.raw_string("side", name(*e.side));
    w.decimal("order_qty", e.order_qty);
    w.decimal("cum_qty", e.cum_qty);
    w.decimal("leaves_qty", e.leaves_qty);
    w.decimal("last_qty", e.last_qty);
    wide_decimal(w, "last_px", e.last_px);
    wide_decimal(w, "avg_px", e.avg_px);
    w.field_if("text", e.text);
  }
  void operator()(const CancelRejected& e) const {
    w.field("client_order_id", e.client_order_id);
    w.field("orig_client_order_id", e.orig_client_order_id);
    w.field_if("text", e.text);
    if (e.cxl_rej_reason && *e.cxl_rej_reason >= 0) w.field("cxl_rej_reason", static_cast<std::uint64_t>(*e.cxl_rej_reason));
  }
  void operator()(const Break& e) const {
    w.field_if("client_order_id", e.client_order_id);
    w.field("kind", e.kind);
    w.field_if("text", e.text);
    w.field_if("exec_id", e.exec_id);
    if (e.record != 0) w.field("record", e.record);
  }
  void operator()(const SessionStatus& e) const {
    w.field("session", e.session);
    w.field("up", e.up);
  }
  void operator()(const OrderSnapshot& e) const { write_snapshot_fields(w, e); }
  void operator()(const OrderList& e) const {
    w.begin_array("orders");
    for (const auto& o : e.orders) {
      w.begin_object();
      write_snapshot_fields(w, o);
      w.end_object();
    }
    w.end_array();
  }
  void operator()(const Error& e) const {
    w.field("code", e.code);
    w.field_if("field", e.field);
    w.field_if("text", e.text);
    if (e.offset) w.field("offset", *e.offset);
  }
  void operator()(const Welcome& e) const {
    w.field("client", e.client);
    w.field("next_seq", e.next_seq);
  }
  void operator()(const KillSwitchStatus& e) const {
    w.field("scope", e.scope);
    w.field_if("target", e.target);
    w.field("engaged", e.engaged);
    w.field("by", e.by);
    w.field_if("reason", e.reason);
    w.field("cancels", static_cast<std::uint64_t>(e.cancels));
  }
  void operator()(const SessionList& e) const {
    w.begin_array("sessions");
    for (const auto& s : e.sessions) {
      w.begin_object();
      w.field("session", s.session);
      w.field("enabled", s.enabled);
      w.field("logged_on", s.logged_on);
      w.field("next_sender_seq", s.next_sender_seq);
      w.field("next_target_seq", s.next_target_seq);
      if (s.needs_operator) w.field("needs_operator", true);
      w.field_if("last_error", s.last_error);
      w.end_object();
    }
    w.end_array();
  }
  void operator()(const SessionCommandDone& e) const {
    w.field("session", e.session);
    w.field("action", e.action);
    if (e.next_sender_seq) w.field("next_sender_seq", *e.next_sender_seq);
    if (e.next_target_seq) w.field("next_target_seq", *e.next_target_seq);
    w.field("by", e.by);
    w.field_if("reason", e.reason);
  }
  void operator()(const PolicyReloaded& e) const {
    w.field("changed", e.changed);
    w.field("by", e.by);
    w.field_if("reason", e.reason);
  }
  void operator()(const LimitChanged& e) const {
    w.field("scope", e.scope);
    w.field_if("target", e.target);
    w.field("limit", e.limit);
    if (e.value) w.field("value", *e.value);
    w.field("by", e.by);
    w.field_if("reason", e.reason);
  }
};

struct RequestWriter {
  JsonWriter& w;

  void operator()(const Hello& r) const {
    w.field("client", r.client);
    w.field("token", r.token);
    if (r.resume_from) w.field("resume_from", *r.resume_from);
  }
  void operator()(const NewOrder& r) const {
    w.field("client_order_id", r.client_order_id);
    w.field("account", r.account);
    w.field("symbol", r.symbol);
    w.raw_string("side", name(r.side));
    w.raw_string("type", name(r.ord_type));
    w.raw_string("tif", name(r.tif));
    w.decimal("qty", r.qty);
    if (r.price) w.decimal("price", *r.price);
    if (r.stop_price) w.decimal("stop_price", *r.stop_price);
    if (r.market) w.field("market", *r.market);
    if (r.session) w.field("session", *r.session);
    if (r.exec_inst) w.field("exec_inst", *r.exec_inst);
    if (r.expire_time) w.field("expire_time", format_utc_timestamp(*r.expire_time));
  }
  void operator()(const CancelOrder& r) const {
    w.field("client_order_id", r.client_order_id);
    w.field("orig_client_order_id", r.orig_client_order_id);
  }
  void operator()(const ReplaceOrder& r) const {
    w.field("client_order_id", r.client_order_id);
    w.field("orig_client_order_id", r.orig_client_order_id);
    if (r.qty) w.decimal("qty", *r.qty);
    if (r.price) w.decimal("price", *r.price);
  }
  void operator()(const OrderStatusQuery& r) const { w.field("client_order_id", r.client_order_id); }
  void operator()(const ListOrders& r) const {
    if (r.account) w.field("account", *r.account);
  }
  void operator()(const ListSessions&) const {}
  void operator()(const SessionCommand& r) const {
    w.field("session", r.session);
    if (r.next_sender_seq) w.field("next_sender_seq", *r.next_sender_seq);
    if (r.next_target_seq) w.field("next_target_seq", *r.next_target_seq);
    if (r.action == SessionAction::set_seq) w.field("confirm", true);
    w.field_if("reason", r.reason);
  }
  void operator()(const ReloadPolicy& r) const { w.field_if("reason", r.reason); }
  void operator()(const Barrier& r) const { w.field("echo", r.echo); }
  void operator()(const KillSwitchRequest& r) const {
    w.field("scope", r.scope);
    w.field_if("target", r.target);
    w.field_if("reason", r.reason);
  }
  void operator()(const SetLimit& r) const {
    w.field("scope", r.scope);
    w.field_if("target", r.target);
    w.field("limit", r.limit);
    if (r.value) w.field("value", *r.value);
    else w.null_field("value");
    w.field_if("reason", r.reason);
  }
};

}  // namespace

std::string_view event_name(const Event& event) {
  static constexpr std::string_view names[] = {"accepted", "rejected", "execution", "cancel_rejected",
                                               "break",    "session",  "order",     "orders",
                                               "error",    "welcome",  "kill_switch", "limit",
                                               "sessions", "session_command", "policy"};
  static_assert(std::size(names) == std::variant_size_v<Event>);
  return names[event.index()];
}

std::string_view op_name(const Request& request) {
  static constexpr std::string_view names[] = {"hello", "new",       "cancel",   "replace", "status", "list",
                                               "kill",  "set_limit", "sessions", "logon",   "reload", "barrier"};
  static_assert(std::size(names) == std::variant_size_v<Request>);
  if (const auto* k = std::get_if<KillSwitchRequest>(&request); k != nullptr && !k->engage) return "release";
  if (const auto* c = std::get_if<SessionCommand>(&request)) {
    return c->action == SessionAction::logon ? "logon" : c->action == SessionAction::logout ? "logout" : "set_seq";
  }
  return names[request.index()];
}

void encode_event(const Outbound& out, std::string& buffer) {
  JsonWriter w(buffer);
  w.begin_object();
  w.raw_string("event", event_name(out.event));
  if (out.seq != 0) w.field("seq", out.seq);
  w.field_if("id", out.request_id);
  std::visit(PayloadWriter{w}, out.event);
  w.end_object();
  buffer += '\n';
}

std::string encode_event(const Outbound& out) {
  std::string line;
  line.reserve(256);
  encode_event(out, line);
  return line;
}

std::string encode_request(const Request& request, std::string_view request_id) {
  std::string line;
  line.reserve(256);
  JsonWriter w(line);
  w.begin_object();
  w.raw_string("op", op_name(request));
  w.field_if("id", request_id);
  std::visit(RequestWriter{w}, request);
  w.end_object();
  line += '\n';
  return line;
}

bool is_framing_error(std::string_view code) {
  return code == errc::line_too_long;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = detail::utf8_sequence(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace fixgate::gateway
