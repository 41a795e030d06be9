// SPDX-License-Identifier: Apache-2.0
// Session schedules against real zones. Expected instants are worked out by hand: Tokyo is UTC+9;
// New York is UTC-5 (EST) / UTC-4 (EDT, from 2026-03-08 07:00Z to 2026-11-01 06:00Z); London is
// UTC+0 in winter, UTC+1 (BST) from 2026-03-29 to 2026-10-25. 2026-11-26 is a Thursday.

#include <catch2/catch.hpp>

#include <string>

#include "fixgate/ops/schedule.hpp"

using fixgate::config::SeqReset;
using fixgate::config::SessionSchedule;
using fixgate::ops::Instant;
using fixgate::ops::Schedule;
using namespace std::chrono;

namespace {

Instant utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

constexpr std::uint32_t hm(int h, int m) { return static_cast<std::uint32_t>(h * 3600 + m * 60); }

enum : std::uint8_t { sun = 1, mon = 2, tue = 4, wed = 8, thu = 16, fri = 32, sat = 64 };

Schedule make(SessionSchedule spec) {
  auto schedule = Schedule::create(spec);
  INFO(spec.time_zone << ": " << (schedule ? std::string() : schedule.error()));
  REQUIRE(schedule.has_value());
  return *schedule;
}

SessionSchedule daily(const char* zone, std::uint32_t start, std::uint32_t end, std::uint8_t days,
                      SeqReset reset = SeqReset::daily) {
  SessionSchedule spec;
  spec.time_zone = zone;
  spec.start_seconds = start;
  spec.end_seconds = end;
  spec.days = days;
  spec.reset = reset;
  return spec;
}

SessionSchedule weekly(const char* zone, std::uint8_t start_day, std::uint32_t start, std::uint8_t end_day,
                       std::uint32_t end, SeqReset reset = SeqReset::weekly) {
  SessionSchedule spec;
  spec.time_zone = zone;
  spec.start_day = start_day;
  spec.end_day = end_day;
  spec.start_seconds = start;
  spec.end_seconds = end;
  spec.reset = reset;
  return spec;
}

}  // namespace

TEST_CASE("Tokyo 08:00-15:30 Monday to Friday") {
  const auto s = make(daily("Asia/Tokyo", hm(8, 0), hm(15, 30), mon | tue | wed | thu | fri));
  // Thursday 08:00 JST = Wednesday 23:00Z; 15:30 JST = 06:30Z.
  CHECK_FALSE(s.active(utc(2026, 11, 25, 22, 59, 59)));
  CHECK(s.active(utc(2026, 11, 25, 23, 0)));
  CHECK(s.active(utc(2026, 11, 26, 6, 29, 59)));
  CHECK_FALSE(s.active(utc(2026, 11, 26, 6, 30)));
  CHECK(s.period_at(utc(2026, 11, 26, 3, 0)) == Schedule::Period{utc(2026, 11, 25, 23, 0), utc(2026, 11, 26, 6, 30)});
  CHECK_FALSE(s.period_at(utc(2026, 11, 26, 7, 0)).has_value());

  CHECK(s.next_edge(utc(2026, 11, 25, 22, 0)) == Schedule::Edge{utc(2026, 11, 25, 23, 0), true});
  CHECK(s.next_edge(utc(2026, 11, 25, 23, 0)) == Schedule::Edge{utc(2026, 11, 26, 6, 30), false});
  // After Thursday's close: Friday 08:00 JST = Thursday 23:00Z.
  CHECK(s.next_edge(utc(2026, 11, 26, 6, 30)) == Schedule::Edge{utc(2026, 11, 26, 23, 0), true});
  // Saturday 10:00 JST: closed; next is Monday November 30 08:00 JST = Sunday 23:00Z.
  CHECK_FALSE(s.active(utc(2026, 11, 28, 1, 0)));
  CHECK(s.next_edge(utc(2026, 11, 28, 1, 0)) == Schedule::Edge{utc(2026, 11, 29, 23, 0), true});
}

TEST_CASE("Tokyo session crossing midnight, Sunday only") {
  // Sunday 2026-11-29 22:00 JST (13:00Z) to Monday 06:00 JST (21:00Z Sunday).
  const auto s = make(daily("Asia/Tokyo", hm(22, 0), hm(6, 0), sun));
  CHECK(s.period_at(utc(2026, 11, 29, 15, 0)) == Schedule::Period{utc(2026, 11, 29, 13, 0), utc(2026, 11, 29, 21, 0)});
  CHECK_FALSE(s.active(utc(2026, 11, 29, 21, 0)));
  // Monday 22:00 JST is not a start (Monday not listed): next start is Sunday December 6.
  CHECK(s.next_edge(utc(2026, 11, 29, 21, 0)) == Schedule::Edge{utc(2026, 12, 6, 13, 0), true});
}

TEST_CASE("New York 22:00-06:00 every day across the 2026 DST changes") {
  const auto s = make(daily("America/New_York", hm(22, 0), hm(6, 0), 0x7f));
  // Saturday March 7 22:00 EST = March 8 03:00Z; ends Sunday 06:00 EDT = 10:00Z (7 hours).
  CHECK(s.period_at(utc(2026, 3, 8, 5, 0)) == Schedule::Period{utc(2026, 3, 8, 3, 0), utc(2026, 3, 8, 10, 0)});
  CHECK(s.active(utc(2026, 3, 8, 9, 59, 59)));
  CHECK_FALSE(s.active(utc(2026, 3, 8, 10, 0)));
  // Sunday March 8 22:00 EDT = March 9 02:00Z.
  CHECK(s.next_edge(utc(2026, 3, 8, 10, 0)) == Schedule::Edge{utc(2026, 3, 9, 2, 0), true});
  // The day before: March 6 22:00 EST = March 7 03:00Z to March 7 06:00 EST = 11:00Z.
  CHECK(s.period_at(utc(2026, 3, 7, 10, 59, 59)) == Schedule::Period{utc(2026, 3, 7, 3, 0), utc(2026, 3, 7, 11, 0)});

  // Fall back: Saturday October 31 22:00 EDT = November 1 02:00Z; ends 06:00 EST = 11:00Z (9 hours).
  CHECK(s.period_at(utc(2026, 11, 1, 10, 30)) == Schedule::Period{utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 11, 0)});
  CHECK(s.next_edge(utc(2026, 11, 1, 2, 0)) == Schedule::Edge{utc(2026, 11, 1, 11, 0), false});
  // Sunday November 1 22:00 EST = November 2 03:00Z.
  CHECK(s.next_edge(utc(2026, 11, 1, 11, 0)) == Schedule::Edge{utc(2026, 11, 2, 3, 0), true});
}

TEST_CASE("New York start times inside the skipped and the repeated hour") {
  // 02:30 does not exist on March 8: the period starts at the jump, 07:00Z; 16:00 EDT = 20:00Z.
  const auto skipped = make(daily("America/New_York", hm(2, 30), hm(16, 0), 0x7f));
  CHECK(skipped.period_at(utc(2026, 3, 8, 12, 0)) ==
        Schedule::Period{utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 20, 0)});
  // The day before, 02:30 EST = 07:30Z.
  CHECK(skipped.period_at(utc(2026, 3, 7, 12, 0)) ==
        Schedule::Period{utc(2026, 3, 7, 7, 30), utc(2026, 3, 7, 21, 0)});
  // 01:30 happens twice on November 1: the first, 01:30 EDT = 05:30Z; 16:00 EST = 21:00Z.
  const auto repeated = make(daily("America/New_York", hm(1, 30), hm(16, 0), 0x7f));
  CHECK(repeated.period_at(utc(2026, 11, 1, 12, 0)) ==
        Schedule::Period{utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 21, 0)});
}

TEST_CASE("London 08:00-16:30 in winter and in summer") {
  const auto s = make(daily("Europe/London", hm(8, 0), hm(16, 30), mon | tue | wed | thu | fri));
  CHECK(s.period_at(utc(2026, 7, 1, 12, 0)) == Schedule::Period{utc(2026, 7, 1, 7, 0), utc(2026, 7, 1, 15, 30)});
  CHECK(s.period_at(utc(2026, 11, 26, 12, 0)) ==
        Schedule::Period{utc(2026, 11, 26, 8, 0), utc(2026, 11, 26, 16, 30)});
  // Friday March 27 is GMT, Monday March 30 is BST.
  CHECK(s.next_edge(utc(2026, 3, 27, 16, 30)) == Schedule::Edge{utc(2026, 3, 30, 7, 0), true});
}

TEST_CASE("weekly session Sunday 17:00 to Friday 17:00 New York time") {
  const auto s = make(weekly("America/New_York", 0, hm(17, 0), 5, hm(17, 0)));
  // Sunday November 22 17:00 EST = 22:00Z to Friday November 27 17:00 EST = 22:00Z.
  const Schedule::Period week{utc(2026, 11, 22, 22, 0), utc(2026, 11, 27, 22, 0)};
  CHECK(s.period_at(utc(2026, 11, 26, 12, 0)) == week);
  CHECK(s.active(utc(2026, 11, 24, 3, 0)));  // overnight inside the week: still on
  CHECK_FALSE(s.active(utc(2026, 11, 27, 22, 0)));
  CHECK_FALSE(s.active(utc(2026, 11, 28, 12, 0)));
  CHECK(s.next_edge(utc(2026, 11, 26, 12, 0)) == Schedule::Edge{utc(2026, 11, 27, 22, 0), false});
  CHECK(s.next_edge(utc(2026, 11, 28, 12, 0)) == Schedule::Edge{utc(2026, 11, 29, 22, 0), true});
  // Across spring forward: Sunday March 8 17:00 EDT = 21:00Z (the jump was at 07:00Z that day).
  CHECK(s.period_at(utc(2026, 3, 10, 12, 0)) == Schedule::Period{utc(2026, 3, 8, 21, 0), utc(2026, 3, 13, 21, 0)});
  CHECK(s.period_at(utc(2026, 3, 4, 12, 0)) == Schedule::Period{utc(2026, 3, 1, 22, 0), utc(2026, 3, 6, 22, 0)});
  // Across fall back: Sunday October 25 17:00 EDT = 21:00Z to Friday October 30 21:00Z; Sunday
  // November 1 17:00 EST = 22:00Z.
  CHECK(s.next_edge(utc(2026, 10, 30, 21, 0)) == Schedule::Edge{utc(2026, 11, 1, 22, 0), true});

  // Weekly reset: one period per week.
  CHECK(s.reset_period_start(utc(2026, 11, 26, 12, 0)) == week.start);
  CHECK_FALSE(s.reset_due(utc(2026, 11, 23, 10, 0), utc(2026, 11, 26, 12, 0)));
  CHECK(s.reset_due(utc(2026, 11, 20, 12, 0), utc(2026, 11, 23, 1, 0)));
}

TEST_CASE("daily reset: a new period means a reset, a restart within one does not") {
  const auto s = make(daily("Asia/Tokyo", hm(8, 0), hm(15, 30), mon | tue | wed | thu | fri));
  // Both inside Thursday's period (Wednesday 23:00Z .. Thursday 06:30Z).
  CHECK_FALSE(s.reset_due(utc(2026, 11, 26, 0, 0), utc(2026, 11, 26, 5, 0)));
  // Wednesday's period, then Thursday's.
  CHECK(s.reset_due(utc(2026, 11, 25, 5, 0), utc(2026, 11, 26, 0, 0)));
  CHECK(s.reset_period_start(utc(2026, 11, 26, 5, 0)) == utc(2026, 11, 25, 23, 0));
  // Outside hours the latest start counts: Thursday 10:00Z belongs with Thursday's period.
  CHECK(s.latest_start(utc(2026, 11, 26, 10, 0)) == utc(2026, 11, 25, 23, 0));
  // Saturday looks back to Friday's start (Thursday 23:00Z).
  CHECK(s.latest_start(utc(2026, 11, 28, 1, 0)) == utc(2026, 11, 26, 23, 0));
}

TEST_CASE("weekly reset of a Monday-Friday daily schedule resets on Monday") {
  const auto s = make(daily("Europe/London", hm(8, 0), hm(16, 30), mon | tue | wed | thu | fri, SeqReset::weekly));
  // Monday November 23 08:00 GMT.
  CHECK(s.reset_period_start(utc(2026, 11, 26, 12, 0)) == utc(2026, 11, 23, 8, 0));
  CHECK_FALSE(s.reset_due(utc(2026, 11, 24, 9, 0), utc(2026, 11, 26, 9, 0)));
  CHECK(s.reset_due(utc(2026, 11, 20, 9, 0), utc(2026, 11, 23, 8, 0)));
}

TEST_CASE("weekly reset of a Sunday-Thursday overnight schedule resets on Sunday") {
  const auto s = make(daily("UTC", hm(22, 0), hm(6, 0), sun | mon | tue | wed | thu, SeqReset::weekly));
  CHECK(s.reset_period_start(utc(2026, 11, 25, 12, 0)) == utc(2026, 11, 22, 22, 0));
  // Friday 05:00Z is still inside Thursday night's period.
  CHECK(s.active(utc(2026, 11, 27, 5, 0)));
  CHECK_FALSE(s.active(utc(2026, 11, 27, 22, 30)));
}

TEST_CASE("never reset, and no schedule at all") {
  const auto never = make(daily("Asia/Tokyo", hm(8, 0), hm(15, 30), 0x7f, SeqReset::never));
  CHECK_FALSE(never.reset_period_start(utc(2026, 11, 26, 0, 0)).has_value());
  CHECK_FALSE(never.reset_due(utc(2026, 11, 1, 0, 0), utc(2026, 11, 26, 0, 0)));

  const auto always = Schedule::always();
  CHECK(always.always_on());
  CHECK(always.active(utc(2026, 11, 28, 3, 0)));
  CHECK_FALSE(always.next_edge(utc(2026, 11, 28, 3, 0)).has_value());
  CHECK_FALSE(always.period_at(utc(2026, 11, 28, 3, 0)).has_value());
  CHECK_FALSE(always.reset_due(utc(2026, 1, 1, 0, 0), utc(2026, 11, 28, 3, 0)));
}

TEST_CASE("invalid schedules are refused with a reason") {
  const auto problem = [](const SessionSchedule& spec) {
    auto s = Schedule::create(spec);
    return s ? std::string() : s.error();
  };
  CHECK(problem(daily("Asia/Tokio", hm(8, 0), hm(9, 0), 0x7f)).find("unknown time zone \"Asia/Tokio\"") !=
        std::string::npos);
  CHECK(problem(daily("Asia/Tokyo", hm(8, 0), hm(8, 0), 0x7f)).find("equal") != std::string::npos);
  CHECK(problem(daily("Asia/Tokyo", hm(8, 0), hm(9, 0), 0)).find("at least one day") != std::string::npos);
  CHECK(problem(daily("Asia/Tokyo", 86400, hm(9, 0), 0x7f)).find("24:00") != std::string::npos);
  CHECK(problem(daily("Asia/Tokyo", hm(8, 0), hm(9, 0), 0x7f, SeqReset::weekly)).find("week") != std::string::npos);
  CHECK(problem(weekly("Asia/Tokyo", 1, hm(8, 0), 5, hm(9, 0), SeqReset::daily)).find("daily") != std::string::npos);
  CHECK(problem(weekly("Asia/Tokyo", 1, hm(8, 0), 1, hm(8, 0))).find("different") != std::string::npos);
  auto half = weekly("Asia/Tokyo", 1, hm(8, 0), 5, hm(9, 0));
  half.end_day.reset();
  CHECK(problem(half).find("together") != std::string::npos);
}

TEST_CASE("build_schedules: one per session, always() without a schedule, errors name the session") {
  fixgate::config::Session tse;
  tse.name = "TSE";
  tse.schedule = daily("Asia/Tokyo", hm(8, 0), hm(15, 30), mon | tue | wed | thu | fri);
  fixgate::config::Session sim;
  sim.name = "SIM";
  auto built = fixgate::ops::build_schedules({tse, sim});
  REQUIRE(built.has_value());
  REQUIRE(built->size() == 2);
  CHECK(built->at("SIM").always_on());
  CHECK_FALSE(built->at("TSE").always_on());
  CHECK(built->at("TSE").active(utc(2026, 11, 26, 3, 0)));       // Thursday 12:00 JST
  CHECK_FALSE(built->at("TSE").active(utc(2026, 11, 28, 3, 0)));  // Saturday

  fixgate::config::Session bad;
  bad.name = "BAD";
  bad.schedule = daily("Mars/Olympus", hm(8, 0), hm(9, 0), 0x7f);
  auto failed = fixgate::ops::build_schedules({tse, bad});
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().find("session BAD: unknown time zone \"Mars/Olympus\"") != std::string::npos);
}
