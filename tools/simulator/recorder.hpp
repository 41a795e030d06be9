// SPDX-License-Identifier: Apache-2.0
#pragma once
// Append-only records of what the simulator did, for tests and reconciliation: one JSON line per
// fill (plus a CSV in the broker-recon layout) and one JSON line per logon event. Each line is
// flushed as written so a test can read the file while the simulator runs. Exec ids already in a
// file (from an earlier run) are read at start, so recording a fill twice writes it once per file.

#include <cstdio>
#include <string>
#include <unordered_set>

namespace fixgate::sim {

/// One fill as reported to the counterparty; quantities and prices are exact decimal text.
struct ExecutionRecord {
  std::string exec_id;
  std::string order_id;
  std::string cl_ord_id;
  std::string side;    ///< "buy", "sell", "sell_short", or the raw FIX value
  std::string symbol;
  std::string qty;     ///< LastQty
  std::string price;   ///< LastPx
  std::string time;    ///< ISO-8601 UTC with microseconds
  std::string session; ///< QuickFIX session id, e.g. "FIX.4.4:SIM->FIXGATE"
};

/// Writes fills and logon events to the files named on the command line (each optional).
class Recorder {
 public:
  /// Opens (appends to) the files whose paths are non-empty; throws std::runtime_error if one fails.
  Recorder(const std::string& executions_path, const std::string& csv_path,
           const std::string& logons_path);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Records one fill in each of the JSON and CSV files that does not hold its exec id yet;
  /// returns true if it wrote to either.
  bool on_execution(const ExecutionRecord& rec);
  /// Records a session event: "logon", "logout" or "logon_refused".
  void on_session_event(const std::string& event, const std::string& session,
                        const std::string& detail = {});

 private:
  std::FILE* executions_ = nullptr;
  std::FILE* csv_ = nullptr;
  std::FILE* logons_ = nullptr;
  std::unordered_set<std::string> in_executions_;  ///< exec ids the JSON file holds
  std::unordered_set<std::string> in_csv_;         ///< exec ids the CSV file holds
};

/// Current UTC time as ISO-8601 with microseconds ("2026-11-26T12:45:00.123456Z").
std::string iso_now();

}  // namespace fixgate::sim
