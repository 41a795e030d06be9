// SPDX-License-Identifier: Apache-2.0
// The sessions and routes sections: FIX sessions to brokers, and which orders go to which.

#include <algorithm>

#include "fixgate/core/spec_dir.hpp"
#include "fixgate/core/time_zone.hpp"
#include "sections.hpp"

namespace fixgate::config::detail {
namespace {

// Session names appear in routes, logs and journal records, so they stay plain words.
std::string read_session_name(const Value& value) {
  std::string name = read_nonempty(value);
  const bool plain = std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!plain) value.fail("\"" + name + "\" may hold only letters, digits, '_', '-' and '.'");
  return name;
}

// CompIDs go on the wire in every message: printable ASCII without spaces (no SOH, no '=').
std::string read_comp_id(const Value& value) {
  std::string id = read_nonempty(value);
  const bool printable = std::ranges::all_of(id, [](char c) { return c > ' ' && c < '\x7f' && c != '='; });
  if (!printable) value.fail("\"" + id + "\" must be printable ASCII without spaces or '='");
  return id;
}

// Username and password go on the wire in the Logon: printable ASCII (spaces allowed), no SOH.
// The message names the field only: a password must not reach a log through an error.
void check_printable(const Value& value, const std::string& text, const std::string& what) {
  const bool printable = std::ranges::all_of(text, [](char c) { return c >= ' ' && c < '\x7f'; });
  if (!printable) value.fail(what + " must be printable ASCII");
}

// The password from password_env or password_file, never from the YAML itself.
std::string read_password(const MapReader& map, Secrets secrets) {
  if (auto inline_password = map.get("password")) {
    inline_password->fail("a password never goes in the configuration file: "
                          "name its environment variable (password_env) or its file (password_file)");
  }
  const auto env = map.get("password_env");
  const auto file = map.get("password_file");
  if (env && file) file->fail("give password_env or password_file, not both");
  if (!env && !file) return {};
  std::string password;
  if (secrets == Secrets::resolve) {
    password = env ? secret_from_env(*env) : secret_from_file(*file, "password");
    check_printable(env ? *env : *file, password, "the password");
  } else if (env) {
    (void)read_env_name(*env);  // still checked for shape
  } else {
    (void)read_nonempty(*file);
  }
  return password;
}

// "HH:MM" or "HH:MM:SS", 24-hour wall-clock time; seconds after midnight.
std::uint32_t read_time_of_day(const Value& value) {
  const std::string text = value.scalar("HH:MM");
  const auto digits = [&](std::size_t at) -> int {
    if (at + 2 > text.size() || text[at] < '0' || text[at] > '9' || text[at + 1] < '0' || text[at + 1] > '9') return -1;
    return (text[at] - '0') * 10 + (text[at + 1] - '0');
  };
  const bool shape = (text.size() == 5 || (text.size() == 8 && text[5] == ':')) && text[2] == ':';
  const int h = shape ? digits(0) : -1;
  const int m = shape ? digits(3) : -1;
  const int sec = shape && text.size() == 8 ? digits(6) : 0;
  if (h < 0 || m < 0 || sec < 0) {
    value.fail("expected HH:MM or HH:MM:SS (24-hour local time), found \"" + text + "\"");
  }
  if (h > 23 || m > 59 || sec > 59) value.fail("\"" + text + "\" is not a time of day (00:00 to 23:59:59)");
  return static_cast<std::uint32_t>(h * 3600 + m * 60 + sec);
}

std::uint8_t read_weekday(const Value& value) {
  return read_enum<std::uint8_t>(value, {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}});
}

// A session's trading hours; the rules are docs/CONFIG.md's "sessions[].schedule".
SessionSchedule read_schedule(const Value& value) {
  const MapReader map(value, {"time_zone", "start", "end", "days", "start_day", "end_day", "reset"});
  SessionSchedule schedule;
  const Value zone = map.require("time_zone");
  schedule.time_zone = read_nonempty(zone);
  if (auto loaded = TimeZone::load(schedule.time_zone); !loaded) zone.fail(loaded.error());
  schedule.start_seconds = read_time_of_day(map.require("start"));
  const Value end = map.require("end");
  schedule.end_seconds = read_time_of_day(end);

  const auto start_day = map.get("start_day");
  const auto end_day = map.get("end_day");
  const auto days = map.get("days");
  if (start_day.has_value() != end_day.has_value()) {
    const Value& present = start_day ? *start_day : *end_day;
    const std::string missing = start_day ? "end_day" : "start_day";
    present.fail_key(child_path(value.path(), missing), "start_day and end_day go together; " + missing + " is missing");
  }
  const bool weekly = start_day.has_value();
  if (weekly) {
    if (days) days->fail("a weekly schedule (start_day/end_day) takes no days list");
    schedule.start_day = read_weekday(*start_day);
    schedule.end_day = read_weekday(*end_day);
    schedule.days = static_cast<std::uint8_t>(1u << *schedule.start_day);
    if (*schedule.start_day == *schedule.end_day && schedule.start_seconds == schedule.end_seconds) {
      end.fail("a weekly schedule needs different start and end");
    }
  } else {
    if (schedule.start_seconds == schedule.end_seconds) {
      end.fail("start and end are equal; leave out the schedule for a session that is always on");
    }
    if (days) {
      const auto items = days->elements();
      if (items.empty()) days->fail("list at least one day");
      schedule.days = 0;
      for (const auto& item : items) {
        const auto bit = static_cast<std::uint8_t>(1u << read_weekday(item));
        if (schedule.days & bit) item.fail("listed twice");
        schedule.days = static_cast<std::uint8_t>(schedule.days | bit);
      }
    }
  }
  schedule.reset = weekly ? SeqReset::weekly : SeqReset::daily;
  if (auto reset = map.get("reset")) {
    schedule.reset = read_enum<SeqReset>(
        *reset, {{"daily", SeqReset::daily}, {"weekly", SeqReset::weekly}, {"never", SeqReset::never}});
    if (weekly && schedule.reset == SeqReset::daily) {
      reset->fail("a weekly schedule resets weekly or never, not daily");
    }
    if (!weekly && schedule.reset == SeqReset::weekly && schedule.days == 0x7f) {
      reset->fail("weekly needs a day without a session start to mark the start of the week (list days)");
    }
  }
  return schedule;
}

Session read_session(const MapReader& map, Secrets secrets) {
  Session session;
  session.name = read_session_name(map.require("name"));
  if (auto version = map.get("fix_version")) {
    // Quoted "4.4" and bare 4.4 are the same scalar text to yaml-cpp; no float is involved.
    session.version = read_enum<FixVersion>(*version, {{"4.2", FixVersion::fix42}, {"4.4", FixVersion::fix44}});
  }
  session.sender_comp_id = read_comp_id(map.require("sender_comp_id"));
  session.target_comp_id = read_comp_id(map.require("target_comp_id"));
  session.connect = read_endpoint(map.require("connect"), false, HostNames::allowed);
  if (auto v = map.get("sender_sub_id")) session.sender_sub_id = read_comp_id(*v);
  if (auto v = map.get("target_sub_id")) session.target_sub_id = read_comp_id(*v);
  if (auto v = map.get("username")) {
    session.username = read_nonempty(*v);
    check_printable(*v, session.username, "the username");
  }
  session.password = read_password(map, secrets);
  if (auto v = map.get("heartbeat_seconds")) session.heartbeat_seconds = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("reconnect_seconds")) session.reconnect_seconds = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("reconnect_max_seconds")) {
    session.reconnect_max_seconds = read_uint<std::uint32_t>(*v, 1);
    if (session.reconnect_max_seconds < session.reconnect_seconds) {
      v->fail("reconnect_max_seconds (" + std::to_string(session.reconnect_max_seconds) +
              ") must be at least reconnect_seconds (" + std::to_string(session.reconnect_seconds) + ")");
    }
  }
  if (auto v = map.get("pending_request_timeout_seconds"))
    session.pending_request_timeout_seconds = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("data_dictionary")) session.data_dictionary = read_string(*v);
  if (session.data_dictionary.empty()) {
    session.data_dictionary = (spec_dir() / (session.version == FixVersion::fix42 ? "FIX42.xml" : "FIX44.xml")).string();
  }
  if (auto v = map.get("enabled")) session.enabled = read_bool(*v);
  if (auto v = map.get("schedule")) session.schedule = read_schedule(*v);
  return session;
}

}  // namespace

std::vector<Session> read_sessions(const Value& value, Secrets secrets) {
  std::vector<Session> sessions;
  for (const auto& element : value.elements()) {
    const MapReader map(element, {"name", "fix_version", "sender_comp_id", "target_comp_id", "connect",
                                  "sender_sub_id", "target_sub_id", "username", "password", "password_env", "password_file",
                                  "heartbeat_seconds", "reconnect_seconds", "reconnect_max_seconds", "pending_request_timeout_seconds",
                                  "data_dictionary", "enabled", "schedule"});
    Session session = read_session(map, secrets);
    for (const auto& other : sessions) {
      if (other.name == session.name) {
        map.require("name").fail("duplicate session name \"" + session.name + "\"");
      }
      // QuickFIX identifies a session by version and both CompIDs; two entries with the same
      // triple would be one session sharing sequence numbers.
      if (other.version == session.version && other.sender_comp_id == session.sender_comp_id &&
          other.target_comp_id == session.target_comp_id) {
        map.require("target_comp_id")
            .fail("session \"" + other.name + "\" already uses " + session.sender_comp_id + "->" +
                  session.target_comp_id);
      }
    }
    sessions.push_back(std::move(session));
  }
  return sessions;
}

std::vector<Route> read_routes(const Value& value, const std::vector<Session>& sessions) {
  std::string known;
  for (const auto& session : sessions) known += (known.empty() ? "" : ", ") + session.name;
  if (known.empty()) known = "none";

  std::vector<Route> routes;
  for (const auto& element : value.elements()) {
    const MapReader map(element, {"account", "symbol", "market", "sessions"});
    Route route;
    if (auto v = map.get("account")) route.account = read_nonempty(*v);
    if (auto v = map.get("symbol")) route.symbol = read_nonempty(*v);
    if (auto v = map.get("market")) route.market = read_nonempty(*v);
    const Value targets = map.require("sessions");
    const auto items = targets.elements();
    if (items.empty()) targets.fail("a route needs at least one session");
    for (const auto& item : items) {
      std::string name = read_nonempty(item);
      if (std::ranges::none_of(sessions, [&](const Session& s) { return s.name == name; })) {
        item.fail("no session named \"" + name + "\" (sessions: " + known + ")");
      }
      if (std::ranges::find(route.sessions, name) != route.sessions.end()) item.fail("listed twice");
      route.sessions.push_back(std::move(name));
    }
    routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace fixgate::config::detail
