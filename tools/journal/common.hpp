// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared pieces of fixgate-journal: argument parsing with precise usage errors, time parsing and
// printing, splitting raw FIX, the facts every subcommand reads out of a record (ids, account,
// symbol, side, quantities) and the record filter used by show, query and export.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/record.hpp"

namespace CLI {
class App;
}

namespace fixgate::journal_tool {

/// Exit codes of every subcommand (fixgate/cli/exit_codes.hpp, docs/CLI.md).
inline constexpr int exit_ok = cli::exit_ok;
inline constexpr int exit_finding = cli::exit_failure;  ///< damaged journal, breaks found
inline constexpr int exit_usage = cli::exit_usage;      ///< bad arguments or unreadable input

/// The exit code for a journal that could not be read to the end: a journal found damaged is a
/// finding (1); one that could not be read at all (permissions, a lost database connection) is
/// unreadable input (2), so an audit job never takes an outage for tampering.
inline int exit_for(const journal::Error& error) {
  const bool unreadable = error.kind == journal::ErrorKind::io_error || error.kind == journal::ErrorKind::invalid_argument;
  return unreadable ? exit_usage : exit_finding;
}

/// A usage or input error: the message names the argument, file, line or field. Exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parsed command line of one subcommand: positional arguments and --options (CLI11 underneath).
class Args {
 public:
  /// Declares a subcommand's options on `command`: `valued` take a value, `flags` do not; both
  /// with their help from option_help(). Anything else is an error naming the option. "--opt=value"
  /// and "--opt value" are both accepted, and valued options may be repeated.
  static void declare(CLI::App& command, const std::set<std::string>& valued, const std::set<std::string>& flags);
  /// What `command`, declared with declare() and parsed, was given.
  explicit Args(const CLI::App& command);
  /// Parses argv[first..] as the arguments of `command` alone; a UsageError naming the option.
  Args(std::string command, int argc, char** argv, int first, const std::set<std::string>& valued,
       const std::set<std::string>& flags);

  const std::vector<std::string>& positional() const { return positional_; }
  /// The one positional argument DIR (error when missing or more than one).
  const std::string& dir() const;
  bool has(const std::string& option) const { return values_.count(option) != 0; }
  /// Last value given for `option`.
  std::optional<std::string> get(const std::string& option) const;
  /// Every value given for `option`, comma lists split.
  std::vector<std::string> list(const std::string& option) const;
  /// "fixgate-journal <command>: <what>" as a UsageError.
  [[noreturn]] void fail(const std::string& what) const;
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
};

/// What an option of fixgate-journal takes and does, for --help.
struct OptionHelp {
  std::string value;  ///< "TIME", "in|out"; empty for a flag
  std::string text;
};
OptionHelp option_help(const std::string& option);

/// Parses RFC 3339 / ISO 8601 times: "2026-11-26T12:00:00Z", "2026-11-26T12:00:00.123456789Z",
/// with an offset "2026-11-26T21:00:00+09:00" (or -05:00), without a zone (then UTC); "2026-11-26"
/// (midnight UTC); or a whole number of nanoseconds since the epoch. nullopt for anything else.
std::optional<std::int64_t> parse_time(std::string_view text);
/// "2026-11-26T12:00:00.123456789Z" (always nine fractional digits).
std::string format_time(std::int64_t ns);

/// One tag=value field of a raw FIX message.
struct FixField {
  int tag = 0;
  std::string_view value;
};
/// Splits a SOH-separated FIX message; a field without '=' or a non-numeric tag gets tag 0.
std::vector<FixField> split_fix(std::string_view raw);
/// FIX SOH shown as '|', newlines as spaces.
std::string printable(std::string_view payload);

/// "in" for fix_in and upstream_request, "out" for fix_out and upstream_event, "" otherwise.
std::string_view direction_of(journal::RecordKind kind);
/// True for fix_in / fix_out.
bool is_fix(journal::RecordKind kind);

/// What a record says about orders, read from FIX fields or the upstream JSON. Empty when absent.
/// Sides are the upstream names ("buy", "sell", "sell_short"; a FIX side we do not know stays raw).
struct Facts {
  std::string msg_type;              ///< FIX 35, or the upstream "op" / "event"
  std::string client_order_id;       ///< upstream client_order_id
  std::string orig_client_order_id;  ///< upstream orig_client_order_id
  std::string cl_ord_id;             ///< FIX 11, or the ClOrdID an upstream `accepted` pairs with
  std::string orig_cl_ord_id;        ///< FIX 41
  std::string order_id;              ///< FIX 37
  std::string exec_id;               ///< FIX 17 or the upstream execution's exec_id
  std::string exec_type;             ///< FIX 150 or the upstream exec_type
  std::string ord_status;            ///< FIX 39 or the upstream status
  std::string account;
  std::string symbol;
  std::string side;
  std::string qty;                   ///< FIX 38 OrderQty, upstream qty / order_qty
  std::string price;                 ///< FIX 44 Price, upstream price
  std::string last_qty;              ///< FIX 32, upstream last_qty
  std::string last_px;               ///< FIX 31, upstream last_px
  std::string exec_trans_type;       ///< FIX 20 (4.2)
  std::string begin_string;          ///< FIX 8
  bool poss_dup = false;             ///< FIX 43=Y or 97=Y
  std::string text;                  ///< FIX 58 or upstream text / reason
  std::string reason;                ///< upstream reason (a reject code, an admin's why); FIX 58
  std::string by;                    ///< upstream `by` (who acted), or the admin client of a request
};

/// Reads a flat JSON object (string values without escapes, numbers, booleans, null), as the
/// engine writes upstream records, into key/value views of `text`; false for anything else
/// (callers then use a full JSON parser).
bool flat_json(std::string_view text, std::vector<std::pair<std::string_view, std::string_view>>& out);
/// Reads the facts out of a record of any kind (FIX, upstream JSON; other kinds give empty facts).
Facts facts_of(const journal::RecordView& record);
/// The payload without a trailing newline (upstream records end with one).
std::string_view trimmed(std::string_view payload);

/// Which records a subcommand looks at.
struct Filter {
  std::optional<std::string> session;      ///< stream name
  std::optional<std::string> direction;    ///< "in" / "out"
  std::set<std::string> msg_types;         ///< FIX MsgType values or upstream op/event names
  std::set<journal::RecordKind> kinds;
  std::optional<std::int64_t> from_ns;     ///< inclusive
  std::optional<std::int64_t> to_ns;       ///< inclusive

  /// True when nothing needs the payload's fields (msg_types empty).
  bool matches_frame(const journal::RecordView& record) const;
  /// matches_frame plus the MsgType test.
  bool matches(const journal::RecordView& record) const;
};

class Dictionaries;
/// Reads --session, --direction, --kind, --from, --to (and --type when `dicts` is given: values
/// may be MsgType codes, names from the data dictionaries like ExecutionReport, or upstream
/// op/event names). Errors name the option and the value.
Filter parse_filter(const Args& args, const Dictionaries* dicts);

/// The upstream protocol's request op and event names (accepted by --type).
const std::set<std::string, std::less<>>& upstream_type_names();

/// The time an option gives (parse_time); a UsageError naming the option when it is not one.
std::optional<std::int64_t> time_option(const Args& args, const std::string& option);

/// Options every filtering subcommand accepts.
std::set<std::string> filter_options();

/// True for the upstream ops an admin client sends (kill, release, set_limit, logon, logout,
/// set_seq, reload).
bool is_admin_op(std::string_view op);

/// ExecType as a name and as its FIX code, from either form ("F" or "trade"); a value we do not
/// know stays as it is in both.
struct NamedCode {
  std::string name;
  std::string code;
};
NamedCode exec_type_of(std::string_view value);
/// OrdStatus likewise ("2" or "filled").
NamedCode ord_status_of(std::string_view value);

/// The upstream name of a FIX Side value ("1" -> "buy"); values we do not know stay as they are.
std::string side_name(std::string_view fix_side);

}  // namespace fixgate::journal_tool
