#include "fixgate/gateway/line_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace fixgate::gateway {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000'000));
}

/// Waits for `events` on fd until the deadline; 1 ready, 0 timeout, -1 error.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    return r == 0 ? 0 : 1;
  }
}

}  // namespace

LineClient::~LineClient() { close(); }

LineClient::LineClient(LineClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

LineClient& LineClient::operator=(LineClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

std::expected<void, std::string> LineClient::connect_tcp(const std::string& host, std::uint16_t port,
                                                         std::chrono::milliseconds timeout, const std::string& source) {
  close();
  const std::string where = host + ":" + std::to_string(port);
  sockaddr_storage addr{};
  socklen_t len = 0;
  const std::string h = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return std::unexpected(where + ": not an IP address");
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return std::unexpected(where + ": " + std::strerror(errno));
  fd_ = fd;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source.empty()) {
    sockaddr_storage from{};
    auto* from4 = reinterpret_cast<sockaddr_in*>(&from);
    auto* from6 = reinterpret_cast<sockaddr_in6*>(&from);
    const bool ok = addr.ss_family == AF_INET ? ::inet_pton(AF_INET, source.c_str(), &from4->sin_addr) == 1
                                              : ::inet_pton(AF_INET6, source.c_str(), &from6->sin6_addr) == 1;
    from.ss_family = addr.ss_family;
    if (!ok || ::bind(fd, reinterpret_cast<sockaddr*>(&from), len) != 0) {
      return std::unexpected(where + ": cannot connect from " + source);
    }
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) {
      const std::string err = std::strerror(errno);
      close();
      return std::unexpected(where + ": " + err);
    }
    const int ready = wait_for(fd, POLLOUT, Clock::now() + timeout);
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
    if (ready <= 0 || so_error != 0) {
      close();
      return std::unexpected(where + ": " + (ready == 0 ? std::string("connect timed out") : std::strerror(so_error)));
    }
  }
  return {};
}

std::expected<void, std::string> LineClient::connect_unix(const std::string& path) {
  close();
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return std::unexpected(path + ": path too long");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(path + ": " + std::strerror(errno));
  fd_ = fd;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string err = std::strerror(errno);
    close();
    return std::unexpected(path + ": " + err);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return {};
}

bool LineClient::send(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    if (fd_ < 0) return false;
    const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(fd_, POLLOUT, deadline) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

LineClient::ReadStatus LineClient::read_line(std::string& line, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::size_t end = nl;
      if (end > 0 && buffer_[end - 1] == '\r') --end;
      line.assign(buffer_, 0, end);
      buffer_.erase(0, nl + 1);
      return ReadStatus::line;
    }
    if (fd_ < 0) return ReadStatus::closed;
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return ReadStatus::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const int ready = wait_for(fd_, POLLIN, deadline);
      if (ready == 0) return ReadStatus::timeout;
      if (ready < 0) return ReadStatus::error;
      continue;
    }
    return errno == ECONNRESET ? ReadStatus::closed : ReadStatus::error;
  }
}

void LineClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void LineClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

std::expected<std::pair<std::string, std::uint16_t>, std::string> split_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::unexpected("expected host:port, got '" + std::string(text) + "'");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (r.ec != std::errc{} || r.ptr != port_text.data() + port_text.size() || port > 65535) {
    return std::unexpected("bad port in '" + std::string(text) + "'");
  }
  return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace fixgate::gateway
