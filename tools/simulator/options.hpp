// SPDX-License-Identifier: Apache-2.0
#pragma once
// Command-line options of fixgate-simulator: where to listen, which sessions to accept, how to
// answer orders, and where to record what it did.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "prices.hpp"

namespace fixgate::sim {

/// How a new order is worked after it is acknowledged.
enum class FillMode { full, partial, none };

/// One accepted FIX session, seen from the simulator: we are `sender`, the counterparty `target`.
struct SessionSpec {
  std::string begin_string;  ///< "FIX.4.4" or "FIX.4.2"
  std::string sender;        ///< our CompID
  std::string target;        ///< the counterparty's CompID
};

/// The order messages the simulator serves.
enum class Request { new_order, cancel, replace, status };

/// Answer `request` for symbols starting with `symbol_prefix` (empty: every symbol) at the session
/// level instead of working it.
struct RequestRule {
  Request request = Request::new_order;
  std::string symbol_prefix;
};

/// Refuse every cancel or replace of a live order with an OrderCancelReject of the broker's own.
struct CancelRejectRule {
  Request request = Request::cancel;  ///< cancel or replace
  int reason = 0;                     ///< CxlRejReason (102)
  std::string text;                   ///< Text (58)
};

/// Which ExecID a fill repeats: none, its order's New acknowledgement's, or the previous fill's.
enum class RepeatExecId { none, ack, fill };

/// Ways to misbehave as real brokers do, each chosen on the command line.
struct Modes {
  PriceText price_text = PriceText::exact;
  std::vector<RequestRule> session_rejects;   ///< answered with a session-level Reject (35=3)
  std::vector<RequestRule> business_rejects;  ///< answered with a BusinessMessageReject (35=j) without 379
  std::vector<CancelRejectRule> cancel_rejects;
  std::optional<std::string> status_exec_id;  ///< ExecID of every status report (e.g. "0"); else a fresh one
  RepeatExecId repeat_exec_id = RepeatExecId::none;
};

/// The rule among `rules` that picks `request` on `symbol`, if any.
const RequestRule* find_rule(const std::vector<RequestRule>& rules, Request request, const std::string& symbol);

/// Everything the command line can say.
struct Options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9878;
  std::string sender_comp_id = "SIM";
  std::vector<SessionSpec> sessions;  ///< empty until parsed; defaults filled in by parse_options
  std::string dictionary_dir;         ///< empty: no validation against a data dictionary
  std::string store_dir;              ///< empty: a fresh temporary directory under var/
  std::string fix_log_dir;            ///< empty: no QuickFIX message log
  std::string executions_path;        ///< JSON lines, one per fill
  std::string executions_csv_path;    ///< CSV for broker reconciliation
  std::string logons_path;            ///< JSON lines, one per logon/logout
  FillMode fill_mode = FillMode::full;
  int partial_fills = 1;
  int fill_delay_ms = 0;
  std::vector<std::string> reject_symbols;
  std::vector<std::string> reject_accounts;
  std::vector<SimPrice> fill_prices;  ///< price of each successive fill; the last one repeats
  int heartbeat_seconds = 30;
  std::string refuse_logon;             ///< non-empty: answer every Logon with a Logout carrying it
  std::optional<int> next_target_seq;   ///< start every session expecting this inbound MsgSeqNum
  std::optional<int> next_sender_seq;   ///< start every session sending this MsgSeqNum
  Modes modes;
};

/// Parses argv. When the program is done (--help, --version, a usage error, all printed) the
/// exit code to return instead.
std::expected<Options, int> parse_options(int argc, const char* const* argv);

/// Parses "FIX.4.4:FIXGATE" or "FIX.4.4:SIM->FIXGATE"; `default_sender` fills the short form.
std::expected<SessionSpec, std::string> parse_session(const std::string& text,
                                                      const std::string& default_sender);

}  // namespace fixgate::sim
