// SPDX-License-Identifier: Apache-2.0
// fixgate::TimeZone against the system's IANA data. Every expected instant below was worked out by
// hand from the published rules (US: DST from the second Sunday of March 02:00 to the first Sunday
// of November 02:00; EU: last Sunday of March to last Sunday of October at 01:00 UTC; Japan: UTC+9),
// with weekdays counted from Thursday 2026-01-01.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fixgate/core/time_zone.hpp"

using fixgate::TimeZone;
using namespace std::chrono;

namespace {

sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

local_seconds local(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  return local_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

TimeZone must_load(const char* name) {
  auto zone = TimeZone::load(name);
  INFO(name << ": " << (zone ? std::string() : zone.error()));
  REQUIRE(zone.has_value());
  return *zone;
}

std::filesystem::path temp_dir(const char* tag) {
  auto dir = std::filesystem::temp_directory_path() / (std::string("fixgate_tz_") + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("Tokyo is UTC+9 all year") {
  const auto tokyo = must_load("Asia/Tokyo");
  CHECK(tokyo.name() == "Asia/Tokyo");
  CHECK(tokyo.offset_at(utc(2026, 1, 15, 12, 0)) == 9 * 3600);
  CHECK(tokyo.offset_at(utc(2026, 7, 15, 12, 0)) == 9 * 3600);
  CHECK_FALSE(tokyo.is_dst(utc(2026, 7, 15, 12, 0)));
  CHECK(tokyo.to_sys(local(2026, 11, 26, 8, 0)) == utc(2026, 11, 25, 23, 0));
  CHECK(tokyo.to_local(utc(2026, 11, 25, 23, 0)) == local(2026, 11, 26, 8, 0));
}

TEST_CASE("New York 2026: spring forward on March 8, fall back on November 1") {
  const auto ny = must_load("America/New_York");
  // 02:00 EST = 07:00Z.
  CHECK(ny.offset_at(utc(2026, 3, 8, 6, 59, 59)) == -5 * 3600);
  CHECK(ny.offset_at(utc(2026, 3, 8, 7, 0, 0)) == -4 * 3600);
  CHECK_FALSE(ny.is_dst(utc(2026, 3, 8, 6, 59, 59)));
  CHECK(ny.is_dst(utc(2026, 3, 8, 7, 0, 0)));
  // 02:00 EDT = 06:00Z.
  CHECK(ny.offset_at(utc(2026, 11, 1, 5, 59, 59)) == -4 * 3600);
  CHECK(ny.offset_at(utc(2026, 11, 1, 6, 0, 0)) == -5 * 3600);

  // 02:30 does not exist on March 8: the jump instant stands for it.
  const auto gap = ny.map_local(local(2026, 3, 8, 2, 30));
  CHECK(gap.kind == TimeZone::Mapping::Kind::nonexistent);
  CHECK(gap.first == utc(2026, 3, 8, 7, 0));
  CHECK(ny.to_sys(local(2026, 3, 8, 3, 0)) == utc(2026, 3, 8, 7, 0));
  CHECK(ny.to_sys(local(2026, 3, 8, 1, 59, 59)) == utc(2026, 3, 8, 6, 59, 59));

  // 01:30 happens twice on November 1: 05:30Z (EDT) and 06:30Z (EST).
  const auto twice = ny.map_local(local(2026, 11, 1, 1, 30));
  CHECK(twice.kind == TimeZone::Mapping::Kind::ambiguous);
  CHECK(twice.first == utc(2026, 11, 1, 5, 30));
  CHECK(twice.second == utc(2026, 11, 1, 6, 30));
  CHECK(ny.to_sys(local(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 5, 30));
  const auto after = ny.map_local(local(2026, 11, 1, 3, 0));
  CHECK(after.kind == TimeZone::Mapping::Kind::unique);
  CHECK(after.first == utc(2026, 11, 1, 8, 0));
}

TEST_CASE("London 2026: BST from March 29 to October 25, at 01:00 UTC") {
  const auto london = must_load("Europe/London");
  CHECK(london.offset_at(utc(2026, 3, 29, 0, 59, 59)) == 0);
  CHECK(london.offset_at(utc(2026, 3, 29, 1, 0)) == 3600);
  CHECK(london.offset_at(utc(2026, 10, 25, 0, 59, 59)) == 3600);
  CHECK(london.offset_at(utc(2026, 10, 25, 1, 0)) == 0);
  CHECK(london.to_sys(local(2026, 7, 1, 8, 0)) == utc(2026, 7, 1, 7, 0));
  CHECK(london.to_sys(local(2026, 12, 1, 8, 0)) == utc(2026, 12, 1, 8, 0));
}

TEST_CASE("Sydney: southern-hemisphere DST spans the new year") {
  const auto sydney = must_load("Australia/Sydney");
  CHECK(sydney.offset_at(utc(2026, 1, 15, 0, 0)) == 11 * 3600);
  CHECK(sydney.offset_at(utc(2026, 7, 15, 0, 0)) == 10 * 3600);
  CHECK(sydney.offset_at(utc(2026, 12, 15, 0, 0)) == 11 * 3600);
}

TEST_CASE("far-future instants follow the footer rule") {
  const auto ny = must_load("America/New_York");
  // 2100: March 1 is a Monday (the calendar below is std::chrono's, not ours), so DST begins on
  // Sunday March 14 at 07:00Z and ends Sunday November 7 at 06:00Z.
  REQUIRE(weekday{sys_days{year{2100} / March / 1}} == Monday);
  REQUIRE(weekday{sys_days{year{2100} / November / 1}} == Monday);
  CHECK(ny.offset_at(utc(2100, 3, 14, 6, 59, 59)) == -5 * 3600);
  CHECK(ny.offset_at(utc(2100, 3, 14, 7, 0)) == -4 * 3600);
  CHECK(ny.offset_at(utc(2100, 11, 7, 5, 59, 59)) == -4 * 3600);
  CHECK(ny.offset_at(utc(2100, 11, 7, 6, 0)) == -5 * 3600);
  const auto london = must_load("Europe/London");
  // Last Sunday of March 2100: March 28 (March 1 Monday -> Sundays 7, 14, 21, 28).
  CHECK(london.offset_at(utc(2100, 3, 28, 0, 59, 59)) == 0);
  CHECK(london.offset_at(utc(2100, 3, 28, 1, 0)) == 3600);
}

TEST_CASE("POSIX TZ strings") {
  auto us = TimeZone::from_posix("EST5EDT,M3.2.0,M11.1.0");
  REQUIRE(us.has_value());
  CHECK(us->offset_at(utc(2026, 3, 8, 6, 59, 59)) == -5 * 3600);
  CHECK(us->offset_at(utc(2026, 3, 8, 7, 0)) == -4 * 3600);
  CHECK(us->offset_at(utc(2026, 11, 1, 6, 0)) == -5 * 3600);

  auto jst = TimeZone::from_posix("JST-9");
  REQUIRE(jst.has_value());
  CHECK(jst->offset_at(utc(2026, 6, 1, 0, 0)) == 9 * 3600);

  auto india = TimeZone::from_posix("<+0530>-5:30");
  REQUIRE(india.has_value());
  CHECK(india->offset_at(utc(2026, 6, 1, 0, 0)) == 5 * 3600 + 1800);

  // Southern: AEDT from first Sunday of October 02:00 AEST to first Sunday of April 03:00 AEDT.
  // 2026: October 4 (Oct 1 is a Thursday) -> 16:00Z on October 3; April 5 -> 16:00Z on April 4.
  auto au = TimeZone::from_posix("AEST-10AEDT,M10.1.0,M4.1.0/3");
  REQUIRE(au.has_value());
  CHECK(au->offset_at(utc(2026, 10, 3, 15, 59, 59)) == 10 * 3600);
  CHECK(au->offset_at(utc(2026, 10, 3, 16, 0)) == 11 * 3600);
  CHECK(au->offset_at(utc(2026, 4, 4, 15, 59, 59)) == 11 * 3600);
  CHECK(au->offset_at(utc(2026, 4, 4, 16, 0)) == 10 * 3600);

  // Julian day without leap days: J60 is March 1 in every year.
  auto julian = TimeZone::from_posix("AAA0BBB,J60/0,J305/0");
  REQUIRE(julian.has_value());
  CHECK(julian->offset_at(utc(2028, 2, 29, 23, 59, 59)) == 0);
  CHECK(julian->offset_at(utc(2028, 3, 1, 0, 0)) == 3600);

  CHECK_FALSE(TimeZone::from_posix("").has_value());
  CHECK_FALSE(TimeZone::from_posix("E5").has_value());
  CHECK_FALSE(TimeZone::from_posix("EST5EDT,M13.1.0,M11.1.0").has_value());
  CHECK_FALSE(TimeZone::from_posix("EST5EDT,M3.2.0").has_value());
  CHECK_FALSE(TimeZone::from_posix("EST5EDT,M3.2.0,M11.1.0junk").has_value());
}

TEST_CASE("bad zone names and files give errors naming the zone") {
  auto typo = TimeZone::load("Asia/Tokio");
  REQUIRE_FALSE(typo.has_value());
  CHECK(typo.error().find("unknown time zone \"Asia/Tokio\"") != std::string::npos);

  for (const char* bad : {"", "../etc/passwd", "/etc/passwd", "Asia/Tokyo;rm", "Asia Tokyo"}) {
    auto zone = TimeZone::load(bad);
    INFO(bad);
    REQUIRE_FALSE(zone.has_value());
    CHECK(zone.error().find("bad time zone name") != std::string::npos);
  }

  // Leap-second zones would shift every instant by the leap seconds so far.
  if (std::filesystem::exists(std::filesystem::path(fixgate::default_zoneinfo_dir()) / "right/Asia/Tokyo")) {
    auto right = TimeZone::load("right/Asia/Tokyo");
    REQUIRE_FALSE(right.has_value());
    CHECK(right.error().find("leap seconds") != std::string::npos);
  }

  auto directory = TimeZone::load("America");
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().find("\"America\"") != std::string::npos);

  const auto dir = temp_dir("bad");
  std::filesystem::create_directories(dir / "Fake");
  { std::ofstream(dir / "Fake/Text") << "hello, not a zone file, but long enough to pass the size check....."; }
  auto text = TimeZone::load("Fake/Text", dir.string());
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error().find("not a TZif file") != std::string::npos);

  // The first 60 bytes of a real file: a header promising data that is not there.
  std::ifstream real(std::filesystem::path(fixgate::default_zoneinfo_dir()) / "Asia/Tokyo", std::ios::binary);
  std::string head(60, '\0');
  real.read(head.data(), 60);
  { std::ofstream(dir / "Fake/Cut", std::ios::binary) << head; }
  auto cut = TimeZone::load("Fake/Cut", dir.string());
  REQUIRE_FALSE(cut.has_value());
  CHECK(cut.error().find("damaged") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the zoneinfo directory comes from the argument, else TZDIR") {
  const auto dir = temp_dir("tzdir");
  std::filesystem::create_directories(dir / "Test");
  std::filesystem::copy_file(std::filesystem::path("/usr/share/zoneinfo/Asia/Tokyo"), dir / "Test/Tokyo");
  CHECK(TimeZone::load("Test/Tokyo", dir.string()).has_value());
  CHECK_FALSE(TimeZone::load("Test/Tokyo", "/usr/share/zoneinfo").has_value());

  const char* saved = std::getenv("TZDIR");
  const std::string saved_value = saved ? saved : "";
  ::setenv("TZDIR", dir.c_str(), 1);
  CHECK(fixgate::default_zoneinfo_dir() == dir.string());
  auto via_env = TimeZone::load("Test/Tokyo");
  if (saved) ::setenv("TZDIR", saved_value.c_str(), 1); else ::unsetenv("TZDIR");
  REQUIRE(via_env.has_value());
  CHECK(via_env->offset_at(utc(2026, 1, 1, 0, 0)) == 9 * 3600);
  std::filesystem::remove_all(dir);
}

TEST_CASE("UTC needs no file") {
  const auto zone = TimeZone::utc();
  CHECK(zone.offset_at(utc(2026, 3, 8, 7, 0)) == 0);
  CHECK(zone.to_sys(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 2, 30));
}
