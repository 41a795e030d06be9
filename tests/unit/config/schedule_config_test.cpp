// SPDX-License-Identifier: Apache-2.0
// sessions[].schedule: the good corpus file read back field by field (bad cases live in
// tests/data/config/bad/session_schedule_*.yaml and run through bad_config_test.cpp).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "fixgate/config/config.hpp"

using namespace fixgate::config;

TEST_CASE("schedules: daily, weekly, overnight, absent and null") {
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  const auto loaded = load_file(std::string(source) + "/tests/data/config/good/schedules.yaml");
  if (!loaded) FAIL(loaded.error().to_string());
  const auto& sessions = loaded->sessions;
  REQUIRE(sessions.size() == 5);

  REQUIRE(sessions[0].schedule.has_value());
  const auto& tse = *sessions[0].schedule;
  CHECK(tse.time_zone == "Asia/Tokyo");
  CHECK(tse.start_seconds == 8 * 3600);
  CHECK(tse.end_seconds == 15 * 3600 + 30 * 60);
  CHECK(tse.days == 0b0111110);  // mon (bit 1) .. fri (bit 5)
  CHECK_FALSE(tse.start_day.has_value());
  CHECK(tse.reset == SeqReset::daily);

  REQUIRE(sessions[1].schedule.has_value());
  const auto& fx = *sessions[1].schedule;
  CHECK(fx.time_zone == "America/New_York");
  CHECK(fx.start_seconds == 17 * 3600);
  CHECK(fx.end_seconds == 17 * 3600 + 30);
  CHECK(fx.start_day == std::uint8_t{0});
  CHECK(fx.end_day == std::uint8_t{5});
  CHECK(fx.days == 0b0000001);      // only the start day
  CHECK(fx.reset == SeqReset::weekly);  // the weekly form's default

  REQUIRE(sessions[2].schedule.has_value());
  const auto& night = *sessions[2].schedule;
  CHECK(night.start_seconds == 22 * 3600);  // bare 22:00 is read as text, not sexagesimal
  CHECK(night.end_seconds == 6 * 3600);
  CHECK(night.days == 0b0011111);  // sun (bit 0) .. thu (bit 4)
  CHECK(night.reset == SeqReset::weekly);

  CHECK_FALSE(sessions[3].schedule.has_value());
  CHECK_FALSE(sessions[4].schedule.has_value());
}

TEST_CASE("schedule defaults: every day, daily reset") {
  const auto loaded = load_string(R"(
sessions:
  - name: S1
    sender_comp_id: A
    target_comp_id: B
    connect: 127.0.0.1:9000
    schedule: {time_zone: UTC, start: "00:00:01", end: "23:59:59"}
)", "test.yaml");
  if (!loaded) FAIL(loaded.error().to_string());
  const auto& s = *loaded->sessions.at(0).schedule;
  CHECK(s.days == 0x7f);
  CHECK(s.reset == SeqReset::daily);
  CHECK(s.start_seconds == 1);
  CHECK(s.end_seconds == 86399);
}

TEST_CASE("schedule time formats") {
  const auto with_start = [](const std::string& start) {
    return load_string("sessions:\n  - name: S1\n    sender_comp_id: A\n    target_comp_id: B\n"
                       "    connect: 127.0.0.1:9000\n    schedule: {time_zone: UTC, start: \"" + start +
                           "\", end: \"12:00\"}\n",
                       "t.yaml");
  };
  CHECK(with_start("09:30").has_value());
  CHECK(with_start("09:30:15").has_value());
  for (const char* bad : {"9:30", "09:3", "0930", "09:30:", "09:30:60", "23:60", "24:00", "-1:00", "09-30", ""}) {
    INFO(bad);
    const auto result = with_start(bad);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().key == "sessions[0].schedule.start");
  }
}
