// SPDX-License-Identifier: Apache-2.0
// UTC timestamps on the wire (expire_time): RFC 3339 in its one UTC spelling, exact to the
// nanosecond both ways.

#include <chrono>
#include <cstdio>
#include <limits>

#include "fixgate/gateway/codec.hpp"

namespace fixgate::gateway {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

/// Reads exactly `n` digits at text[at]; -1 when they are not all digits.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string format_utc_timestamp(Timestamp at) {
  using namespace std::chrono;
  const std::int64_t seconds = at.nanos >= 0 ? at.nanos / ns_per_second : (at.nanos - ns_per_second + 1) / ns_per_second;
  const std::int64_t fraction = at.nanos - seconds * ns_per_second;
  const sys_days day{floor<days>(sys_seconds{std::chrono::seconds{seconds}}).time_since_epoch()};
  const year_month_day ymd{day};
  const hh_mm_ss hms{sys_seconds{std::chrono::seconds{seconds}} - sys_seconds{day}};
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                        static_cast<int>(hms.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (fraction != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(fraction));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += 'Z';
  return out;
}

std::optional<Timestamp> parse_utc_timestamp(std::string_view text) {
  using namespace std::chrono;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 1970 || mo < 1 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t fraction = 0;
  const std::size_t frac_len = text.size() - 20;  // between the seconds and the 'Z'
  if (frac_len > 0) {
    if (text[19] != '.' || frac_len < 2 || frac_len > 10) return std::nullopt;
    const std::size_t n = frac_len - 1;
    for (std::size_t i = 0; i < 9; ++i) {
      const int digit = i < n ? digits(text, 20 + i, 1) : 0;
      if (digit < 0) return std::nullopt;
      fraction = fraction * 10 + digit;
    }
  }
  const std::int64_t day_count = sys_days{ymd}.time_since_epoch().count();
  // Year 9999 at most: well inside int64 nanoseconds (year 2262), so check that limit.
  const std::int64_t seconds = day_count * 86'400 + h * 3600 + mi * 60 + s;
  if (seconds > std::numeric_limits<std::int64_t>::max() / ns_per_second - 1) return std::nullopt;
  return Timestamp{seconds * ns_per_second + fraction};
}

}  // namespace fixgate::gateway
