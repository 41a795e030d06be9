// SPDX-License-Identifier: Apache-2.0
#pragma once
// A blocking HTTP client for the ops server tests: 5 s socket timeouts, bounded loops.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

namespace ops_test {

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  void finish_sending() { ::shutdown(fd_, SHUT_WR); }

  /// Everything until the server closes; nullopt on the 5 s timeout.
  std::optional<std::string> read_all() {
    std::string out;
    char buf[4096];
    for (int i = 0; i < 10000; ++i) {
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return out;
      if (n < 0) return errno == ECONNRESET ? std::optional<std::string>(out) : std::nullopt;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return std::nullopt;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
};

inline Reply parse(const std::string& raw) {
  Reply reply;
  REQUIRE(raw.rfind("HTTP/1.1 ", 0) == 0);
  reply.status = std::stoi(raw.substr(9, 3));
  const auto split = raw.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  reply.head = raw.substr(0, split + 2);
  reply.body = raw.substr(split + 4);
  return reply;
}

inline Reply request(std::uint16_t port, const std::string& text) {
  Client client(port);
  REQUIRE(client.connected());
  REQUIRE(client.send(text));
  client.finish_sending();
  const auto raw = client.read_all();
  REQUIRE(raw.has_value());
  return parse(*raw);
}

inline Reply get(std::uint16_t port, const std::string& path) {
  return request(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n");
}

}  // namespace ops_test
