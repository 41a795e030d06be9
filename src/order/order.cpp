// SPDX-License-Identifier: Apache-2.0
// Order helpers, and stable codes for the order component's enums (logs, the journal and
// upstream clients use them).

#include <cstdint>

#include "fixgate/order/outcome.hpp"

namespace fixgate::order {

std::string_view name(RequestKind kind) {
  switch (kind) {
    case RequestKind::new_order:
      return "new_order";
    case RequestKind::cancel:
      return "cancel";
    case RequestKind::replace:
      return "replace";
  }
  return "unknown";
}

const ExecRecord* Order::find_exec(std::string_view id) const {
  for (const ExecRecord& e : execs) {
    if (exec_id(e) == id.substr(0, UINT16_MAX)) return &e;
  }
  return nullptr;
}

std::size_t Order::fill_count() const {
  std::size_t n = 0;
  for (const ExecRecord& e : execs) {
    if ((e.exec_type == ExecType::trade || e.exec_type == ExecType::trade_correct) && !e.busted) ++n;
  }
  return n;
}

std::string_view code(BreakKind kind) {
  switch (kind) {
    case BreakKind::unknown_order:
      return "unknown_order";
    case BreakKind::overfill:
      return "overfill";
    case BreakKind::cum_qty_mismatch:
      return "cum_qty_mismatch";
    case BreakKind::leaves_qty_mismatch:
      return "leaves_qty_mismatch";
    case BreakKind::unexpected_state:
      return "unexpected_state";
    case BreakKind::unknown_exec_ref:
      return "unknown_exec_ref";
    case BreakKind::field_mismatch:
      return "field_mismatch";
    case BreakKind::status_mismatch:
      return "status_mismatch";
    case BreakKind::exec_id_conflict:
      return "exec_id_conflict";
    case BreakKind::id_conflict:
      return "id_conflict";
    case BreakKind::unknown_request:
      return "unknown_request";
    case BreakKind::avg_px_mismatch:
      return "avg_px_mismatch";
    case BreakKind::message_reject:
      return "message_reject";
    case BreakKind::request_timeout:
      return "request_timeout";
  }
  return "unknown";
}

std::string_view code(Disposition disposition) {
  switch (disposition) {
    case Disposition::applied:
      return "applied";
    case Disposition::duplicate:
      return "duplicate";
    case Disposition::stale:
      return "stale";
    case Disposition::unknown_order:
      return "unknown_order";
    case Disposition::refused:
      return "refused";
  }
  return "unknown";
}

namespace {
// Bit of one ExecInst value: 0-9 → 0..9, A-Z → 10..35, a-z → 36..61; -1 for any other character.
int exec_inst_bit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return 10 + (c - 'A');
  if (c >= 'a' && c <= 'z') return 36 + (c - 'a');
  return -1;
}
constexpr std::string_view exec_inst_values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}  // namespace

std::optional<ExecInstSet> ExecInstSet::parse(std::string_view spaced) {
  ExecInstSet set;
  for (std::size_t i = 0; i < spaced.size(); i += 2) {
    const int bit = exec_inst_bit(spaced[i]);
    if (bit < 0) return std::nullopt;
    if (i + 1 < spaced.size() && (spaced[i + 1] != ' ' || i + 2 == spaced.size())) return std::nullopt;
    set.bits_ |= std::uint64_t{1} << bit;
  }
  return set;
}

std::string ExecInstSet::to_string() const {
  std::string out;
  for (std::size_t bit = 0; bit < exec_inst_values.size(); ++bit) {
    if (!(bits_ & (std::uint64_t{1} << bit))) continue;
    if (!out.empty()) out += ' ';
    out += exec_inst_values[bit];
  }
  return out;
}

}  // namespace fixgate::order
