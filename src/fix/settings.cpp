// SPDX-License-Identifier: Apache-2.0
#include "settings.hpp"

#include <algorithm>

namespace fixgate::fix {

FIX::SessionID session_id(const config::Session& session) {
  const char* begin = session.version == config::FixVersion::fix42 ? "FIX.4.2" : "FIX.4.4";
  return FIX::SessionID(begin, session.sender_comp_id, session.target_comp_id);
}

std::string dictionary_path(const config::Session& session) {
  if (!session.data_dictionary.empty()) return session.data_dictionary;
  return session.version == config::FixVersion::fix42 ? "spec/FIX42.xml" : "spec/FIX44.xml";
}

FIX::SessionSettings build_settings(const config::Session& session) {
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "initiator");
  // QuickFIX reads ReconnectInterval from the defaults only (each initiator has one session).
  defaults.setInt("ReconnectInterval", static_cast<int>(session.reconnect_seconds));
  // Read by our transport only (QuickFIX ignores keys it does not know): the backoff's cap.
  defaults.setInt("ReconnectMaxInterval", static_cast<int>(std::max(session.reconnect_max_seconds, session.reconnect_seconds)));
  FIX::Dictionary d;
  d.setString("SocketConnectHost", session.connect.host);
  d.setInt("SocketConnectPort", session.connect.port);
  d.setInt("HeartBtInt", static_cast<int>(session.heartbeat_seconds));
  // Nagle would add ~40 ms to every request/response round trip.
  d.setString("SocketNodelay", "Y");
  // Always-on session until schedules land; equal start and end mean the whole day to QuickFIX.
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("UseDataDictionary", "Y");
  d.setString("DataDictionary", dictionary_path(session));
  d.setString("PersistMessages", "Y");
  // We validate what we read ourselves and raise breaks; a counterparty's extra fields must not
  // get an execution report rejected at the session level.
  d.setString("ValidateUserDefinedFields", "N");
  d.setString("AllowUnknownMsgFields", "Y");
  d.setString("ValidateFieldsHaveValues", "Y");
  FIX::SessionSettings settings;
  settings.set(defaults);
  settings.set(session_id(session), d);
  return settings;
}

}  // namespace fixgate::fix
