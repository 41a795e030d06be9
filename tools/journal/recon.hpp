// SPDX-License-Identifier: Apache-2.0
#pragma once
// Broker reconciliation: every fill the engine applied (fix_in ExecutionReports with a trade
// ExecType and LastQty > 0 that an apply marker names) against the broker's execution file
// (spec/broker-executions.md), matched by ExecID, quantities and prices compared as exact decimals.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/wide_price.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal_tool {

/// One execution from either side.
struct Execution {
  std::string exec_id;
  std::string order_id;
  std::string side;    ///< upstream name: buy, sell, sell_short (unknown values kept raw)
  std::string symbol;
  Qty qty;
  WidePrice price;     ///< exact to 18 decimals, as brokers print prices
  std::string time;    ///< as written (broker) or the record time (journal)
  std::string where;   ///< "record #12 (SIM)" or "FILE:LINE"
  bool poss_dup = false;
};

/// A difference between the books; `kind` is one of the stable names in spec/broker-executions.md.
struct Break {
  std::string kind;
  std::string exec_id;
  std::string detail;
};

struct ReconResult {
  std::size_t journal_fills = 0;   ///< distinct ExecIDs in the journal
  std::size_t broker_fills = 0;    ///< distinct ExecIDs in the broker file
  std::size_t matched = 0;         ///< on both sides with every field equal
  std::vector<Break> breaks;       ///< in a stable order: journal order, then broker order
  std::map<std::string, std::size_t> by_kind() const;
};

/// The broker CSV columns, exactly this header line.
inline constexpr std::string_view broker_header = "exec_id,order_id,side,symbol,qty,price,time";

/// Parses a broker execution file (RFC 4180 CSV with the header above). Throws UsageError naming
/// FILE:LINE, the column and what is wrong.
std::vector<Execution> read_broker_csv(std::string_view text, const std::string& file);

/// The fill a record carries, or nullopt when it is not a fill (see the file comment).
std::optional<Execution> journal_fill(const journal::RecordView& record);

/// The fills the engine applied, in the order it applied them: a fix_in fill counts when the
/// engine's apply_fix marker names it, an apply_raw marker's own bytes count as they stand.
/// Copies the session layer threw away (garbled, a sequence number seen before) never get a
/// marker, and do not count.
class AppliedFills {
 public:
  /// Folds one journal record (every kind may be given, in journal order).
  void add(const journal::RecordView& record);
  /// The applied fills, in apply order.
  const std::vector<Execution>& fills() const { return applied_; }
  /// Fills received (fix_in) that no marker applied.
  std::size_t not_applied() const { return waiting_.size(); }

 private:
  std::map<std::uint64_t, Execution> waiting_;  ///< fix_in seq → fill, until its marker comes
  std::vector<Execution> applied_;
};

/// Compares the journal's fills (in journal order, resends included) with the broker's rows.
ReconResult reconcile(const std::vector<Execution>& journal, const std::vector<Execution>& broker);

}  // namespace fixgate::journal_tool
