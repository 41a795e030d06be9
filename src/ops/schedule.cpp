// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/schedule.hpp"


namespace fixgate::ops {
namespace {

constexpr std::int64_t day_seconds = 86400;
constexpr std::int64_t week_seconds = 7 * day_seconds;

/// 0 = Sunday .. 6 = Saturday for a count of days since 1970-01-01 (a Thursday).
int weekday_of(std::int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }

bool has_day(std::uint8_t days, int weekday) {
  return ((static_cast<unsigned>(days) >> static_cast<unsigned>(weekday)) & 1u) != 0;
}

bool weekly_form(const config::SessionSchedule& spec) { return spec.start_day.has_value(); }

std::int64_t period_length(const config::SessionSchedule& spec) {
  const auto start = static_cast<std::int64_t>(spec.start_seconds);
  const auto end = static_cast<std::int64_t>(spec.end_seconds);
  if (weekly_form(spec)) {
    std::int64_t length = (*spec.end_day * day_seconds + end) - (*spec.start_day * day_seconds + start);
    if (length <= 0) length += week_seconds;
    return length;
  }
  return end > start ? end - start : end - start + day_seconds;
}

}  // namespace

std::string schedule_spec_problem(const config::SessionSchedule& spec) {
  if (spec.start_seconds >= day_seconds) return "start must be before 24:00";
  if (spec.end_seconds >= day_seconds) return "end must be before 24:00";
  if (spec.start_day.has_value() != spec.end_day.has_value()) return "start_day and end_day go together";
  if (weekly_form(spec)) {
    if (*spec.start_day > 6 || *spec.end_day > 6) return "days are 0 (Sunday) .. 6 (Saturday)";
    if (*spec.start_day == *spec.end_day && spec.start_seconds == spec.end_seconds) {
      return "a weekly period needs different start and end";
    }
    if (spec.reset == config::SeqReset::daily) {
      return "reset: daily needs a daily schedule; a weekly session resets weekly or never";
    }
    return {};
  }
  if ((spec.days & 0x7f) == 0) return "days must list at least one day";
  if (spec.start_seconds == spec.end_seconds) {
    return "start and end are equal; omit the schedule for a session that is always on";
  }
  if (spec.reset == config::SeqReset::weekly && (spec.days & 0x7f) == 0x7f) {
    return "reset: weekly needs a day without a session start to mark the start of the week";
  }
  return {};
}

std::expected<Schedule, std::string> Schedule::create(const config::SessionSchedule& spec,
                                                      std::string_view zoneinfo_dir) {
  if (auto problem = schedule_spec_problem(spec); !problem.empty()) return std::unexpected(problem);
  auto zone = TimeZone::load(spec.time_zone, zoneinfo_dir);
  if (!zone) return std::unexpected(zone.error());
  return create(spec, std::move(*zone));
}

std::expected<Schedule, std::string> Schedule::create(const config::SessionSchedule& spec, TimeZone zone) {
  if (auto problem = schedule_spec_problem(spec); !problem.empty()) return std::unexpected(problem);
  Schedule schedule;
  schedule.always_ = false;
  schedule.spec_ = spec;
  if (weekly_form(spec)) schedule.spec_.days = static_cast<std::uint8_t>(1u << *spec.start_day);
  schedule.zone_ = std::move(zone);
  schedule.length_seconds_ = period_length(spec);
  return schedule;
}

Schedule Schedule::always() { return Schedule(); }

std::int64_t Schedule::local_day_of(Instant t) const {
  const std::int64_t local = zone_.to_local(t).time_since_epoch().count();
  return local >= 0 ? local / day_seconds : -((-local + day_seconds - 1) / day_seconds);
}

std::optional<Schedule::Period> Schedule::occurrence(std::int64_t local_day) const {
  if (!has_day(spec_.days, weekday_of(local_day))) return std::nullopt;
  const std::int64_t start_local = local_day * day_seconds + spec_.start_seconds;
  const std::int64_t end_local = start_local + length_seconds_;
  const Period period{zone_.to_sys(std::chrono::local_seconds{std::chrono::seconds{start_local}}),
                      zone_.to_sys(std::chrono::local_seconds{std::chrono::seconds{end_local}})};
  if (period.end <= period.start) return std::nullopt;  // wholly inside a skipped hour
  return period;
}

bool Schedule::starts_week(std::int64_t local_day) const {
  return !has_day(spec_.days, weekday_of(local_day - 1));
}

std::optional<Schedule::Period> Schedule::period_at(Instant t) const {
  if (always_) return std::nullopt;
  const std::int64_t today = local_day_of(t);
  // A period is shorter than a week, so one containing t started at most 8 local days ago.
  for (std::int64_t day = today + 1; day >= today - 8; --day) {
    if (auto p = occurrence(day); p && p->start <= t && t < p->end) return p;
  }
  return std::nullopt;
}

bool Schedule::active(Instant t) const { return always_ || period_at(t).has_value(); }

std::optional<Schedule::Edge> Schedule::next_edge(Instant t) const {
  if (always_) return std::nullopt;
  const std::int64_t today = local_day_of(t);
  std::optional<Edge> best;
  const auto consider = [&](Instant at, bool logon) {
    if (at > t && (!best || at < best->at)) best = Edge{at, logon};
  };
  // The next start is at most a week (plus a day for offsets) away.
  for (std::int64_t day = today - 8; day <= today + 9; ++day) {
    if (auto p = occurrence(day)) {
      consider(p->start, true);
      consider(p->end, false);
    }
  }
  return best;
}

std::optional<Instant> Schedule::latest_start(Instant t) const {
  if (always_) return std::nullopt;
  const std::int64_t today = local_day_of(t);
  for (std::int64_t day = today + 1; day >= today - 16; --day) {
    if (auto p = occurrence(day); p && p->start <= t) return p->start;
  }
  return std::nullopt;
}

std::optional<Instant> Schedule::reset_period_start(Instant t) const {
  if (always_) return std::nullopt;
  switch (spec_.reset) {
    case config::SeqReset::never: return std::nullopt;
    case config::SeqReset::daily: return latest_start(t);
    case config::SeqReset::weekly: break;
  }
  const std::int64_t today = local_day_of(t);
  for (std::int64_t day = today + 1; day >= today - 16; --day) {
    if (!starts_week(day)) continue;
    if (auto p = occurrence(day); p && p->start <= t) return p->start;
  }
  return std::nullopt;
}

std::expected<std::map<std::string, Schedule>, std::string> build_schedules(
    const std::vector<config::Session>& sessions, std::string_view zoneinfo_dir) {
  std::map<std::string, Schedule> result;
  std::map<std::string, TimeZone> zones;
  for (const auto& session : sessions) {
    if (!session.schedule) {
      result.insert_or_assign(session.name, Schedule::always());
      continue;
    }
    auto zone = zones.find(session.schedule->time_zone);
    if (zone == zones.end()) {
      auto loaded = TimeZone::load(session.schedule->time_zone, zoneinfo_dir);
      if (!loaded) return std::unexpected("session " + session.name + ": " + loaded.error());
      zone = zones.emplace(session.schedule->time_zone, std::move(*loaded)).first;
    }
    auto schedule = Schedule::create(*session.schedule, zone->second);
    if (!schedule) return std::unexpected("session " + session.name + ": " + schedule.error());
    result.insert_or_assign(session.name, std::move(*schedule));
  }
  return result;
}

bool Schedule::reset_due(Instant last_logon, Instant now) const {
  const auto current = reset_period_start(now);
  if (!current) return false;
  const auto previous = reset_period_start(last_logon);
  return !previous || *previous != *current;
}

}  // namespace fixgate::ops
