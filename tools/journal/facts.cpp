// SPDX-License-Identifier: Apache-2.0
// What records say: raw FIX split into fields, the engine's flat JSON lines read in place, and
// the facts every subcommand reads out of a record (ids, account, symbol, side, quantities, who
// and why), with the names of FIX enumerations.

#include <charconv>

#include <nlohmann/json.hpp>

#include "common.hpp"
#include "fixgate/core/types.hpp"

namespace fixgate::journal_tool {

/// A flat JSON object of strings (without escapes), numbers, booleans and null, as the engine
/// writes upstream records, read in place; false for anything else (the caller falls back to a
/// full parser).
bool flat_json(std::string_view text, std::vector<std::pair<std::string_view, std::string_view>>& out) {
  out.clear();
  std::size_t i = 0;
  const auto skip_ws = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  const auto string = [&](std::string_view& value) {
    if (i >= text.size() || text[i] != '"') return false;
    const auto end = text.find_first_of("\"\\", i + 1);
    if (end == std::string_view::npos || text[end] != '"') return false;
    value = text.substr(i + 1, end - i - 1);
    i = end + 1;
    return true;
  };
  skip_ws();
  if (i >= text.size() || text[i] != '{') return false;
  ++i;
  skip_ws();
  if (i < text.size() && text[i] == '}') return i + 1 == text.size();
  for (;;) {
    skip_ws();
    std::string_view key, value;
    if (!string(key)) return false;
    skip_ws();
    if (i >= text.size() || text[i] != ':') return false;
    ++i;
    skip_ws();
    if (i < text.size() && text[i] == '"') {
      if (!string(value)) return false;
    } else {
      const auto end = text.find_first_of(",}", i);
      if (end == std::string_view::npos) return false;
      value = text.substr(i, end - i);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (value.empty() || value.find_first_of("{[\"") != std::string_view::npos) return false;
      i = end;
    }
    out.emplace_back(key, value);
    skip_ws();
    if (i >= text.size()) return false;
    if (text[i] == ',') {
      ++i;
      continue;
    }
    if (text[i] != '}') return false;
    ++i;
    skip_ws();
    return i == text.size();
  }
}

// ---- FIX ----

std::vector<FixField> split_fix(std::string_view raw) {
  std::vector<FixField> out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto stop = raw.find('\x01', pos);
    if (stop == std::string_view::npos) stop = raw.size();
    const auto field = raw.substr(pos, stop - pos);
    const auto eq = field.find('=');
    FixField f;
    if (eq != std::string_view::npos) {
      int tag = 0;
      const auto [end, ec] = std::from_chars(field.data(), field.data() + eq, tag);
      if (ec == std::errc{} && end == field.data() + eq) f.tag = tag;
      f.value = field.substr(eq + 1);
    } else {
      f.value = field;
    }
    if (!field.empty()) out.push_back(f);
    pos = stop + 1;
  }
  return out;
}

std::string printable(std::string_view payload) {
  std::string out(trimmed(payload));
  for (char& c : out) {
    if (c == '\x01') c = '|';
    else if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::string_view trimmed(std::string_view payload) {
  while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r')) payload.remove_suffix(1);
  return payload;
}

std::string_view direction_of(journal::RecordKind kind) {
  switch (kind) {
    case journal::RecordKind::fix_in:
    case journal::RecordKind::upstream_request: return "in";
    case journal::RecordKind::fix_out:
    case journal::RecordKind::upstream_event: return "out";
    default: return "";
  }
}

bool is_fix(journal::RecordKind kind) {
  return kind == journal::RecordKind::fix_in || kind == journal::RecordKind::fix_out;
}

std::string side_name(std::string_view fix_side) {
  if (fix_side.size() == 1) {
    if (auto side = side_from_fix(fix_side[0])) return std::string(name(*side));
  }
  return std::string(fix_side);
}

bool is_admin_op(std::string_view op) {
  return op == "kill" || op == "release" || op == "set_limit" || op == "logon" || op == "logout" ||
         op == "set_seq" || op == "reload";
}

namespace {

/// Every FIX code of ExecType or OrdStatus (one character) with its name, looked up both ways.
template <class FromFix>
NamedCode named_code(std::string_view value, FromFix from_fix) {
  if (value.size() == 1) {
    if (auto v = from_fix(value[0])) return {std::string(name(*v)), std::string(value)};
  }
  static constexpr std::string_view codes = "0123456789ABCDEFGHIJ";
  for (const char c : codes) {
    if (auto v = from_fix(c); v && name(*v) == value) return {std::string(value), std::string(1, c)};
  }
  return {std::string(value), std::string(value)};
}

}  // namespace

NamedCode exec_type_of(std::string_view value) { return named_code(value, exec_type_from_fix); }
NamedCode ord_status_of(std::string_view value) { return named_code(value, ord_status_from_fix); }

namespace {

void fix_facts(std::string_view raw, Facts& f) {
  // Only the fields we need, first occurrence each (no repeating groups in order messages).
  for (const auto& field : split_fix(raw)) {
    std::string* target = nullptr;
    switch (field.tag) {
      case 8: target = &f.begin_string; break;
      case 35: target = &f.msg_type; break;
      case 11: target = &f.cl_ord_id; break;
      case 41: target = &f.orig_cl_ord_id; break;
      case 37: target = &f.order_id; break;
      case 17: target = &f.exec_id; break;
      case 150: target = &f.exec_type; break;
      case 39: target = &f.ord_status; break;
      case 1: target = &f.account; break;
      case 55: target = &f.symbol; break;
      case 38: target = &f.qty; break;
      case 44: target = &f.price; break;
      case 32: target = &f.last_qty; break;
      case 31: target = &f.last_px; break;
      case 20: target = &f.exec_trans_type; break;
      case 58: target = &f.text; break;
      case 54:
        if (f.side.empty()) f.side = side_name(field.value);
        break;
      case 43:
      case 97:
        if (field.value == "Y") f.poss_dup = true;
        break;
      default: break;
    }
    if (target != nullptr && target->empty()) target->assign(field.value);
  }
}

std::string json_text(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return it->dump();
}

void upstream_facts(std::string_view payload, bool request, Facts& f) {
  thread_local std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (flat_json(trimmed(payload), pairs)) {
    for (const auto& [key, value] : pairs) {
      if (value == "null") continue;
      if (key == (request ? "op" : "event")) f.msg_type = value;
      else if (key == "client_order_id") f.client_order_id = value;
      else if (key == "cl_ord_id") f.cl_ord_id = value;
      else if (key == "orig_client_order_id") f.orig_client_order_id = value;
      else if (key == "exec_id") f.exec_id = value;
      else if (key == "exec_type") f.exec_type = value;
      else if (key == "status") f.ord_status = value;
      else if (key == "account") f.account = value;
      else if (key == "symbol") f.symbol = value;
      else if (key == "side") f.side = value;
      else if (key == (request ? "qty" : "order_qty")) f.qty = value;
      else if (key == "price") f.price = value;
      else if (key == "last_qty") f.last_qty = value;
      else if (key == "last_px") f.last_px = value;
      else if (key == "text") f.text = value;
      else if (key == "reason") f.reason = value;
      else if (key == "by") f.by = value;
    }
    if (f.text.empty()) f.text = f.reason;
    return;
  }
  auto object = nlohmann::json::parse(trimmed(payload), nullptr, false);
  if (object.is_discarded() || !object.is_object()) return;
  f.msg_type = json_text(object, request ? "op" : "event");
  f.client_order_id = json_text(object, "client_order_id");
  f.cl_ord_id = json_text(object, "cl_ord_id");
  f.orig_client_order_id = json_text(object, "orig_client_order_id");
  f.exec_id = json_text(object, "exec_id");
  f.exec_type = json_text(object, "exec_type");
  f.ord_status = json_text(object, "status");
  f.account = json_text(object, "account");
  f.symbol = json_text(object, "symbol");
  f.side = json_text(object, "side");
  f.qty = json_text(object, request ? "qty" : "order_qty");
  f.price = json_text(object, "price");
  f.last_qty = json_text(object, "last_qty");
  f.last_px = json_text(object, "last_px");
  f.text = json_text(object, "text");
  f.reason = json_text(object, "reason");
  f.by = json_text(object, "by");
  if (f.text.empty()) f.text = f.reason;
}

}  // namespace

Facts facts_of(const journal::RecordView& record) {
  Facts f;
  switch (record.kind) {
    case journal::RecordKind::fix_in:
    case journal::RecordKind::fix_out:
      fix_facts(record.payload, f);
      f.reason = f.text;
      break;
    case journal::RecordKind::upstream_request:
      upstream_facts(record.payload, true, f);
      // An admin request's author is the client that sent it.
      if (is_admin_op(f.msg_type) && f.by.empty()) f.by = std::string(record.stream);
      break;
    case journal::RecordKind::upstream_event: upstream_facts(record.payload, false, f); break;
    case journal::RecordKind::engine_event:
      // An audit record (spec/journal-format.md): by whom, the admin client or a signal's sender.
      if (record.payload.starts_with("audit ")) {
        auto audit = nlohmann::json::parse(record.payload.substr(6), nullptr, false);
        f.by = audit.is_object() && audit.contains("source") ? json_text(audit, "source") : std::string(record.stream);
      }
      break;
    default: break;
  }
  return f;
}

}  // namespace fixgate::journal_tool
