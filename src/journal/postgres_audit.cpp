// Audit columns of the PostgreSQL journal: order ids, account and symbol read out of a record's
// payload so the journal tool can find records by them through an index.

#include <algorithm>

#include "fixgate/core/fix_text.hpp"
#include "postgres_internal.hpp"

namespace fixgate::journal::pg {
namespace {

std::optional<std::string_view> printable(std::optional<std::string_view> v) {
  if (!v || v->empty() || v->size() > 256) return std::nullopt;
  const bool ok = std::all_of(v->begin(), v->end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  return ok ? v : std::nullopt;
}

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<std::string_view> json_string_field(std::string_view json, std::string_view key) {
  std::string quoted;
  quoted.reserve(key.size() + 2);
  quoted.push_back('"');
  quoted.append(key);
  quoted.push_back('"');
  std::size_t from = 0;
  while (from < json.size()) {
    const auto at = json.find(quoted, from);
    if (at == std::string_view::npos) return std::nullopt;
    from = at + 1;
    if (at > 0 && json[at - 1] == '\\') continue;  // inside another string value
    std::size_t p = at + quoted.size();
    while (p < json.size() && json_space(json[p])) ++p;
    if (p >= json.size() || json[p] != ':') continue;  // a value, not a key
    ++p;
    while (p < json.size() && json_space(json[p])) ++p;
    if (p >= json.size() || json[p] != '"') return std::nullopt;  // not a string
    ++p;
    const auto end = json.find_first_of("\"\\", p);
    if (end == std::string_view::npos || json[end] != '"') return std::nullopt;  // escapes: skip
    return json.substr(p, end - p);
  }
  return std::nullopt;
}

AuditFields audit_fields(RecordKind kind, std::string_view payload) {
  AuditFields f;
  switch (kind) {
    case RecordKind::fix_in:
    case RecordKind::fix_out:
      f.cl_ord_id = printable(fix_field(payload, 11));
      f.orig_cl_ord_id = printable(fix_field(payload, 41));
      f.order_id = printable(fix_field(payload, 37));
      f.exec_id = printable(fix_field(payload, 17));
      f.account = printable(fix_field(payload, 1));
      f.symbol = printable(fix_field(payload, 55));
      break;
    case RecordKind::upstream_request:
    case RecordKind::upstream_event:
      f.cl_ord_id = printable(json_string_field(payload, "client_order_id"));
      f.orig_cl_ord_id = printable(json_string_field(payload, "orig_client_order_id"));
      f.exec_id = printable(json_string_field(payload, "exec_id"));
      f.account = printable(json_string_field(payload, "account"));
      f.symbol = printable(json_string_field(payload, "symbol"));
      break;
    default:
      break;
  }
  return f;
}

}  // namespace fixgate::journal::pg
