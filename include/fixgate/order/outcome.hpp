#pragma once
// What applying a broker message did: applied, ignored (duplicate / stale), or refused (unknown
// order), plus any breaks — discrepancies a machine must record and a person must be able to explain.
// A report can be applied and raise a break at once: the broker is the authority on its own book.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/order/order.hpp"

namespace fixgate::order {

/// What became of one broker message.
enum class Disposition : std::uint8_t {
  applied,        ///< the order changed (or was confirmed) by it
  duplicate,      ///< its ExecID was already applied to the order; ignored and counted
  stale,          ///< it would move the order back from a later or terminal state; ignored
  unknown_order,  ///< no order matches it; nothing created, a break raised
};

/// Kinds of break. Stable codes via code(); only add, never rename.
enum class BreakKind : std::uint8_t {
  unknown_order,        ///< report for no order the book knows
  overfill,             ///< fills exceed the order quantity
  cum_qty_mismatch,     ///< broker CumQty disagrees with the sum of the fills applied
  leaves_qty_mismatch,  ///< live order whose LeavesQty + CumQty is not its OrderQty
  unexpected_state,     ///< a report that makes no sense for the order's state (fill after cancel)
  unknown_exec_ref,     ///< TradeCancel/TradeCorrect naming an ExecID the order never had
  field_mismatch,       ///< side or symbol differs from the order's
};

/// Stable snake_case code, e.g. "overfill".
std::string_view code(BreakKind kind);
/// Stable snake_case code, e.g. "duplicate".
std::string_view code(Disposition disposition);

/// A discrepancy found while applying a broker message.
struct Break {
  BreakKind kind = BreakKind::unexpected_state;
  std::string text;  ///< human sentence with the ids and quantities involved
};

/// A fill the report applied (Trade, or the new values of a TradeCorrect).
struct Fill {
  std::string_view exec_id;  ///< the order's copy of the ExecID
  Qty last_qty;
  WidePrice last_px;
};

/// A cancel/replace request the message settled, so the engine can answer the upstream client.
struct Resolution {
  RequestKind kind = RequestKind::cancel;
  std::string_view client_order_id;  ///< the request's upstream id
  bool accepted = false;             ///< false: rejected by the broker, or dropped because the order ended
};

/// The result of on_exec_report / on_cancel_reject. Pointers and views stay valid until the next
/// call that changes the book.
struct ReportOutcome {
  Disposition disposition = Disposition::applied;
  const Order* order = nullptr;      ///< the matched order; null only for unknown_order
  std::string_view client_order_id;  ///< upstream id the message answers (the request's own id)
  std::optional<Fill> fill;
  std::optional<Resolution> resolved;
  std::vector<Break> breaks;

  /// True when the message changed or confirmed the order.
  bool applied() const { return disposition == Disposition::applied; }
};

/// Running totals, part of the folded state.
struct Counters {
  std::uint64_t orders = 0;             ///< orders accepted from upstream
  std::uint64_t requests_rejected = 0;  ///< upstream requests refused by validation
  std::uint64_t reports_applied = 0;
  std::uint64_t duplicates = 0;  ///< reports ignored as already applied
  std::uint64_t stale = 0;       ///< reports ignored as late
  std::uint64_t unknown = 0;     ///< reports for no known order
  std::uint64_t breaks = 0;      ///< breaks raised, all kinds
  bool operator==(const Counters&) const = default;
};

}  // namespace fixgate::order
