#pragma once
// Broker reconciliation: every fill the journal received (fix_in ExecutionReports with a trade
// ExecType and LastQty > 0) against the broker's execution file (spec/broker-executions.md),
// matched by ExecID, quantities and prices compared as exact decimals.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal_tool {

/// One execution from either side.
struct Execution {
  std::string exec_id;
  std::string order_id;
  std::string side;    ///< upstream name: buy, sell, sell_short (unknown values kept raw)
  std::string symbol;
  Qty qty;
  Price price;
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

/// Compares the journal's fills (in journal order, resends included) with the broker's rows.
ReconResult reconcile(const std::vector<Execution>& journal, const std::vector<Execution>& broker);

}  // namespace fixgate::journal_tool
