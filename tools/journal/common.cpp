// Arguments, times and the record filter shared by every subcommand (facts.cpp reads records).

#include "common.hpp"

#include <charconv>

#include "dictionary.hpp"

namespace fixgate::journal_tool {

// ---- arguments ----

Args::Args(std::string command, int argc, char** argv, int first, const std::set<std::string>& valued,
           const std::set<std::string>& flags)
    : command_(std::move(command)) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg.starts_with("--")) {
      std::string name = arg;
      std::optional<std::string> value;
      if (const auto eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      }
      if (valued.count(name) != 0) {
        if (!value) {
          if (i + 1 >= argc) fail(name + " needs a value");
          value = argv[++i];
        }
        values_[name].push_back(*value);
      } else if (flags.count(name) != 0) {
        if (value) fail(name + " takes no value");
        values_[name].push_back("");
      } else {
        fail("unknown option " + name);
      }
    } else {
      positional_.push_back(arg);
    }
  }
}

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
