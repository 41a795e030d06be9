// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which records belong to which order. Every identifier a record carries becomes a node; a record
// links the identifiers it carries together (an ExecutionReport links its ClOrdID, OrigClOrdID,
// OrderID and ExecID; a cancel request links its client_order_id with the order's; an upstream
// execution event links the client_order_id with the ExecID; an `accepted` event links it with the
// ClOrdID the engine sent the request under). Journals written before `accepted` carried that
// ClOrdID link a NewOrderSingle to the upstream request it came from by content: the earliest
// accepted `new` of the same account, symbol, side, quantity and price not yet matched (the
// engine releases NewOrderSingles in the order it accepted them). An order is then one connected
// component.

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal_tool {

class Chains {
 public:
  /// Feed every record in seq order.
  void add(const journal::RecordView& record);

  /// Roots of every identifier whose id text equals `id` (client_order_id of any client,
  /// ClOrdID, OrigClOrdID, OrderID or ExecID).
  std::set<int> roots_for_id(const std::string& id);
  /// Roots of the identifiers record `seq` carries (empty when none).
  std::set<int> roots_of_record(std::uint64_t seq);
  /// Records (seqs) belonging to any of `roots`, plus engine apply_fix markers of those records.
  std::set<std::uint64_t> records_of(const std::set<int>& roots);
  /// "client_order_id demo/c1", "ClOrdID FG1", "OrderID SIM/O-1", "ExecID E-1" lines of a component.
  std::vector<std::string> describe(const std::set<int>& roots);
  /// The id texts of a component as records carry them (no client or session prefix), for
  /// index lookups.
  std::set<std::string> raw_ids(const std::set<int>& roots);
  /// The same ids by kind: {"client_order_id": ["demo/c1"], "ClOrdID": [...], "OrderID": [...],
  /// "ExecID": [...]} (every kind present, possibly empty).
  std::map<std::string, std::vector<std::string>> ids(const std::set<int>& roots);

 private:
  int node(const std::string& key);
  int find(int n);
  void unite(int a, int b);
  void link(std::uint64_t seq, const std::vector<std::string>& keys);

  std::unordered_map<std::string, int> ids_;
  std::vector<std::string> keys_;
  std::vector<int> parent_;
  std::unordered_map<std::uint64_t, std::vector<int>> record_nodes_;
  std::unordered_map<std::uint64_t, std::uint64_t> apply_markers_;  // marker seq -> applied record seq
  // Accepted new orders waiting for their NewOrderSingle, by content key, oldest first.
  std::map<std::string, std::deque<std::string>> waiting_nos_;
  std::unordered_map<std::string, std::string> new_requests_;  // client\x1fcoid -> content key
};

}  // namespace fixgate::journal_tool
