// SPDX-License-Identifier: Apache-2.0
// TZif (RFC 8536) reader and POSIX TZ rule evaluation. See include/fixgate/core/time_zone.hpp.

#include "fixgate/core/time_zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

namespace fixgate {
namespace {

using std::chrono::days;
using std::chrono::local_seconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

constexpr std::int64_t day_seconds = 86400;
constexpr std::size_t max_file_bytes = 1 << 20;

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  return sys_days{std::chrono::year{y} / static_cast<int>(m) / static_cast<int>(d)}.time_since_epoch().count();
}

bool is_leap(int y) { return std::chrono::year{y}.is_leap(); }

// ---------------------------------------------------------------------------------------------
// POSIX TZ strings: std offset [dst [offset] [,start[/time],end[/time]]]

class TzParser {
 public:
  explicit TzParser(std::string_view text) : s_(text) {}

  std::expected<TimeZone::PosixRule, std::string> parse() {
    TimeZone::PosixRule rule;
    if (!name()) return fail("expected a zone abbreviation");
    auto std_offset = hms(24);
    if (!std_offset) return fail("expected the standard offset");
    rule.std_offset = -*std_offset;  // POSIX counts west as positive
    if (at_end()) return rule;
    if (!name()) return fail("expected a daylight-saving abbreviation");
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (!at_end() && peek() != ',') {
      auto dst_offset = hms(24);
      if (!dst_offset) return fail("expected the daylight-saving offset");
      rule.dst_offset = -*dst_offset;
    }
    if (at_end()) {
      // No rule given: the POSIX default, the US rules since 2007 (as glibc does).
      rule.start = {TimeZone::PosixRule::Date::Kind::month_week_day, 0, 3, 2, 7200};
      rule.end = {TimeZone::PosixRule::Date::Kind::month_week_day, 0, 11, 1, 7200};
      return rule;
    }
    if (!eat(',')) return fail("expected ',' before the start rule");
    auto start = date();
    if (!start) return fail("bad start rule");
    rule.start = *start;
    if (!eat(',')) return fail("expected ',' before the end rule");
    auto end = date();
    if (!end) return fail("bad end rule");
    rule.end = *end;
    if (!at_end()) return fail("unexpected text after the end rule");
    return rule;
  }

 private:
  std::unexpected<std::string> fail(std::string_view what) const {
    return std::unexpected("TZ string \"" + std::string(s_) + "\": " + std::string(what) + " at offset " +
                           std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  static bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool name() {
    if (eat('<')) {
      const auto close = s_.find('>', pos_);
      if (close == std::string_view::npos || close - pos_ < 3) return false;
      pos_ = close + 1;
      return true;
    }
    const std::size_t begin = pos_;
    while (alpha(peek())) ++pos_;
    return pos_ - begin >= 3;
  }

  std::optional<int> number(int max) {
    if (!digit(peek())) return std::nullopt;
    int value = 0;
    int digits = 0;
    while (digit(peek()) && digits < 4) {
      value = value * 10 + (peek() - '0');
      ++pos_;
      ++digits;
    }
    if (value > max) return std::nullopt;
    return value;
  }

  /// [+-]h[h][:mm[:ss]] in seconds, hours at most `max_hours`.
  std::optional<std::int32_t> hms(int max_hours) {
    int sign = 1;
    if (eat('-')) sign = -1;
    else eat('+');
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    std::int32_t total = *h * 3600;
    if (eat(':')) {
      auto m = number(59);
      if (!m) return std::nullopt;
      total += *m * 60;
      if (eat(':')) {
        auto sec = number(59);
        if (!sec) return std::nullopt;
        total += *sec;
      }
    }
    return sign * total;
  }

  std::optional<TimeZone::PosixRule::Date> date() {
    using Kind = TimeZone::PosixRule::Date::Kind;
    TimeZone::PosixRule::Date d;
    if (eat('J')) {
      auto n = number(365);
      if (!n || *n < 1) return std::nullopt;
      d.kind = Kind::julian_no_leap;
      d.day = *n;
    } else if (eat('M')) {
      auto m = number(12);
      if (!m || *m < 1 || !eat('.')) return std::nullopt;
      auto w = number(5);
      if (!w || *w < 1 || !eat('.')) return std::nullopt;
      auto wd = number(6);
      if (!wd) return std::nullopt;
      d.kind = Kind::month_week_day;
      d.month = *m;
      d.week = *w;
      d.day = *wd;
    } else {
      auto n = number(365);
      if (!n) return std::nullopt;
      d.kind = Kind::zero_based;
      d.day = *n;
    }
    if (eat('/')) {
      auto t = hms(167);  // RFC 8536 extension: -167..167 hours
      if (!t) return std::nullopt;
      d.time = *t;
    }
    return d;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// Days since the epoch of the local date a rule date names in year `y`.
std::int64_t rule_day(const TimeZone::PosixRule::Date& d, int y) {
  using Kind = TimeZone::PosixRule::Date::Kind;
  const std::int64_t jan1 = days_from_civil(y, 1, 1);
  switch (d.kind) {
    case Kind::julian_no_leap: {
      // 1..365, February 29 never counted: day 60 is always March 1.
      const int index = d.day - 1 + ((is_leap(y) && d.day >= 60) ? 1 : 0);
      return jan1 + index;
    }
    case Kind::zero_based: return jan1 + d.day;
    case Kind::month_week_day: break;
  }
  const std::int64_t first = days_from_civil(y, static_cast<unsigned>(d.month), 1);
  const auto first_weekday =
      static_cast<int>(std::chrono::weekday{sys_days{days{first}}}.c_encoding());  // 0 = Sunday
  std::int64_t day = first + (d.day - first_weekday + 7) % 7 + (d.week - 1) * 7;
  const auto month_end = static_cast<unsigned>(
      (std::chrono::year{y} / static_cast<int>(d.month) / std::chrono::last).day());
  while (day >= first + month_end) day -= 7;  // week 5 means the last such day
  return day;
}

std::int32_t read_be32(const unsigned char* p) {
  const std::uint32_t v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
                          std::uint32_t{p[3]};
  return static_cast<std::int32_t>(v);
}

std::int64_t read_be64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<std::int64_t>(v);
}

bool valid_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '+' || c == '-' || c == '.';
  });
}

}  // namespace

std::string default_zoneinfo_dir() {
  const char* dir = std::getenv("TZDIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return "/usr/share/zoneinfo";
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  zone.types_.push_back(Type{0, false});
  return zone;
}

std::expected<TimeZone, std::string> TimeZone::from_posix(std::string_view tz) {
  auto rule = TzParser(tz).parse();
  if (!rule) return std::unexpected(rule.error());
  TimeZone zone;
  zone.name_ = std::string(tz);
  zone.types_.push_back(Type{rule->std_offset, false});
  zone.has_rule_ = true;
  zone.rule_ = *rule;
  return zone;
}

std::expected<TimeZone, std::string> TimeZone::load(std::string_view name, std::string_view zoneinfo_dir) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (!valid_zone_name(name)) {
    return std::unexpected("bad time zone name " + quoted +
                           " (expected an IANA name such as Asia/Tokyo or America/New_York)");
  }
  const std::string dir = zoneinfo_dir.empty() ? default_zoneinfo_dir() : std::string(zoneinfo_dir);
  const std::filesystem::path path = std::filesystem::path(dir) / std::string(name);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return std::unexpected("unknown time zone " + quoted + " (no file " + path.string() + ")");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return std::unexpected("unknown time zone " + quoted + " (" + path.string() + " is not a zone file)");
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> data;
  if (in) {
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!in && !in.eof()) return std::unexpected("time zone " + quoted + ": cannot read " + path.string());
  const auto damaged = [&](std::string_view what) {
    return std::unexpected("time zone " + quoted + ": " + path.string() + " is damaged: " + std::string(what));
  };
  if (data.size() > max_file_bytes) return damaged("larger than 1 MiB");
  if (data.size() < 44 || data[0] != 'T' || data[1] != 'Z' || data[2] != 'i' || data[3] != 'f') {
    return std::unexpected("time zone " + quoted + ": " + path.string() + " is not a TZif file");
  }
  const unsigned char version = data[4];

  struct Counts {
    std::size_t isut, isstd, leap, time, type, chars;
  };
  const auto counts_at = [&](std::size_t offset) -> std::optional<Counts> {
    if (offset + 44 > data.size()) return std::nullopt;
    if (data[offset] != 'T' || data[offset + 1] != 'Z' || data[offset + 2] != 'i' || data[offset + 3] != 'f') {
      return std::nullopt;
    }
    const unsigned char* p = data.data() + offset + 20;
    const auto get = [&](int i) { return static_cast<std::size_t>(static_cast<std::uint32_t>(read_be32(p + 4 * i))); };
    return Counts{get(0), get(1), get(2), get(3), get(4), get(5)};
  };
  const auto block_size = [](const Counts& c, std::size_t time_size) {
    return c.time * time_size + c.time + c.type * 6 + c.chars + c.leap * (time_size + 4) + c.isstd + c.isut;
  };

  auto counts = counts_at(0);
  if (!counts) return damaged("bad header");
  std::size_t offset = 44;
  std::size_t time_size = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one that follows has the full range.
    offset += block_size(*counts, 4);
    counts = counts_at(offset);
    if (!counts) return damaged("bad second header");
    offset += 44;
    time_size = 8;
  }
  const Counts& c = *counts;
  if (c.type == 0 || c.type > 256) return damaged("bad type count");
  if (c.time > 100000 || c.chars > 100000 || c.leap > 100000) return damaged("implausible counts");
  if (c.leap > 0) {
    // "right/" zones count leap seconds; our instants are POSIX seconds, so they would be off.
    return std::unexpected("time zone " + quoted + " counts leap seconds (a right/ zone); use the plain name");
  }
  if (offset + block_size(c, time_size) > data.size()) return damaged("truncated");

  TimeZone zone;
  zone.name_ = std::string(name);
  const unsigned char* p = data.data() + offset;
  zone.transitions_.reserve(c.time);
  for (std::size_t i = 0; i < c.time; ++i, p += time_size) {
    zone.transitions_.push_back(time_size == 8 ? read_be64(p) : std::int64_t{read_be32(p)});
    if (i > 0 && zone.transitions_[i] <= zone.transitions_[i - 1]) return damaged("transitions out of order");
  }
  for (std::size_t i = 0; i < c.time; ++i, ++p) {
    if (*p >= c.type) return damaged("transition type out of range");
    zone.transition_types_.push_back(*p);
  }
  for (std::size_t i = 0; i < c.type; ++i, p += 6) {
    zone.types_.push_back(Type{read_be32(p), p[4] != 0});
  }
  p += c.chars + c.leap * (time_size + 4) + c.isstd + c.isut;

  if (version >= '2') {
    const auto footer_begin = static_cast<std::size_t>(p - data.data());
    if (footer_begin >= data.size() || data[footer_begin] != '\n') return damaged("missing footer");
    const auto footer_end = std::find(data.begin() + static_cast<std::ptrdiff_t>(footer_begin) + 1, data.end(), '\n');
    if (footer_end == data.end()) return damaged("unterminated footer");
    const std::string tz(data.begin() + static_cast<std::ptrdiff_t>(footer_begin) + 1, footer_end);
    if (!tz.empty()) {
      auto rule = TzParser(tz).parse();
      if (!rule) return damaged(rule.error());
      zone.has_rule_ = true;
      zone.rule_ = *rule;
    }
  }
  return zone;
}

std::int32_t TimeZone::rule_offset(std::int64_t t, bool* dst) const {
  *dst = false;
  if (!rule_.has_dst) return rule_.std_offset;
  const auto local_day = std::chrono::floor<days>(sys_seconds{seconds{t + rule_.std_offset}});
  const int y = static_cast<int>(std::chrono::year_month_day{local_day}.year());
  const std::int64_t start = rule_day(rule_.start, y) * day_seconds + rule_.start.time - rule_.std_offset;
  const std::int64_t end = rule_day(rule_.end, y) * day_seconds + rule_.end.time - rule_.dst_offset;
  // Northern hemisphere: DST inside [start, end). Southern: outside [end, start).
  *dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return *dst ? rule_.dst_offset : rule_.std_offset;
}

std::int32_t TimeZone::offset_and_dst(std::int64_t t, bool* dst) const {
  if (transitions_.empty() || t >= transitions_.back()) {
    if (has_rule_) return rule_offset(t, dst);
    if (transitions_.empty()) {
      *dst = types_.front().dst;
      return types_.front().offset;
    }
  }
  if (t < transitions_.front()) {
    *dst = types_.front().dst;
    return types_.front().offset;
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  const auto index = static_cast<std::size_t>(it - transitions_.begin()) - 1;
  const Type& type = types_[transition_types_[index]];
  *dst = type.dst;
  return type.offset;
}

std::int32_t TimeZone::offset_at(sys_seconds t) const {
  bool dst = false;
  return offset_and_dst(t.time_since_epoch().count(), &dst);
}

bool TimeZone::is_dst(sys_seconds t) const {
  bool dst = false;
  offset_and_dst(t.time_since_epoch().count(), &dst);
  return dst;
}

local_seconds TimeZone::to_local(sys_seconds t) const {
  return local_seconds{t.time_since_epoch() + seconds{offset_at(t)}};
}

TimeZone::Mapping TimeZone::map_local(local_seconds local) const {
  const std::int64_t l = local.time_since_epoch().count();
  const auto off = [&](std::int64_t t) { return std::int64_t{offset_at(sys_seconds{seconds{t}})}; };
  const std::int64_t before = off(l - 2 * day_seconds);
  const std::int64_t after = off(l + 2 * day_seconds);
  const bool before_ok = off(l - before) == before;
  const bool after_ok = off(l - after) == after;
  Mapping m;
  if (before_ok && after_ok && before != after) {
    m.kind = Mapping::Kind::ambiguous;
    m.first = sys_seconds{seconds{std::min(l - before, l - after)}};
    m.second = sys_seconds{seconds{std::max(l - before, l - after)}};
    return m;
  }
  if (before_ok || after_ok) {
    m.first = m.second = sys_seconds{seconds{before_ok ? l - before : l - after}};
    return m;
  }
  // Skipped: find the jump between the two readings (the offset there is still `before` at lo).
  std::int64_t lo = std::min(l - before, l - after);
  std::int64_t hi = std::max(l - before, l - after);
  const std::int64_t lo_offset = off(lo);
  for (int guard = 0; hi - lo > 1 && guard < 64; ++guard) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (off(mid) == lo_offset ? lo : hi) = mid;
  }
  m.kind = Mapping::Kind::nonexistent;
  m.first = m.second = sys_seconds{seconds{hi}};
  return m;
}

sys_seconds TimeZone::to_sys(local_seconds local) const { return map_local(local).first; }

}  // namespace fixgate
