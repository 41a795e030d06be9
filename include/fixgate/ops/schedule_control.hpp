// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the daemon's once-a-second schedule pass does to one session: a pure decision, so it is
// unit-tested without sessions or clocks (tests/unit/ops/schedule_control_test.cpp).

#include <optional>
#include <string_view>

#include "fixgate/ops/schedule.hpp"

namespace fixgate::ops {

enum class ScheduleAction {
  none,             ///< leave the session as it is
  logout,           ///< outside its schedule and enabled: log it out ("end of schedule")
  logon,            ///< inside its schedule and disabled: log it on
  reset_and_logon,  ///< as logon, after setting both sequence numbers to 1 (a new reset period)
};

/// `enabled`: the session is allowed to connect (SessionManager::State::enabled).
/// `last_logon`: when the session last logged on, if known; without it no reset is ever due.
/// A session without a schedule (Schedule::always()) is never touched.
inline ScheduleAction schedule_action(const Schedule& schedule, Instant now, bool enabled,
                                      std::optional<Instant> last_logon) {
  if (schedule.always_on()) return ScheduleAction::none;
  if (!schedule.active(now)) return enabled ? ScheduleAction::logout : ScheduleAction::none;
  if (enabled) return ScheduleAction::none;
  if (last_logon && schedule.reset_due(*last_logon, now)) return ScheduleAction::reset_and_logon;
  return ScheduleAction::logon;
}

inline std::string_view to_string(ScheduleAction action) {
  switch (action) {
    case ScheduleAction::none: return "none";
    case ScheduleAction::logout: return "logout";
    case ScheduleAction::logon: return "logon";
    case ScheduleAction::reset_and_logon: return "reset_and_logon";
  }
  return "none";
}

}  // namespace fixgate::ops
