// SPDX-License-Identifier: Apache-2.0
#pragma once
// What applying a broker message did: applied, ignored (duplicate / stale), or not applied (unknown
// order, refused), plus at most one break — the discrepancies a machine must record and a person
// must be able to explain. A report can be applied and raise a break at once: the broker is the
// authority on its own book, but never trusted blindly.

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
  duplicate,      ///< its ExecID was already applied to the order with the same content; ignored and counted
  stale,          ///< it would move the order back from a later or terminal state; ignored
  unknown_order,  ///< no order matches it; nothing created, a break raised
  refused,        ///< it contradicts what fixgate knows (ids of different orders, a reused ExecID, a request
                  ///< fixgate never sent): applied to no order, a break raised naming the order
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
  status_mismatch,      ///< a status report disagrees with the book; the broker's numbers are taken
  exec_id_conflict,     ///< an ExecID applied before comes again with other content; not applied
  id_conflict,          ///< ClOrdID, OrigClOrdID and OrderID name different orders, or a ClOrdID fixgate never sent
  unknown_request,      ///< an answer to a cancel/replace fixgate never sent (or an unknown OrigClOrdID)
  avg_px_mismatch,      ///< broker AvgPx differs from the average of the fills applied, beyond rounding
  message_reject,       ///< a session/business reject of a request the broker had already answered
  request_timeout,      ///< a request had no answer in time, even after a status request
};

/// Stable snake_case code, e.g. "overfill".
std::string_view code(BreakKind kind);
/// Stable snake_case code, e.g. "duplicate".
std::string_view code(Disposition disposition);

/// The discrepancies one broker message showed: one break per message, whatever it broke.
struct Break {
  BreakKind kind = BreakKind::unexpected_state;  ///< the first rule it broke, in the order they are checked
  std::vector<BreakKind> also;                   ///< any further rules the same message broke
  std::string text;     ///< one sentence per rule broken ("; " between), with the ids and numbers involved
  std::string exec_id;  ///< ExecID of the report it came from; empty for other messages
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

/// The result of on_exec_report / on_cancel_reject / on_request_reject / on_timeout. Pointers and
/// views stay valid until the next call that changes the book.
struct ReportOutcome {
  Disposition disposition = Disposition::applied;
  const Order* order = nullptr;      ///< the matched order (refused: the order named, unchanged); null for unknown_order
  std::string_view client_order_id;  ///< upstream id the message answers (the request's own id)
  std::string_view orig_client_order_id;  ///< upstream id of the report's OrigClOrdID, when it names one of the order's
  std::optional<Fill> fill;
  std::optional<Resolution> resolved;  ///< a pending cancel/replace it settled
  bool order_refused = false;          ///< a session or business reject refused the order itself
  std::optional<Break> raised;         ///< the one break this message raised, if any

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
  std::uint64_t refused = 0;     ///< messages applied to no order because they contradict the book
  std::uint64_t breaks = 0;      ///< breaks raised (one per message at most), all kinds
  bool operator==(const Counters&) const = default;
};

}  // namespace fixgate::order
