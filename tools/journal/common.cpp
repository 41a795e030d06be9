// SPDX-License-Identifier: Apache-2.0
// Arguments, times and the record filter shared by every subcommand (facts.cpp reads records).

#include "common.hpp"

#include <charconv>

#include <CLI/CLI.hpp>

#include "dictionary.hpp"

namespace fixgate::journal_tool {

// ---- arguments ----

void Args::declare(CLI::App& command, const std::set<std::string>& valued, const std::set<std::string>& flags) {
  for (const auto& name : valued) {
    const auto help = option_help(name);
    command.add_option(name, help.text)
        ->type_name(help.value)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  for (const auto& name : flags) command.add_flag(name)->description(option_help(name).text);
  // Optional: --postgres NAME replaces it (open_source() says which one is missing).
  command.add_option("DIR", "the journal directory (or --postgres NAME)");
}

Args::Args(const CLI::App& command) : command_(command.get_name()) {
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0) continue;
    if (option->get_positional()) {
      positional_ = option->results();
    } else if (option->get_expected_min() == 0) {
      values_[option->get_lnames().empty() ? option->get_name() : "--" + option->get_lnames().front()].push_back("");
    } else {
      values_["--" + option->get_lnames().front()] = option->results();
    }
  }
}

Args::Args(std::string command, int argc, char** argv, int first, const std::set<std::string>& valued,
           const std::set<std::string>& flags)
    : Args([&] {
        CLI::App app("", command);
        app.set_help_flag();
        declare(app, valued, flags);
        std::vector<std::string> words;  // CLI11 takes them last first
        for (int i = argc - 1; i >= first; --i) words.emplace_back(argv[i]);
        try {
          app.parse(words);
        } catch (const CLI::ExtrasError&) {
          const std::string extra = app.remaining().front();  // remaining() returns a copy
          throw UsageError("fixgate-journal " + command + ": " + (extra.starts_with("-") ? "unknown option " : "unexpected argument ") + extra);
        } catch (const CLI::ParseError& e) {
          throw UsageError("fixgate-journal " + command + ": " + e.what());
        }
        return Args(app);
      }()) {}

const std::string& Args::dir() const {
  if (positional_.empty()) fail("missing the journal directory DIR");
  if (positional_.size() > 1) fail("unexpected argument \"" + positional_[1] + "\" (one DIR only)");
  return positional_.front();
}

std::optional<std::string> Args::get(const std::string& option) const {
  const auto it = values_.find(option);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::list(const std::string& option) const {
  std::vector<std::string> out;
  const auto it = values_.find(option);
  if (it == values_.end()) return out;
  for (const auto& v : it->second) {
    std::size_t pos = 0;
    while (pos <= v.size()) {
      const auto comma = v.find(',', pos);
      const auto item = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return out;
}

void Args::fail(const std::string& what) const { throw UsageError("fixgate-journal " + command_ + ": " + what); }

OptionHelp option_help(const std::string& option) {
  static const std::map<std::string, OptionHelp> help{
      {"--postgres", {"NAME", "read journal NAME (the daemon's instance) from PostgreSQL instead of DIR"}},
      {"--dsn-env", {"VAR", "the environment variable holding the libpq DSN (default FIXGATE_PG_DSN; never printed)"}},
      {"--session", {"NAME", "the FIX session (journal stream)"}},
      {"--direction", {"in|out", "only inbound or only outbound records"}},
      {"--kind", {"KIND,...", "only these record kinds (fix_in, fix_out, upstream_request, upstream_event, ...)"}},
      {"--type", {"TYPE,...", "only these messages: MsgType codes (8, D), dictionary names (ExecutionReport) or "
                              "upstream op/event names (new, execution)"}},
      {"--from", {"TIME", "from this time, inclusive: RFC 3339 (2026-11-26T12:00:00Z, +09:00 offsets) or "
                          "nanoseconds since the epoch"}},
      {"--to", {"TIME", "up to this time, inclusive"}},
      {"--color", {"auto|always|never", "colour the output (default auto: on a terminal)"}},
      {"--dictionary-dir", {"DIR", "the FIX data dictionaries (default: the spec/ directory)"}},
      {"--follow", {"", "keep printing records as they are appended (Ctrl-C stops)"}},
      {"--follow-timeout", {"SECONDS", "with --follow: stop after SECONDS without a new record"}},
      {"--order", {"ID", "one order: a client_order_id, ClOrdID, OrigClOrdID, OrderID or ExecID"}},
      {"--account", {"ACC", "every order of this account"}},
      {"--symbol", {"SYM", "every order in this symbol"}},
      {"--json", {"", "one JSON document instead of text"}},
      {"--scan", {"", "read every record instead of answering from the indexes"}},
      {"--timing", {"", "print how long the check took"}},
      {"--key", {"PUBLIC.pem", "also check the Ed25519 signatures of the chain head with this public key"}},
      {"--signatures", {"DIR", "the directory of the signed chain heads"}},
      {"--format", {"FORMAT", "output format: csv or jsonl (export); table, csv or jsonl (orders)"}},
      {"--config", {"FILE", "the fixgate configuration the journal was written with"}},
      {"--at", {"TIME", "the orders as of this time (default: the end of the journal)"}},
      {"--broker", {"FILE.csv", "the broker's executions: exec_id,order_id,side,symbol,qty,price,time"}},
      {"--connect", {"HOST:PORT", "the FIX counterparty to re-send to"}},
      {"--sender", {"ID", "our SenderCompID"}},
      {"--target", {"ID", "the counterparty's TargetCompID"}},
      {"--speed", {"1|10|max", "replay at the journal's pace, ten times faster, or as fast as possible (default 1)"}},
      {"--begin-string", {"FIX.4.4|FIX.4.2", "the session's FIX version (default FIX.4.4)"}},
      {"--wait", {"SECONDS", "at most this long for the answers after the last message (default 10)"}},
      {"--max-gap", {"SECONDS", "the longest pause between two messages at any speed (default 5)"}},
      {"--heartbeat", {"SECONDS", "HeartBtInt of the replay session (default 30)"}},
  };
  const auto it = help.find(option);
  return it == help.end() ? OptionHelp{"VALUE", ""} : it->second;
}

// ---- time ----

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, unsigned& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

unsigned days_in_month(unsigned y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return days[m - 1];
}

/// RFC 3339 time zone: "Z" (or "z") or "+hh:mm" / "-hh:mm" (also "+hhmm"); minutes east of UTC.
std::optional<std::int64_t> zone_offset_minutes(std::string_view zone) {
  if (zone == "Z" || zone == "z") return 0;
  if (zone.size() != 6 && zone.size() != 5) return std::nullopt;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  unsigned hours = 0, minutes = 0;
  const std::size_t minutes_at = zone.size() == 6 ? 4 : 3;
  if (!digits(zone, 1, 2, hours) || (zone.size() == 6 && zone[3] != ':') || !digits(zone, minutes_at, 2, minutes)) {
    return std::nullopt;
  }
  if (hours > 23 || minutes > 59) return std::nullopt;
  const auto total = static_cast<std::int64_t>(hours * 60 + minutes);
  return zone[0] == '-' ? -total : total;
}

}  // namespace

std::optional<std::int64_t> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t ns = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return ns;
  }
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
  std::int64_t frac = 0;
  std::int64_t offset_minutes = 0;  // local time = UTC + offset
  std::size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
    if (!digits(text, pos + 1, 2, h) || pos + 3 >= text.size() || text[pos + 3] != ':' || !digits(text, pos + 4, 2, mi))
      return std::nullopt;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!digits(text, pos + 1, 2, s)) return std::nullopt;
      pos += 3;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        std::size_t n = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (n < 9) frac = frac * 10 + (text[pos] - '0');
          else if (n >= 9) return std::nullopt;  // finer than a nanosecond
          ++n;
          ++pos;
        }
        if (n == 0) return std::nullopt;
        for (; n < 9; ++n) frac *= 10;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
    if (pos < text.size()) {
      auto offset = zone_offset_minutes(text.substr(pos));
      if (!offset) return std::nullopt;
      offset_minutes = *offset;
    }
  }
  const std::int64_t days = days_from_civil(y, mo, d);
  const std::int64_t local_minutes = (days * 24 + h) * 60 + mi;
  return (local_minutes - offset_minutes) * 60 * 1'000'000'000LL + static_cast<std::int64_t>(s) * 1'000'000'000LL + frac;
}

namespace {

void put_digits(char* at, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string format_time(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 0 || y > 9999) return std::to_string(ns);
  std::string out = "0000-00-00T00:00:00.000000000Z";
  put_digits(&out[0], y, 4);
  put_digits(&out[5], m, 2);
  put_digits(&out[8], d, 2);
  put_digits(&out[11], rem / 3600, 2);
  put_digits(&out[14], rem / 60 % 60, 2);
  put_digits(&out[17], rem % 60, 2);
  put_digits(&out[20], frac, 9);
  return out;
}

// ---- filter ----

bool Filter::matches_frame(const journal::RecordView& record) const {
  if (!kinds.empty() && kinds.count(record.kind) == 0) return false;
  if (session && record.stream != *session) return false;
  if (direction && direction_of(record.kind) != *direction) return false;
  if (from_ns && record.timestamp_ns < *from_ns) return false;
  if (to_ns && record.timestamp_ns > *to_ns) return false;
  return true;
}

namespace {

std::string_view upstream_type(std::string_view payload, bool request) {
  // {"op":"new",...} / {"event":"accepted",...}: the encoder writes the type key first.
  const std::string_view key = request ? "\"op\":\"" : "\"event\":\"";
  const auto at = payload.find(key);
  if (at == std::string_view::npos) return {};
  const auto begin = at + key.size();
  const auto end = payload.find('"', begin);
  return end == std::string_view::npos ? std::string_view{} : payload.substr(begin, end - begin);
}

}  // namespace

bool Filter::matches(const journal::RecordView& record) const {
  if (!matches_frame(record)) return false;
  if (msg_types.empty()) return true;
  std::string_view type;
  if (is_fix(record.kind)) {
    // 35 follows 8 and 9 at the start of every message.
    const auto at = record.payload.find("\x01" "35=");
    if (at == std::string_view::npos) return false;
    const auto begin = at + 4;
    const auto end = record.payload.find('\x01', begin);
    type = record.payload.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  } else if (record.kind == journal::RecordKind::upstream_request) {
    type = upstream_type(record.payload, true);
  } else if (record.kind == journal::RecordKind::upstream_event) {
    type = upstream_type(record.payload, false);
  } else {
    return false;
  }
  return msg_types.count(std::string(type)) != 0;
}

const std::set<std::string, std::less<>>& upstream_type_names() {
  // spec/upstream-protocol.md: every request "op" and every event name.
  static const std::set<std::string, std::less<>> names{
      "hello", "new", "cancel", "replace", "status", "list", "kill", "release", "set_limit", "sessions", "logon",
      "logout", "set_seq", "reload", "accepted", "rejected", "execution", "cancel_rejected", "break", "session",
      "order", "orders", "error", "welcome", "kill_switch", "limit", "session_command", "policy"};
  return names;
}

std::optional<std::int64_t> time_option(const Args& args, const std::string& option) {
  const auto text = args.get(option);
  if (!text) return std::nullopt;
  const auto ns = parse_time(*text);
  if (!ns) {
    args.fail(option + " \"" + *text +
              "\" is not a time (RFC 3339: 2026-11-26T12:00:00Z or 2026-11-26T21:00:00+09:00, fractions allowed; "
              "or ns since the epoch)");
  }
  return ns;
}

std::set<std::string> filter_options() { return {"--session", "--direction", "--kind", "--from", "--to", "--type"}; }

Filter parse_filter(const Args& args, const Dictionaries* dicts) {
  Filter f;
  f.session = args.get("--session");
  if (auto d = args.get("--direction")) {
    if (*d != "in" && *d != "out") args.fail("--direction must be in or out, not \"" + *d + "\"");
    f.direction = *d;
  }
  for (const auto& k : args.list("--kind")) {
    auto kind = journal::kind_from_name(k);
    if (!kind) {
      args.fail("--kind \"" + k +
                "\" is not a record kind (fix_in, fix_out, upstream_request, upstream_event, engine_event, "
                "seq_change, checkpoint)");
    }
    f.kinds.insert(*kind);
  }
  f.from_ns = time_option(args, "--from");
  f.to_ns = time_option(args, "--to");
  if (f.from_ns && f.to_ns && *f.from_ns > *f.to_ns) args.fail("--from is after --to");
  if (dicts != nullptr) {
    for (const auto& t : args.list("--type")) {
      // A short code is a MsgType as it is; a longer word is a name from the dictionaries, or an
      // upstream op/event name (new, cancel, accepted, execution, ...).
      if (t.size() <= 2 && dicts->knows_msg_type(t)) {
        f.msg_types.insert(t);
      } else if (auto code = dicts->msg_type_of_name(t)) {
        f.msg_types.insert(*code);
      } else if (upstream_type_names().contains(t)) {
        f.msg_types.insert(t);
      } else {
        args.fail("--type \"" + t +
                  "\" is neither a MsgType nor a message name in the data dictionaries, nor an upstream op or event "
                  "name (spec/upstream-protocol.md)");
      }
    }
  }
  return f;
}

}  // namespace fixgate::journal_tool
