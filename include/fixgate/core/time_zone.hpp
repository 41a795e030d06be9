// SPDX-License-Identifier: Apache-2.0
#pragma once
// IANA time zones read from TZif files (RFC 8536), because g++ 12's libstdc++ has no
// std::chrono::tzdb. Lives in core so that config can validate a zone name and ops can compute
// session schedules from the same loader. Pure apart from load(), which reads one file.
//
// Instants are POSIX seconds (std::chrono::sys_seconds, no leap seconds); "local seconds" are the
// same count on the zone's wall clock (local_seconds). Instants after the file's last transition
// follow the footer TZ rule string (POSIX TZ with the RFC 8536 extensions), so far-future dates get
// the right daylight-saving time too.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace fixgate {

/// The zoneinfo directory: $TZDIR when set and non-empty, else /usr/share/zoneinfo.
std::string default_zoneinfo_dir();

class TimeZone {
 public:
  /// Loads `name` (e.g. "Asia/Tokyo") from `zoneinfo_dir` (empty: default_zoneinfo_dir()).
  /// Names are checked first: non-empty, no "..", not absolute, only [A-Za-z0-9/_+-.]. The error
  /// names the zone and says why: `unknown time zone "Asia/Tokio" (no file
  /// /usr/share/zoneinfo/Asia/Tokio)`, `... is not a TZif file`, `... is damaged: ...`.
  static std::expected<TimeZone, std::string> load(std::string_view name, std::string_view zoneinfo_dir = {});

  /// Builds a zone from a POSIX TZ string alone ("EST5EDT,M3.2.0,M11.1.0", "JST-9"); for tests and
  /// for zones without a file. Error says what is wrong with the string.
  static std::expected<TimeZone, std::string> from_posix(std::string_view tz);

  /// UTC, no file needed.
  static TimeZone utc();

  const std::string& name() const { return name_; }

  /// Seconds to add to UTC to get local wall time at instant `t`.
  std::int32_t offset_at(std::chrono::sys_seconds t) const;
  /// Whether daylight-saving time is in effect at `t`.
  bool is_dst(std::chrono::sys_seconds t) const;

  /// Wall-clock time at `t`.
  std::chrono::local_seconds to_local(std::chrono::sys_seconds t) const;

  /// How a local wall time maps to instants.
  struct Mapping {
    enum class Kind { unique, ambiguous, nonexistent } kind = Kind::unique;
    std::chrono::sys_seconds first;   ///< unique: the instant; ambiguous: the earlier one;
                                      ///< nonexistent: the instant the clock jumped over it
    std::chrono::sys_seconds second;  ///< ambiguous: the later one; otherwise == first
  };
  /// Assumes no two transitions within two days of each other (true of every real zone).
  Mapping map_local(std::chrono::local_seconds local) const;

  /// The instant for a wall time: the earlier one when it happens twice (fall-back), the jump
  /// itself when it is skipped (spring-forward). Monotonic non-decreasing in `local`.
  std::chrono::sys_seconds to_sys(std::chrono::local_seconds local) const;

  /// One rule of a POSIX TZ string; public only so the parser in the .cpp can fill it.
  struct PosixRule {
    bool has_dst = false;
    std::int32_t std_offset = 0;  ///< seconds east of UTC (POSIX strings say west; converted)
    std::int32_t dst_offset = 0;
    struct Date {
      enum class Kind { julian_no_leap, zero_based, month_week_day } kind = Kind::month_week_day;
      int day = 0;          ///< Jn: 1..365; n: 0..365; Mm.w.d: d = 0 (Sunday)..6
      int month = 0;        ///< Mm.w.d: 1..12
      int week = 0;         ///< Mm.w.d: 1..5 (5 = last)
      std::int32_t time = 7200;  ///< seconds after local midnight, may be negative or > 24h
    } start, end;
  };

 private:
  struct Type {
    std::int32_t offset = 0;
    bool dst = false;
  };
  std::int32_t rule_offset(std::int64_t t, bool* dst) const;
  std::int32_t offset_and_dst(std::int64_t t, bool* dst) const;

  std::string name_;
  std::vector<std::int64_t> transitions_;   ///< ascending UTC seconds
  std::vector<std::uint8_t> transition_types_;
  std::vector<Type> types_;
  bool has_rule_ = false;
  PosixRule rule_;
};

}  // namespace fixgate
