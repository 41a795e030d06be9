// The sessions and routes sections: FIX sessions to brokers, and which orders go to which.

#include <algorithm>

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

Session read_session(const MapReader& map) {
  Session session;
  session.name = read_session_name(map.require("name"));
  if (auto version = map.get("fix_version")) {
    // Quoted "4.4" and bare 4.4 are the same scalar text to yaml-cpp; no float is involved.
    session.version = read_enum<FixVersion>(*version, {{"4.2", FixVersion::fix42}, {"4.4", FixVersion::fix44}});
  }
  session.sender_comp_id = read_comp_id(map.require("sender_comp_id"));
  session.target_comp_id = read_comp_id(map.require("target_comp_id"));
  session.connect = read_endpoint(map.require("connect"), false);
  if (auto v = map.get("heartbeat_seconds")) session.heartbeat_seconds = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("reconnect_seconds")) session.reconnect_seconds = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("data_dictionary")) session.data_dictionary = read_string(*v);
  if (session.data_dictionary.empty()) {
    session.data_dictionary = session.version == FixVersion::fix42 ? "spec/FIX42.xml" : "spec/FIX44.xml";
  }
  if (auto v = map.get("enabled")) session.enabled = read_bool(*v);
  return session;
}

}  // namespace

std::vector<Session> read_sessions(const Value& value) {
  std::vector<Session> sessions;
  for (const auto& element : value.elements()) {
    const MapReader map(element, {"name", "fix_version", "sender_comp_id", "target_comp_id", "connect",
                                  "heartbeat_seconds", "reconnect_seconds", "data_dictionary", "enabled"});
    Session session = read_session(map);
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
