// SPDX-License-Identifier: Apache-2.0
// The audit fields of a record, read in one pass over its FIX fields or its JSON members.

#include "fixgate/journal/audit.hpp"

#include <algorithm>
#include <charconv>

namespace fixgate::journal {
namespace {

constexpr std::size_t max_value_bytes = 256;

bool printable(std::string_view v) {
  return !v.empty() && v.size() <= max_value_bytes &&
         std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

/// Keeps `value` in `out` when an index can hold it; otherwise marks the fields incomplete.
void keep(std::string& out, std::string_view value, AuditFields& f) {
  if (!out.empty()) return;  // first occurrence wins
  if (printable(value)) {
    out.assign(value);
  } else {
    f.incomplete = true;
  }
}

void fix_fields(std::string_view raw, AuditFields& f) {
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto end = raw.find('\x01', pos);
    if (end == std::string_view::npos) end = raw.size();
    const auto field = raw.substr(pos, end - pos);
    pos = end + 1;
    const auto eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    int tag = 0;
    const auto [p, ec] = std::from_chars(field.data(), field.data() + eq, tag);
    if (ec != std::errc{} || p != field.data() + eq) continue;
    const auto value = field.substr(eq + 1);
    switch (tag) {
      case 11: keep(f.cl_ord_id, value, f); break;
      case 41: keep(f.orig_cl_ord_id, value, f); break;
      case 37: keep(f.order_id, value, f); break;
      case 17: keep(f.exec_id, value, f); break;
      case 1: keep(f.account, value, f); break;
      case 55: keep(f.symbol, value, f); break;
      default: break;
    }
  }
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// A JSON object's members, one level deep, over the text in place.
class JsonMembers {
 public:
  explicit JsonMembers(std::string_view text) : t_(text) {
    skip_space();
    ok_ = i_ < t_.size() && t_[i_] == '{';
    ++i_;
  }

  /// The next member: key (raw), string value (raw, escapes left in; `is_string` false for
  /// anything else). False at the end or on malformed text.
  bool next(std::string_view& key, std::string_view& value, bool& is_string) {
    if (!ok_) return false;
    skip_space();
    if (i_ < t_.size() && t_[i_] == ',') ++i_;
    skip_space();
    if (i_ >= t_.size() || t_[i_] != '"') return ok_ = false;
    if (!string(key)) return ok_ = false;
    skip_space();
    if (i_ >= t_.size() || t_[i_] != ':') return ok_ = false;
    ++i_;
    skip_space();
    if (i_ >= t_.size()) return ok_ = false;
    is_string = t_[i_] == '"';
    if (is_string) return string(value) || (ok_ = false);
    return skip_value() || (ok_ = false);
  }

 private:
  void skip_space() {
    while (i_ < t_.size() && space(t_[i_])) ++i_;
  }
  // At an opening quote: the raw contents up to the closing quote.
  bool string(std::string_view& out) {
    const std::size_t start = ++i_;
    while (i_ < t_.size() && t_[i_] != '"') i_ += t_[i_] == '\\' ? 2u : 1u;
    if (i_ >= t_.size()) return false;
    out = t_.substr(start, i_ - start);
    ++i_;
    return true;
  }
  // A number, literal, object or array: skipped, nesting and strings respected.
  bool skip_value() {
    int depth = 0;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '"') {
        std::string_view ignored;
        if (!string(ignored)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) return true;
        --depth;
      }
      if (c == ',' && depth == 0) return true;
      ++i_;
    }
    return false;
  }

  std::string_view t_;
  std::size_t i_ = 0;
  bool ok_ = false;
};

/// Keeps a raw JSON string value, unescaping \" \\ \/; any other escape marks the fields incomplete.
void keep_json(std::string& out, std::string_view raw, AuditFields& f) {
  if (raw.find('\\') == std::string_view::npos) return keep(out, raw, f);
  std::string text;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      text.push_back(raw[i]);
      continue;
    }
    const char e = i + 1 < raw.size() ? raw[++i] : '\0';
    if (e != '"' && e != '\\' && e != '/') {
      f.incomplete = true;
      return;
    }
    text.push_back(e);
  }
  keep(out, text, f);
}

void upstream_fields(std::string_view payload, bool event, AuditFields& f) {
  JsonMembers members(payload);
  std::string_view key, value;
  bool is_string = false;
  bool accepted = false;
  std::string_view paired;
  while (members.next(key, value, is_string)) {
    if (!is_string) continue;
    if (key == "client_order_id") keep_json(f.cl_ord_id, value, f);
    else if (key == "orig_client_order_id") keep_json(f.orig_cl_ord_id, value, f);
    else if (key == "exec_id") keep_json(f.exec_id, value, f);
    else if (key == "account") keep_json(f.account, value, f);
    else if (key == "symbol") keep_json(f.symbol, value, f);
    else if (key == "event") accepted = value == "accepted";
    else if (key == "cl_ord_id") paired = value;
  }
  if (event && accepted && !paired.empty()) keep_json(f.paired_cl_ord_id, paired, f);
}

void engine_fields(std::string_view text, AuditFields& f) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.starts_with("apply_fix ")) {
    const auto digits = text.substr(10);
    std::uint64_t seq = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec == std::errc{} && p == digits.data() + digits.size()) f.applies = seq;
  } else if (text.starts_with("not_resent ")) {
    // "not_resent <msg_type> <cl_ord_id>"
    const auto last_space = text.rfind(' ');
    if (last_space > 11) keep(f.cl_ord_id, text.substr(last_space + 1), f);
  }
}

}  // namespace

AuditFields audit_fields(RecordKind kind, std::string_view payload) {
  AuditFields f;
  switch (kind) {
    case RecordKind::fix_in:
    case RecordKind::fix_out: fix_fields(payload, f); break;
    case RecordKind::upstream_request: upstream_fields(payload, false, f); break;
    case RecordKind::upstream_event: upstream_fields(payload, true, f); break;
    case RecordKind::engine_event: engine_fields(payload, f); break;
    default: break;
  }
  return f;
}

std::vector<IndexKey> index_keys(const AuditFields& f) {
  std::vector<IndexKey> keys;
  for (const std::string* id : {&f.cl_ord_id, &f.orig_cl_ord_id, &f.order_id, &f.exec_id, &f.paired_cl_ord_id}) {
    if (id->empty()) continue;
    if (std::none_of(keys.begin(), keys.end(), [&](const IndexKey& k) { return k.text == *id; })) {
      keys.push_back({IndexKind::id, *id});
    }
  }
  if (!f.account.empty()) keys.push_back({IndexKind::account, f.account});
  if (!f.symbol.empty()) keys.push_back({IndexKind::symbol, f.symbol});
  if (f.applies != 0) keys.push_back({IndexKind::applies, std::to_string(f.applies)});
  return keys;
}

std::uint64_t index_hash(const IndexKey& key) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  mix(static_cast<unsigned char>(key.kind));
  for (const char c : key.text) mix(static_cast<unsigned char>(c));
  return h;
}

}  // namespace fixgate::journal
