// SPDX-License-Identifier: Apache-2.0
#include "options.hpp"

#include <charconv>
#include <iostream>
#include <string_view>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/core/spec_dir.hpp"

namespace fixgate::sim {
namespace {

template <class Int>
std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool known_begin_string(const std::string& s) { return s == "FIX.4.4" || s == "FIX.4.2"; }

}  // namespace

std::expected<SessionSpec, std::string> parse_session(const std::string& text,
                                                      const std::string& default_sender) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::unexpected("--session wants BEGINSTRING:COMPID: " + text);
  SessionSpec spec{text.substr(0, colon), default_sender, text.substr(colon + 1)};
  if (const auto arrow = spec.target.find("->"); arrow != std::string::npos) {
    spec.sender = spec.target.substr(0, arrow);
    spec.target = spec.target.substr(arrow + 2);
  }
  if (!known_begin_string(spec.begin_string))
    return std::unexpected("--session: only FIX.4.4 and FIX.4.2 are served: " + text);
  if (spec.sender.empty() || spec.target.empty())
    return std::unexpected("--session: empty CompID in " + text);
  return spec;
}

namespace {

using Error = std::optional<std::string>;

// What the command line said so far; --session values wait for the final --sender-comp-id.
struct Parsed {
  Options opts;
  std::vector<std::string> session_texts;
  std::vector<std::string> fill_price_texts;
};

// One flag's effect: an error message, or nothing when the value was taken.
using Setter = Error (*)(const std::string& value, Parsed& parsed);

template <auto Member>
Error assign(const std::string& value, Parsed& p) {
  p.opts.*Member = value;
  return std::nullopt;
}

template <auto Member>
Error append(const std::string& value, Parsed& p) {
  (p.opts.*Member).push_back(value);
  return std::nullopt;
}

// A whole number of at least `min`, or an error naming the flag.
std::expected<int, std::string> count(const char* flag, int min, const std::string& value) {
  const auto n = parse_int<int>(value);
  if (!n || *n < min)
    return std::unexpected(std::string(flag) + " wants a whole number >= " + std::to_string(min) + ", got " + value);
  return *n;
}

template <auto Member>
Error set_count(const char* flag, int min, const std::string& value, Parsed& p) {
  auto n = count(flag, min, value);
  if (!n) return n.error();
  p.opts.*Member = *n;
  return std::nullopt;
}

Error set_listen(const std::string& value, Parsed& p) {
  const auto colon = value.rfind(':');
  const auto port =
      colon == std::string::npos ? std::nullopt : parse_int<std::uint16_t>(std::string_view(value).substr(colon + 1));
  if (!port) return "--listen wants HOST:PORT, got " + value;
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]
  p.opts.listen_host = host;
  p.opts.listen_port = *port;
  return std::nullopt;
}

Error set_fill(const std::string& value, Parsed& p) {
  if (value == "full" || value == "none") {
    p.opts.fill_mode = value == "full" ? FillMode::full : FillMode::none;
    return std::nullopt;
  }
  if (!value.starts_with("partial:")) return "--fill wants full, partial:N or none, got " + value;
  const auto n = parse_int<int>(std::string_view(value).substr(8));
  if (!n || *n < 1) return "--fill partial:N wants N >= 1, got " + value;
  p.opts.fill_mode = FillMode::partial;
  p.opts.partial_fills = *n;
  return std::nullopt;
}

// Prices are checked once the price text is known: exact mode needs 8 decimals at most.
Error set_fill_prices(const std::string& value, Parsed& p) {
  p.fill_price_texts.clear();
  std::size_t begin = 0;
  for (;;) {
    const auto comma = value.find(',', begin);
    p.fill_price_texts.push_back(value.substr(begin, comma - begin));
    if (comma == std::string::npos) return std::nullopt;
    begin = comma + 1;
  }
}

Error set_price_text(const std::string& value, Parsed& p) {
  const auto mode = parse_price_text(value);
  if (!mode) return "--price-text wants exact, quickfix or javascript, got " + value;
  p.opts.modes.price_text = *mode;
  return std::nullopt;
}

std::optional<Request> parse_request(std::string_view text) {
  if (text == "new") return Request::new_order;
  if (text == "cancel") return Request::cancel;
  if (text == "replace") return Request::replace;
  if (text == "status") return Request::status;
  return std::nullopt;
}

// "new", "cancel:HOLD", ... into `rules`; status requests only where `with_status`.
Error add_request_rule(const char* flag, bool with_status, const std::string& value, std::vector<RequestRule>& rules) {
  const auto colon = value.find(':');
  const auto request = parse_request(std::string_view(value).substr(0, colon));
  if (!request || (!with_status && *request == Request::status))
    return std::string(flag) + " wants " + (with_status ? "new, cancel, replace or status" : "new, cancel or replace") +
           ", optionally :SYMBOL_PREFIX, got " + value;
  rules.push_back({*request, colon == std::string::npos ? std::string() : value.substr(colon + 1)});
  return std::nullopt;
}

Error add_cancel_reject(const std::string& value, Parsed& p) {
  const std::string wants = "--cancel-reject wants cancel|replace:CXL_REJ_REASON:TEXT, got " + value;
  const auto first = value.find(':');
  if (first == std::string::npos) return wants;
  const auto second = value.find(':', first + 1);
  const auto request = parse_request(std::string_view(value).substr(0, first));
  if (second == std::string::npos || (request != Request::cancel && request != Request::replace)) return wants;
  const auto reason = parse_int<int>(std::string_view(value).substr(first + 1, second - first - 1));
  if (!reason || *reason < 0) return wants;
  p.opts.modes.cancel_rejects.push_back({*request, *reason, value.substr(second + 1)});
  return std::nullopt;
}

Error set_repeat_exec_id(const std::string& value, Parsed& p) {
  if (value == "ack") p.opts.modes.repeat_exec_id = RepeatExecId::ack;
  else if (value == "fill") p.opts.modes.repeat_exec_id = RepeatExecId::fill;
  else return "--repeat-exec-id wants ack or fill, got " + value;
  return std::nullopt;
}

Error set_status_exec_id(const std::string& value, Parsed& p) {
  if (value.empty()) return "--status-exec-id wants an ExecID, got nothing";
  p.opts.modes.status_exec_id = value;
  return std::nullopt;
}

Error set_refuse_logon(const std::string& value, Parsed& p) {
  if (value.empty()) return "--refuse-logon wants the Logout text, got nothing";
  p.opts.refuse_logon = value;
  return std::nullopt;
}

/// One command-line option: its flag, what it takes, what it does, its help group and its effect.
struct Flag {
  const char* name;
  const char* value;
  const char* help;
  const char* group;
  Setter set;
};

constexpr const char* general = "Options";
constexpr const char* session_layer = "Session layer";
constexpr const char* broker = "Broker behaviour (rules apply to every session)";

const std::vector<Flag>& flags() {
  static const std::vector<Flag> table = {
      {"--listen", "HOST:PORT", "address to bind (default 127.0.0.1:9878; port 0 picks a free one)", general,
       set_listen},
      {"--sender-comp-id", "ID", "our CompID (default SIM)", general, assign<&Options::sender_comp_id>},
      {"--session", "SPEC",
       "accept SPEC = BEGINSTRING:THEIR_ID or BEGINSTRING:OUR_ID->THEIR_ID, repeatable (default FIX.4.4:FIXGATE and "
       "FIX.4.2:FIXGATE)",
       general, [](const std::string& v, Parsed& p) -> Error { p.session_texts.push_back(v); return std::nullopt; }},
      {"--dictionary-dir", "DIR",
       "validate with DIR/FIX44.xml and DIR/FIX42.xml (default: found like fixgate's spec, docs/OPERATIONS.md; \"none\" disables "
       "validation)",
       general,
       [](const std::string& v, Parsed& p) -> Error { return assign<&Options::dictionary_dir>(v == "none" ? "" : v, p); }},
      {"--store-dir", "DIR", "QuickFIX FileStore for our sequence numbers (default: fresh dir in var/)", general,
       assign<&Options::store_dir>},
      {"--fix-log-dir", "DIR", "QuickFIX message and event logs (default: none)", general, assign<&Options::fix_log_dir>},
      {"--executions", "FILE", "JSON line per execution report carrying a fill", general,
       assign<&Options::executions_path>},
      {"--executions-csv", "FILE", "CSV exec_id,order_id,side,symbol,qty,price,time per fill", general,
       assign<&Options::executions_csv_path>},
      {"--logons", "FILE", "JSON line per logon, logout and refused logon", general, assign<&Options::logons_path>},
      {"--fill", "full|partial:N|none", "how orders are worked (default full)", general, set_fill},
      {"--fill-delay-ms", "MS", "delay between successive reports of an order (default 0)", general,
       [](const std::string& v, Parsed& p) { return set_count<&Options::fill_delay_ms>("--fill-delay-ms", 0, v, p); }},
      {"--fill-price", "PX[,PX...]",
       "price of each successive fill of an order, the last repeating (default: the order's limit price, else 100)",
       general, set_fill_prices},
      {"--reject-symbol", "SYM", "reject orders for SYM (repeatable); symbols starting REJ always are", general,
       append<&Options::reject_symbols>},
      {"--reject-account", "ACC", "reject orders for account ACC (repeatable)", general,
       append<&Options::reject_accounts>},
      {"--heartbeat", "SECONDS", "heartbeat interval we expect (default 30; the initiator's Logon wins)", general,
       [](const std::string& v, Parsed& p) { return set_count<&Options::heartbeat_seconds>("--heartbeat", 1, v, p); }},
      {"--refuse-logon", "TEXT", "answer every Logon with a Logout carrying TEXT, then disconnect", session_layer,
       set_refuse_logon},
      {"--next-target-seq", "N",
       "start every session expecting inbound MsgSeqNum N (a Logon below N is answered \"MsgSeqNum too low, "
       "expecting N but received M\")",
       session_layer,
       [](const std::string& v, Parsed& p) { return set_count<&Options::next_target_seq>("--next-target-seq", 1, v, p); }},
      {"--next-sender-seq", "N", "start every session sending MsgSeqNum N (N=1: a counterparty that reset)",
       session_layer,
       [](const std::string& v, Parsed& p) { return set_count<&Options::next_sender_seq>("--next-sender-seq", 1, v, p); }},
      {"--price-text", "MODE",
       "exact (default), quickfix (doubles, 15 significant digits, as QuickFIX's ordermatch writes AvgPx) or "
       "javascript (doubles, shortest round trip)",
       broker, set_price_text},
      {"--session-reject", "REQ[:PREFIX]",
       "answer REQ (new, cancel, replace) for symbols starting with PREFIX (default: all) with a session-level "
       "Reject (35=3), repeatable",
       broker,
       [](const std::string& v, Parsed& p) {
         return add_request_rule("--session-reject", false, v, p.opts.modes.session_rejects);
       }},
      {"--business-reject", "REQ[:PREFIX]",
       "answer REQ (new, cancel, replace, status) with QuickFIX's BusinessMessageReject 'Unsupported Message Type' "
       "(no 379), repeatable",
       broker,
       [](const std::string& v, Parsed& p) {
         return add_request_rule("--business-reject", true, v, p.opts.modes.business_rejects);
       }},
      {"--cancel-reject", "REQ:REASON:TEXT",
       "refuse every cancel or replace (REQ) of a live order with an OrderCancelReject carrying CxlRejReason REASON "
       "and Text TEXT",
       broker, add_cancel_reject},
      {"--status-exec-id", "ID", "ExecID of every order status report (e.g. 0; default: a fresh one)", broker,
       set_status_exec_id},
      {"--repeat-exec-id", "ack|fill",
       "an order's first fill reuses its New report's ExecID (ack), or each fill after the first reuses the "
       "previous fill's (fill)",
       broker, set_repeat_exec_id},
  };
  return table;
}

// Fill prices read in the price text finally chosen: exact mode keeps Price's 8 decimals.
Error resolve_fill_prices(Parsed& p) {
  for (const auto& text : p.fill_price_texts) {
    const auto px = SimPrice::parse(text);
    if (!px) return "--fill-price wants positive decimals, got " + text;
    if (!PriceWriter(p.opts.modes.price_text).writable(*px))
      return "--fill-price " + text + " has more than 8 decimals; only --price-text quickfix or javascript writes it";
    p.opts.fill_prices.push_back(*px);
  }
  return std::nullopt;
}

}  // namespace

const RequestRule* find_rule(const std::vector<RequestRule>& rules, Request request, const std::string& symbol) {
  for (const auto& rule : rules)
    if (rule.request == request && symbol.starts_with(rule.symbol_prefix)) return &rule;
  return nullptr;
}

std::expected<Options, int> parse_options(int argc, const char* const* argv) {
  Parsed parsed;
  parsed.opts.dictionary_dir = fixgate::spec_dir().string();
  CLI::App app;
  cli::configure(app, "fixgate-simulator");
  app.description("An exchange simulator: a QuickFIX acceptor for FIX 4.4 and 4.2 that acks, fills, cancels and "
                  "replaces orders. See docs/SIMULATOR.md.");
  app.footer("Symbols starting with HOLD are acknowledged and never filled.\n"
             "Exit codes: 0 stopped by SIGTERM or SIGINT, 1 runtime error, 2 usage (docs/CLI.md).");
  for (const auto& flag : flags()) {
    // Every occurrence, in order: repeatable flags collect, the others keep the last.
    app.add_option_function<std::vector<std::string>>(
           flag.name,
           [&parsed, &flag](const std::vector<std::string>& values) {
             for (const auto& value : values) {
               if (auto error = flag.set(value, parsed)) throw CLI::ValidationError(*error);
             }
           },
           flag.help)
        ->type_name(flag.value)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->group(flag.group);
  }
  if (auto done = cli::parse(app, argc, argv)) return std::unexpected(*done);
  auto fail = [](const std::string& error) {
    std::cerr << "fixgate-simulator: " << error << "\n";
    return std::unexpected(cli::exit_usage);
  };
  if (auto error = resolve_fill_prices(parsed)) return fail(*error);
  auto& texts = parsed.session_texts;
  if (texts.empty()) texts = {"FIX.4.4:FIXGATE", "FIX.4.2:FIXGATE"};
  for (const auto& text : texts) {
    auto spec = parse_session(text, parsed.opts.sender_comp_id);
    if (!spec) return fail(spec.error());
    parsed.opts.sessions.push_back(*spec);
  }
  return std::move(parsed.opts);
}

}  // namespace fixgate::sim
