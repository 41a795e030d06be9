// SPDX-License-Identifier: Apache-2.0
#pragma once
// A QuickFIX acceptor on 127.0.0.1 standing in for a broker in the fix tests: its settings
// (FIX 4.4, BROKER accepting FIXGATE, validated with spec/FIX44.xml) and a free loopback port.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixgate/fix/quickfix.hpp"

// The acceptor header is not in quickfix.hpp (fixgate only initiates); read it the same way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#define throw(...)
#include <quickfix/ThreadedSocketAcceptor.h>
#undef throw
#pragma GCC diagnostic pop

namespace fix_test {

inline std::string source_dir() {
  const char* d = std::getenv("FIXGATE_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

// A port nobody listens on right now (the acceptor binds it a moment later). QuickFIX's acceptor
// listens on every interface; only loopback ever connects.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Settings of an always-open FIX 4.4 acceptor BROKER for initiator FIXGATE on 127.0.0.1:`port`.
inline FIX::SessionSettings broker_acceptor_settings(int port) {
  FIX::SessionSettings settings;
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "acceptor");
  defaults.setInt("SocketAcceptPort", port);
  defaults.setString("SocketAcceptHost", "127.0.0.1");
  defaults.setString("StartTime", "00:00:00");
  defaults.setString("EndTime", "00:00:00");
  defaults.setString("UseDataDictionary", "Y");
  defaults.setString("DataDictionary", source_dir() + "/spec/FIX44.xml");
  settings.set(defaults);
  settings.set(FIX::SessionID("FIX.4.4", "BROKER", "FIXGATE"), FIX::Dictionary());
  return settings;
}

}  // namespace fix_test
