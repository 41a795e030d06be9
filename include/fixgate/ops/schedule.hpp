// SPDX-License-Identifier: Apache-2.0
#pragma once
// Session schedules: when a FIX session should be logged on, and when its sequence numbers are
// due for a reset. Pure: time is always an argument. Built from config::SessionSchedule and a
// fixgate::TimeZone (TZif files, see core/time_zone.hpp).
//
// A schedule is a series of periods [start, end). Daily form: one period per local date whose
// weekday is in `days`, from `start` to the next `end` (the following day when end <= start, so
// 22:00-06:00 listed for Sunday runs Sunday 22:00 to Monday 06:00). Weekly form: one period per
// week, from start_day/start to the next end_day/end. Wall times are converted with the zone: a
// time that happens twice (fall-back) means its first occurrence, a time that is skipped
// (spring-forward) means the instant of the jump.
//
// Instants are whole seconds; pass std::chrono::floor<std::chrono::seconds>(now).

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/core/time_zone.hpp"

namespace fixgate::ops {

using Instant = std::chrono::sys_seconds;

class Schedule {
 public:
  /// Validates `spec` (as the config loader does) and loads its zone from `zoneinfo_dir` (empty:
  /// $TZDIR, else /usr/share/zoneinfo). The error names the problem, e.g. `unknown time zone ...`.
  static std::expected<Schedule, std::string> create(const config::SessionSchedule& spec,
                                                     std::string_view zoneinfo_dir = {});
  /// Same with a zone already loaded (spec.time_zone is then ignored).
  static std::expected<Schedule, std::string> create(const config::SessionSchedule& spec, TimeZone zone);

  /// No schedule: always active, no edges, sequence numbers never reset by schedule.
  static Schedule always();

  bool always_on() const { return always_; }
  const TimeZone& zone() const { return zone_; }
  config::SeqReset reset_policy() const { return spec_.reset; }

  /// The period containing `t`, as [start, end).
  struct Period {
    Instant start;
    Instant end;
    bool operator==(const Period&) const = default;
  };
  /// The period containing `t`; nullopt outside every period (and for always()).
  std::optional<Period> period_at(Instant t) const;

  /// Whether the session should be logged on at `t` (start inclusive, end exclusive).
  bool active(Instant t) const;

  struct Edge {
    Instant at;
    bool logon = false;  ///< true: a period starts (log on); false: one ends (log out)
    bool operator==(const Edge&) const = default;
  };
  /// The first period start or end strictly after `t`; nullopt for always().
  std::optional<Edge> next_edge(Instant t) const;

  /// The start of the period containing `t`, else of the latest period that started before `t`
  /// (nullopt for always(), or when no period started in the preceding 16 days).
  std::optional<Instant> latest_start(Instant t) const;

  /// The start of the sequence-number period `t` falls in: `daily` the latest_start; `weekly`
  /// the start of the latest period that begins a week, i.e. one starting on a day whose previous
  /// day starts no period (Monday for mon-fri, Sunday for sun-thu, the start day for a weekly
  /// schedule); `never` nullopt. Also nullopt for always().
  std::optional<Instant> reset_period_start(Instant t) const;

  /// Whether a logon at `now` must reset sequence numbers to 1, given the previous logon's time:
  /// true when both fall in reset periods and the period changed between them.
  bool reset_due(Instant last_logon, Instant now) const;

 private:
  Schedule() = default;
  std::optional<Period> occurrence(std::int64_t local_day) const;
  bool starts_week(std::int64_t local_day) const;
  std::int64_t local_day_of(Instant t) const;

  bool always_ = true;
  config::SessionSchedule spec_;
  TimeZone zone_ = TimeZone::utc();
  std::int64_t length_seconds_ = 0;  ///< local wall-clock length of one period
};

/// One Schedule per configured session, keyed by session name: Schedule::always() for a session
/// without `schedule`. Zones are loaded once each. The error names the session and the problem.
std::expected<std::map<std::string, Schedule>, std::string> build_schedules(
    const std::vector<config::Session>& sessions, std::string_view zoneinfo_dir = {});

/// Checks a schedule spec without loading a zone: start/end in range, a non-empty `days`, start
/// != end, weekly form consistent, reset policy possible for the form. Empty string when valid.
std::string schedule_spec_problem(const config::SessionSchedule& spec);

}  // namespace fixgate::ops
