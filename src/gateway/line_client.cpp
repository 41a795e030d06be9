// SPDX-License-Identifier: Apache-2.0
#include "fixgate/gateway/line_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
    : fd_(std::exchange(other.fd_, -1)),
      tls_ctx_(std::exchange(other.tls_ctx_, nullptr)),
      tls_(std::exchange(other.tls_, nullptr)),
      buffer_(std::move(other.buffer_)) {}

LineClient& LineClient::operator=(LineClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    tls_ctx_ = std::exchange(other.tls_ctx_, nullptr);
    tls_ = std::exchange(other.tls_, nullptr);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

namespace {

std::string openssl_error(std::string_view what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return std::string(what) + ": " + text;
}

}  // namespace

std::expected<void, std::string> LineClient::connect_tls(const std::string& host, std::uint16_t port,
                                                         std::chrono::milliseconds timeout, const TlsOptions& options) {
  const auto deadline = Clock::now() + timeout;
  if (auto connected = connect_tcp(host, port, timeout); !connected) return connected;
  if (auto secured = start_tls(options, host, deadline); !secured) {
    close();
    return std::unexpected(host + ":" + std::to_string(port) + ": " + secured.error());
  }
  return {};
}

std::expected<void, std::string> LineClient::start_tls(const TlsOptions& options, const std::string& host,
                                                       Clock::time_point deadline) {
  if (options.ca_file.empty()) return std::unexpected("TLS needs a CA file to verify the server");
  tls_ctx_ = SSL_CTX_new(TLS_client_method());
  if (tls_ctx_ == nullptr) return std::unexpected(openssl_error("TLS context"));
  SSL_CTX_set_min_proto_version(tls_ctx_, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(tls_ctx_, options.ca_file.c_str(), nullptr) != 1) {
    return std::unexpected(openssl_error("CA file " + options.ca_file));
  }
  SSL_CTX_set_verify(tls_ctx_, SSL_VERIFY_PEER, nullptr);
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(tls_ctx_, options.cert_file.c_str()) != 1) {
      return std::unexpected(openssl_error("certificate " + options.cert_file));
    }
    if (SSL_CTX_use_PrivateKey_file(tls_ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return std::unexpected(openssl_error("key " + options.key_file));
    }
  }
  tls_ = SSL_new(tls_ctx_);
  if (tls_ == nullptr || SSL_set_fd(tls_, fd_) != 1) return std::unexpected(openssl_error("TLS session"));
  const std::string name = options.server_name.empty() ? host : options.server_name;
  X509_VERIFY_PARAM* param = SSL_get0_param(tls_);
  // An IP literal is checked against the certificate's IP addresses, a name against its names.
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
    // SSL_set_tlsext_host_name, without the macro's C cast.
    SSL_ctrl(tls_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
    if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) != 1) return std::unexpected(openssl_error("server name"));
  }
  for (;;) {
    const int r = SSL_connect(tls_);
    if (r == 1) return {};
    const int err = SSL_get_error(tls_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      const long verify = SSL_get_verify_result(tls_);
      if (verify != X509_V_OK) {
        return std::unexpected(std::string("server certificate: ") + X509_verify_cert_error_string(verify));
      }
      return std::unexpected(openssl_error("TLS handshake"));
    }
    const int ready = wait_for(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
    if (ready <= 0) return std::unexpected(ready == 0 ? "TLS handshake timed out" : "TLS handshake: poll failed");
  }
}

long LineClient::read_some(char* data, std::size_t size, short& events) {
  events = POLLIN;
  if (tls_ == nullptr) {
    const auto n = ::recv(fd_, data, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    return errno == ECONNRESET ? 0 : -2;
  }
  const int n = SSL_read(tls_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
  if (n > 0) return n;
  const int err = SSL_get_error(tls_, n);
  if (err == SSL_ERROR_WANT_READ) return -1;
  if (err == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
    return -1;
  }
  ERR_clear_error();
  // close_notify, or the peer closing the socket after its last record: the end of the stream.
  return err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL ? 0 : -2;
}

long LineClient::write_some(const char* data, std::size_t size, short& events) {
  events = POLLOUT;
  if (tls_ == nullptr) {
    const auto n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) return n;
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
    return -2;
  }
  const int n = SSL_write(tls_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
  if (n > 0) return n;
  const int err = SSL_get_error(tls_, n);
  if (err == SSL_ERROR_WANT_WRITE) return -1;
  if (err == SSL_ERROR_WANT_READ) {
    events = POLLIN;
    return -1;
  }
  ERR_clear_error();
  return -2;
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
    short events = 0;
    const long n = write_some(data.data(), data.size(), events);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n == -2) return false;
    if (wait_for(fd_, events, deadline) <= 0) return false;
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
    short events = 0;
    const long n = read_some(chunk, sizeof chunk, events);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return ReadStatus::closed;
    if (n == -2) return ReadStatus::error;
    const int ready = wait_for(fd_, events, deadline);
    if (ready == 0) return ReadStatus::timeout;
    if (ready < 0) return ReadStatus::error;
  }
}

void LineClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void LineClient::close() {
  if (tls_ != nullptr) SSL_free(tls_);
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
  tls_ = nullptr;
  tls_ctx_ = nullptr;
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
