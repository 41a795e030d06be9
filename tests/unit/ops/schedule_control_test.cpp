// SPDX-License-Identifier: Apache-2.0
// The daemon's per-session schedule decision. UTC zone, so the instants below are the wall times;
// 2026-11-26 is a Thursday, 2026-11-23 a Monday.

#include <catch2/catch.hpp>

#include "fixgate/ops/schedule_control.hpp"

using fixgate::TimeZone;
using fixgate::config::SeqReset;
using fixgate::config::SessionSchedule;
using fixgate::ops::Instant;
using fixgate::ops::Schedule;
using fixgate::ops::schedule_action;
using fixgate::ops::ScheduleAction;
using namespace std::chrono;

namespace {

Instant utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

// 08:00-17:00 UTC, Monday to Friday.
Schedule office_hours(SeqReset reset) {
  SessionSchedule spec;
  spec.time_zone = "UTC";
  spec.start_seconds = 8 * 3600;
  spec.end_seconds = 17 * 3600;
  spec.days = 2 | 4 | 8 | 16 | 32;
  spec.reset = reset;
  auto schedule = Schedule::create(spec, TimeZone::utc());
  REQUIRE(schedule.has_value());
  return *schedule;
}

}  // namespace

TEST_CASE("a session without a schedule is never touched") {
  const auto always = Schedule::always();
  const auto now = utc(2026, 11, 26, 3, 0);
  CHECK(schedule_action(always, now, true, std::nullopt) == ScheduleAction::none);
  CHECK(schedule_action(always, now, false, std::nullopt) == ScheduleAction::none);
  CHECK(schedule_action(always, now, false, utc(2026, 11, 1, 9, 0)) == ScheduleAction::none);
}

TEST_CASE("outside the schedule an enabled session is logged out, a disabled one left alone") {
  const auto s = office_hours(SeqReset::daily);
  CHECK(schedule_action(s, utc(2026, 11, 26, 17, 0), true, std::nullopt) == ScheduleAction::logout);  // end exclusive
  CHECK(schedule_action(s, utc(2026, 11, 26, 7, 59), true, utc(2026, 11, 25, 8, 0)) == ScheduleAction::logout);
  CHECK(schedule_action(s, utc(2026, 11, 28, 12, 0), true, std::nullopt) == ScheduleAction::logout);  // Saturday
  CHECK(schedule_action(s, utc(2026, 11, 26, 18, 0), false, std::nullopt) == ScheduleAction::none);
}

TEST_CASE("inside the schedule a disabled session is logged on, an enabled one left alone") {
  const auto s = office_hours(SeqReset::daily);
  CHECK(schedule_action(s, utc(2026, 11, 26, 8, 0), false, std::nullopt) == ScheduleAction::logon);  // start inclusive
  CHECK(schedule_action(s, utc(2026, 11, 26, 12, 0), true, utc(2026, 11, 25, 9, 0)) == ScheduleAction::none);
  // Same day as the previous logon: no reset.
  CHECK(schedule_action(s, utc(2026, 11, 26, 12, 0), false, utc(2026, 11, 26, 8, 0)) == ScheduleAction::logon);
}

TEST_CASE("a new reset period since the last logon resets sequence numbers before the logon") {
  SECTION("daily") {
    const auto s = office_hours(SeqReset::daily);
    CHECK(schedule_action(s, utc(2026, 11, 26, 8, 0), false, utc(2026, 11, 25, 16, 59)) ==
          ScheduleAction::reset_and_logon);
    // Enabled: nothing to do, whatever the reset policy says (it applies at logon only).
    CHECK(schedule_action(s, utc(2026, 11, 26, 8, 0), true, utc(2026, 11, 25, 16, 59)) == ScheduleAction::none);
  }
  SECTION("weekly: Thursday after Wednesday is the same week, Monday after Friday is not") {
    const auto s = office_hours(SeqReset::weekly);
    CHECK(schedule_action(s, utc(2026, 11, 26, 8, 0), false, utc(2026, 11, 25, 8, 0)) == ScheduleAction::logon);
    CHECK(schedule_action(s, utc(2026, 11, 23, 8, 0), false, utc(2026, 11, 20, 8, 0)) ==
          ScheduleAction::reset_and_logon);
  }
  SECTION("never") {
    const auto s = office_hours(SeqReset::never);
    CHECK(schedule_action(s, utc(2026, 11, 26, 8, 0), false, utc(2026, 11, 1, 8, 0)) == ScheduleAction::logon);
  }
}
