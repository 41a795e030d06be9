// SPDX-License-Identifier: Apache-2.0
// Request decoding: the scanner fills a fixed table of known fields in one pass, with no DOM,
// then the op's schema is checked against the table. A syntax error anywhere in the line wins
// over schema problems: a broken line is reported as broken, not as the first odd field in it.

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

#include "fixgate/gateway/codec.hpp"
#include "json_scanner.hpp"

namespace fixgate::gateway {
namespace {

using detail::Kind;
using Slot = detail::ScannedField;

enum Field : std::uint8_t {
  f_op, f_id, f_client, f_token, f_resume_from, f_client_order_id, f_orig_client_order_id,
  f_account, f_symbol, f_side, f_type, f_tif, f_qty, f_price, f_stop_price, f_market, f_session,
  f_scope, f_target, f_reason, f_limit, f_value, f_next_sender_seq, f_next_target_seq, f_confirm,
  f_exec_inst, f_expire_time, field_count
};

constexpr std::array<std::string_view, field_count> field_names{
    "op", "id", "client", "token", "resume_from", "client_order_id", "orig_client_order_id",
    "account", "symbol", "side", "type", "tif", "qty", "price", "stop_price", "market", "session",
    "scope", "target", "reason", "limit", "value", "next_sender_seq", "next_target_seq", "confirm",
    "exec_inst", "expire_time"};

/// What a field must hold; checked after the op is known.
enum class Expect : std::uint8_t { identifier, token, decimal, name, count, free_text, sentence, flag };

constexpr std::array<Expect, field_count> field_expect{
    Expect::name, Expect::free_text, Expect::identifier, Expect::token, Expect::count,
    Expect::identifier, Expect::identifier, Expect::identifier, Expect::identifier, Expect::name,
    Expect::name, Expect::name, Expect::decimal, Expect::decimal, Expect::decimal,
    Expect::identifier, Expect::identifier, Expect::name, Expect::identifier, Expect::sentence,
    Expect::name, Expect::free_text, Expect::count, Expect::count, Expect::flag, Expect::sentence,
    Expect::sentence};

Error make_error(std::string_view code, std::string_view field, std::string text) {
  return Error{std::string(code), std::string(field), std::move(text), std::nullopt};
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::absent: return "nothing";
    case Kind::null: return "null";
    case Kind::boolean: return "a boolean";
    case Kind::integer:
    case Kind::floating: return "a number";
    case Kind::string: return "a string";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
  }
  return "?";
}

/// The schema of each op: which fields it takes and which of them are required.
struct OpSchema {
  std::string_view name;
  std::array<Field, 14> fields;
  std::uint8_t field_count;
  std::uint32_t required;  // bit per Field
};

constexpr std::uint32_t bit(Field f) { return 1u << f; }

constexpr std::array<OpSchema, 14> op_schemas{{
    {"hello", {f_client, f_token, f_resume_from}, 3, bit(f_client) | bit(f_token)},
    {"new",
     {f_client_order_id, f_account, f_symbol, f_side, f_type, f_tif, f_qty, f_price, f_stop_price,
      f_market, f_session, f_exec_inst, f_expire_time},
     13,
     bit(f_client_order_id) | bit(f_account) | bit(f_symbol) | bit(f_side) | bit(f_qty)},
    {"cancel", {f_client_order_id, f_orig_client_order_id}, 2,
     bit(f_client_order_id) | bit(f_orig_client_order_id)},
    {"replace", {f_client_order_id, f_orig_client_order_id, f_qty, f_price}, 4,
     bit(f_client_order_id) | bit(f_orig_client_order_id)},
    {"status", {f_client_order_id}, 1, bit(f_client_order_id)},
    {"list", {f_account}, 1, 0},
    {"kill", {f_scope, f_target, f_reason}, 3, bit(f_scope) | bit(f_reason)},
    {"release", {f_scope, f_target, f_reason}, 3, bit(f_scope) | bit(f_reason)},
    {"set_limit", {f_scope, f_target, f_limit, f_value, f_reason}, 5, bit(f_scope) | bit(f_limit) | bit(f_reason)},
    {"sessions", {}, 0, 0},
    {"logon", {f_session, f_reason}, 2, bit(f_session) | bit(f_reason)},
    {"logout", {f_session, f_reason}, 2, bit(f_session) | bit(f_reason)},
    {"set_seq", {f_session, f_next_sender_seq, f_next_target_seq, f_confirm, f_reason}, 5,
     bit(f_session) | bit(f_reason)},
    {"reload", {f_reason}, 1, bit(f_reason)},
}};

bool allowed(const OpSchema& schema, std::size_t f) {
  if (f == f_op || f == f_id) return true;
  for (std::size_t i = 0; i < schema.field_count; ++i) {
    if (schema.fields[i] == f) return true;
  }
  return false;
}

bool type_ok(Expect expect, Kind kind) {
  if (kind == Kind::null) return true;  // null means absent
  if (expect == Expect::count) return kind == Kind::integer;
  if (expect == Expect::flag) return kind == Kind::boolean;
  return kind == Kind::string;
}

std::string_view expected_type(Expect expect) {
  switch (expect) {
    case Expect::count: return "a non-negative integer";
    case Expect::flag: return "true or false";
    case Expect::decimal: return "a decimal string such as \"100\" or \"2500.5\"";
    default: return "a string";
  }
}

bool present(const Slot& s) { return s.kind != Kind::absent && s.kind != Kind::null; }

/// Checks one present string field's content; the decimal grammar is checked here, the range by
/// the caller (only it knows whether the value is a price or a quantity).
std::optional<Error> check_text(std::size_t f, const Slot& s) {
  const std::string_view name = field_names[f];
  const std::string& t = s.text;
  switch (field_expect[f]) {
    case Expect::identifier:
    case Expect::free_text: {
      const bool optional_empty = field_expect[f] == Expect::free_text;
      if (t.empty() && !optional_empty) {
        return make_error(errc::invalid_value, name, std::string(name) + " must not be empty");
      }
      if (t.size() > max_identifier_bytes) {
        return make_error(errc::invalid_value, name,
                          std::string(name) + " is longer than " +
                              std::to_string(max_identifier_bytes) + " bytes");
      }
      for (char c : t) {
        // These strings travel into FIX fields: a control character (SOH above all) or a space
        // would corrupt or confuse the message.
        if (c < 0x21 || c > 0x7e) {
          return make_error(errc::invalid_value, name,
                            std::string(name) + " must be printable ASCII without spaces");
        }
      }
      return std::nullopt;
    }
    case Expect::sentence:
      // Human text (a reason): spaces are fine, control characters are not; it goes to the
      // journal and to every client, never into a FIX field.
      if (t.size() > max_sentence_bytes) {
        return make_error(errc::invalid_value, name,
                          std::string(name) + " is longer than " + std::to_string(max_sentence_bytes) + " bytes");
      }
      for (char c : t) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return make_error(errc::invalid_value, name, std::string(name) + " must not contain control characters");
        }
      }
      return std::nullopt;
    case Expect::token:
      // Room for a bearer token (JWT) with an RSA-4096 signature and a few claims.
      if (t.empty() || t.size() > max_token_bytes) {
        return make_error(errc::invalid_value, name, "token must be 1 to " + std::to_string(max_token_bytes) + " bytes");
      }
      return std::nullopt;
    case Expect::decimal: {
      std::size_t i = t.empty() || t[0] != '-' ? 0 : 1;
      const std::size_t int_start = i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      bool ok = i > int_start;
      if (ok && i < t.size() && t[i] == '.') {
        const std::size_t frac_start = ++i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
        ok = i > frac_start;
      }
      if (!ok || i != t.size()) {
        return make_error(errc::invalid_value, name,
                          std::string(name) + " is not a plain decimal (digits, optional '-' and '.')");
      }
      return std::nullopt;
    }
    case Expect::name:
    case Expect::count:
    case Expect::flag: return std::nullopt;
  }
  return std::nullopt;
}

template <class T>
std::expected<T, Error> decimal(const Slot& s, std::string_view name, bool allow_zero) {
  auto v = T::parse(s.text);
  if (!v) {
    return std::unexpected(make_error(errc::invalid_value, name,
                                      std::string(name) + " has more than " +
                                          std::to_string(T::decimals) +
                                          " decimal places or is out of range"));
  }
  if (v->is_negative() || (!allow_zero && v->is_zero())) {
    return std::unexpected(make_error(errc::invalid_value, name, std::string(name) + " must be positive"));
  }
  return *v;
}

class Builder {
 public:
  explicit Builder(std::array<Slot, field_count>& slots) : s_(slots) {}

  std::expected<Request, Error> build(std::string_view op) {
    if (op == "hello") return hello();
    if (op == "new") return new_order();
    if (op == "cancel") {
      return Request{CancelOrder{text(f_client_order_id), text(f_orig_client_order_id)}};
    }
    if (op == "replace") return replace();
    if (op == "status") return Request{OrderStatusQuery{text(f_client_order_id)}};
    if (op == "kill" || op == "release") return kill_switch(op == "kill");
    if (op == "set_limit") return set_limit();
    if (op == "sessions") return Request{ListSessions{}};
    if (op == "logon" || op == "logout" || op == "set_seq") return session_command(op);
    if (op == "reload") return reload();
    ListOrders list;
    if (has(f_account)) list.account = text(f_account);
    return Request{std::move(list)};
  }

 private:
  bool has(Field f) const { return present(s_[f]); }
  /// Moves the value out: each field is taken once, and the table dies with the decode.
  std::string text(Field f) { return has(f) ? std::move(s_[f].text) : std::string(); }

  std::expected<Request, Error> hello() {
    Hello h{text(f_client), text(f_token), std::nullopt};
    if (has(f_resume_from)) {
      if (s_[f_resume_from].negative) {
        return std::unexpected(make_error(errc::invalid_value, "resume_from", "resume_from must not be negative"));
      }
      h.resume_from = s_[f_resume_from].number;
    }
    return Request{std::move(h)};
  }

  std::expected<Request, Error> new_order() {
    NewOrder o;
    o.client_order_id = text(f_client_order_id);
    o.account = text(f_account);
    o.symbol = text(f_symbol);
    auto side = side_from_name(s_[f_side].text);
    if (!side) return std::unexpected(make_error(errc::invalid_value, "side", "side must be buy, sell or sell_short"));
    o.side = *side;
    if (has(f_type)) {
      auto t = ord_type_from_name(s_[f_type].text);
      if (!t) return std::unexpected(make_error(errc::invalid_value, "type", "type must be market, limit, stop or stop_limit"));
      o.ord_type = *t;
    }
    if (has(f_tif)) {
      auto t = tif_from_name(s_[f_tif].text);
      if (!t) return std::unexpected(make_error(errc::invalid_value, "tif", "tif must be day, gtc, ioc, fok or gtd"));
      o.tif = *t;
    }
    auto qty = decimal<Qty>(s_[f_qty], "qty", false);
    if (!qty) return std::unexpected(qty.error());
    o.qty = *qty;
    const bool wants_price = o.ord_type == OrdType::limit || o.ord_type == OrdType::stop_limit;
    const bool wants_stop = o.ord_type == OrdType::stop || o.ord_type == OrdType::stop_limit;
    if (auto e = optional_price(f_price, wants_price, o.price, name(o.ord_type))) return std::unexpected(*e);
    if (auto e = optional_price(f_stop_price, wants_stop, o.stop_price, name(o.ord_type))) return std::unexpected(*e);
    if (has(f_market)) o.market = text(f_market);
    if (has(f_session)) o.session = text(f_session);
    if (has(f_exec_inst)) {
      if (!is_exec_inst(s_[f_exec_inst].text)) {
        return std::unexpected(make_error(errc::invalid_value, "exec_inst",
                                          "exec_inst is FIX ExecInst values (one letter or digit each) "
                                          "separated by single spaces, e.g. \"6\" or \"6 G\""));
      }
      o.exec_inst = text(f_exec_inst);
    }
    if (auto e = expire_time(o)) return std::unexpected(*e);
    return Request{std::move(o)};
  }

  static bool is_exec_inst(std::string_view t) {
    // "6", "6 G": single characters, one space between, at most 20 of them.
    if (t.empty() || t.size() > 39 || t.size() % 2 == 0) return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const char c = t[i];
      const bool value = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      if (i % 2 == 0 ? !value : c != ' ') return false;
    }
    return true;
  }

  std::optional<Error> expire_time(NewOrder& o) {
    const bool gtd = o.tif == TimeInForce::gtd;
    if (!has(f_expire_time)) {
      if (!gtd) return std::nullopt;
      return make_error(errc::missing_field, "expire_time", "a gtd order needs expire_time");
    }
    if (!gtd) return make_error(errc::invalid_value, "expire_time", "only a gtd order takes expire_time");
    auto at = parse_utc_timestamp(s_[f_expire_time].text);
    if (!at) {
      return make_error(errc::invalid_value, "expire_time",
                        "expire_time is a UTC time such as \"2026-12-07T06:00:00Z\" (up to 9 decimals)");
    }
    o.expire_time = *at;
    return std::nullopt;
  }

  std::optional<Error> optional_price(Field f, bool wanted, std::optional<Price>& out, std::string_view type) {
    const std::string_view fname = field_names[f];
    if (!has(f)) {
      if (!wanted) return std::nullopt;
      return make_error(errc::missing_field, fname, "a " + std::string(type) + " order needs " + std::string(fname));
    }
    if (!wanted) {
      return make_error(errc::invalid_value, fname, "a " + std::string(type) + " order takes no " + std::string(fname));
    }
    auto p = decimal<Price>(s_[f], fname, false);
    if (!p) return p.error();
    out = *p;
    return std::nullopt;
  }

  std::expected<Request, Error> replace() {
    ReplaceOrder r{text(f_client_order_id), text(f_orig_client_order_id), std::nullopt, std::nullopt};
    if (!has(f_qty) && !has(f_price)) {
      return std::unexpected(make_error(errc::missing_field, "qty", "a replace changes qty, price or both"));
    }
    if (has(f_qty)) {
      auto q = decimal<Qty>(s_[f_qty], "qty", false);
      if (!q) return std::unexpected(q.error());
      r.qty = *q;
    }
    if (has(f_price)) {
      auto p = decimal<Price>(s_[f_price], "price", false);
      if (!p) return std::unexpected(p.error());
      r.price = *p;
    }
    return Request{std::move(r)};
  }

  std::expected<Request, Error> kill_switch(bool engage) {
    KillSwitchRequest k{engage, text(f_scope), text(f_target), text(f_reason)};
    if (k.scope != "all" && k.scope != "account" && k.scope != "session") {
      return std::unexpected(make_error(errc::invalid_value, "scope", "scope must be all, account or session"));
    }
    if (k.scope == "all" && !k.target.empty()) {
      return std::unexpected(make_error(errc::invalid_value, "target", "scope all takes no target"));
    }
    if (k.scope != "all" && k.target.empty()) {
      return std::unexpected(make_error(errc::missing_field, "target", "scope " + k.scope + " needs a target"));
    }
    if (k.reason.empty()) return std::unexpected(make_error(errc::invalid_value, "reason", "reason must not be empty"));
    return Request{std::move(k)};
  }

  std::expected<Request, Error> session_command(std::string_view op) {
    SessionCommand c;
    c.action = op == "logon" ? SessionAction::logon : op == "logout" ? SessionAction::logout : SessionAction::set_seq;
    c.session = text(f_session);
    c.reason = text(f_reason);
    if (c.reason.empty()) return std::unexpected(make_error(errc::invalid_value, "reason", "reason must not be empty"));
    if (c.action != SessionAction::set_seq) return Request{std::move(c)};
    for (const Field f : {f_next_sender_seq, f_next_target_seq}) {
      if (!has(f)) continue;
      if (s_[f].negative || s_[f].number == 0 || s_[f].number > INT32_MAX) {
        return std::unexpected(make_error(errc::invalid_value, field_names[f],
                                          std::string(field_names[f]) + " must be between 1 and 2147483647"));
      }
      (f == f_next_sender_seq ? c.next_sender_seq : c.next_target_seq) = s_[f].number;
    }
    if (!c.next_sender_seq && !c.next_target_seq) {
      return std::unexpected(make_error(errc::missing_field, "next_sender_seq",
                                        "set_seq needs next_sender_seq, next_target_seq or both"));
    }
    // Setting sequence numbers changes what the counterparty expects: never by accident.
    if (!has(f_confirm) || s_[f_confirm].number != 1) {
      return std::unexpected(make_error(errc::missing_field, "confirm",
                                        "set_seq changes what the counterparty expects; send \"confirm\": true"));
    }
    return Request{std::move(c)};
  }

  std::expected<Request, Error> reload() {
    ReloadPolicy r{text(f_reason)};
    if (r.reason.empty()) return std::unexpected(make_error(errc::invalid_value, "reason", "reason must not be empty"));
    return Request{std::move(r)};
  }

  std::expected<Request, Error> set_limit() {
    // The value is required even to remove a limit (null), so a forgotten value never removes one.
    if (s_[f_value].kind == Kind::absent) {
      return std::unexpected(make_error(errc::missing_field, "value", "set_limit needs value (null removes the limit)"));
    }
    SetLimit r{text(f_scope), text(f_target), text(f_limit), std::nullopt, text(f_reason)};
    if (has(f_value)) r.value = text(f_value);
    if (r.scope != "defaults" && r.scope != "account" && r.scope != "symbol") {
      return std::unexpected(make_error(errc::invalid_value, "scope", "scope must be defaults, account or symbol"));
    }
    if (r.scope == "defaults" && !r.target.empty()) {
      return std::unexpected(make_error(errc::invalid_value, "target", "scope defaults takes no target"));
    }
    if (r.scope != "defaults" && r.target.empty()) {
      return std::unexpected(make_error(errc::missing_field, "target", "scope " + r.scope + " needs a target"));
    }
    if (r.reason.empty()) return std::unexpected(make_error(errc::invalid_value, "reason", "reason must not be empty"));
    return Request{std::move(r)};
  }

  std::array<Slot, field_count>& s_;
};

std::expected<Inbound, Error> check_and_build(const detail::ScanOutcome& c, std::array<Slot, field_count>& s,
                                              std::string& request_id) {
  if (!present(s[f_op])) return std::unexpected(make_error(errc::missing_field, "op", "every request needs \"op\""));
  if (s[f_op].kind != Kind::string) {
    return std::unexpected(make_error(errc::wrong_type, "op", "op must be a string, not " + std::string(kind_name(s[f_op].kind))));
  }
  const OpSchema* schema = nullptr;
  for (const auto& candidate : op_schemas) {
    if (candidate.name == s[f_op].text) schema = &candidate;
  }
  if (schema == nullptr) {
    return std::unexpected(make_error(errc::unknown_op, "op",
                                      "op must be hello, new, cancel, replace, status, list, kill, release, set_limit, sessions, logon, logout, set_seq or reload"));
  }
  if (!c.duplicate_name.empty()) {
    return std::unexpected(make_error(errc::duplicate_field, c.duplicate_name, c.duplicate_name + " appears twice"));
  }
  // Unknown and mistyped fields: the first one in the line wins.
  std::uint16_t best_order = c.unknown_name.empty() ? UINT16_MAX : c.unknown_order;
  std::optional<Error> best;
  if (!c.unknown_name.empty()) {
    best = make_error(errc::unknown_field, c.unknown_name, c.unknown_name + " is not a field of " + std::string(schema->name));
  }
  for (std::size_t f = 0; f < field_count; ++f) {
    const Slot& slot = s[f];
    if (slot.kind == Kind::absent || slot.order >= best_order) continue;
    const std::string_view name = field_names[f];
    if (!allowed(*schema, f)) {
      best = make_error(errc::unknown_field, name, std::string(name) + " is not a field of " + std::string(schema->name));
      best_order = slot.order;
    } else if (!type_ok(field_expect[f], slot.kind)) {
      best = make_error(errc::wrong_type, name,
                        std::string(name) + " must be " + std::string(expected_type(field_expect[f])) + ", not " +
                            std::string(kind_name(slot.kind)));
      best_order = slot.order;
    }
  }
  if (best) return std::unexpected(std::move(*best));
  for (std::size_t i = 0; i < schema->field_count; ++i) {
    const Field f = schema->fields[i];
    if ((schema->required & bit(f)) != 0 && !present(s[f])) {
      const std::string name(field_names[f]);
      return std::unexpected(make_error(errc::missing_field, name, std::string(schema->name) + " needs " + name));
    }
  }
  for (std::size_t f = 0; f < field_count; ++f) {
    if (!present(s[f]) || f == f_op) continue;
    if (auto e = check_text(f, s[f])) return std::unexpected(std::move(*e));
  }
  auto request = Builder(s).build(schema->name);
  if (!request) return std::unexpected(std::move(request.error()));
  return Inbound{0, {}, request_id, std::move(*request)};
}

}  // namespace

std::expected<Inbound, Error> decode_request(std::string_view line, std::string& request_id) {
  request_id.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<Slot, field_count> slots;
  const auto scan = detail::scan_flat_object(line, field_names, slots);
  if (present(slots[f_id]) && slots[f_id].kind == Kind::string) request_id = slots[f_id].text;
  if (!scan.syntax_ok) {
    Error e = make_error(errc::invalid_json, "", "invalid JSON at byte " + std::to_string(scan.error_offset) + ": " +
                                                     std::string(scan.error_text));
    e.offset = scan.error_offset;
    return std::unexpected(std::move(e));
  }
  if (scan.not_object) return std::unexpected(make_error(errc::not_an_object, "", "a request is one JSON object per line"));
  return check_and_build(scan, slots, request_id);
}

std::expected<Inbound, Error> decode_request(std::string_view line) {
  std::string ignored;
  return decode_request(line, ignored);
}

}  // namespace fixgate::gateway
