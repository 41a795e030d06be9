// SPDX-License-Identifier: Apache-2.0
#include "transport.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace fixgate::sim {
namespace {

constexpr auto kTickInterval = std::chrono::seconds(1);
constexpr auto kShutdownTick = std::chrono::milliseconds(100);
constexpr auto kLogonTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxBacklog = 64u << 20;  // a peer that stops reading must not grow us forever

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string printable(const std::string& frame) {
  std::string out = frame.substr(0, 160);
  std::replace(out.begin(), out.end(), '\x01', '|');
  return out;
}

bool is_logon(const std::string& frame) { return frame.find("\x01" "35=A\x01") != std::string::npos; }
bool is_logout(const std::string& frame) { return frame.find("\x01" "35=5\x01") != std::string::npos; }

// The value of `tag` in a raw frame, "" when absent.
std::string raw_field(const std::string& frame, const std::string& tag) {
  const std::string key = "\x01" + tag + "=";
  const auto at = frame.find(key);
  if (at == std::string::npos) return {};
  const auto begin = at + key.size();
  return frame.substr(begin, frame.find('\x01', begin) - begin);
}

}  // namespace

Connection::Connection(int fd) : fd_(fd) {}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::send(const std::string& data) {
  if (closing_) return false;
  if (is_logout(data)) logout_text = raw_field(data, "58");
  if (out_.size() > kMaxBacklog) {
    spdlog::warn("fd {}: peer stopped reading ({} bytes queued); disconnecting", fd_, out_.size());
    closing_ = true;
    return false;
  }
  out_ += data;
  return flush();
}

void Connection::disconnect() { closing_ = true; }

bool Connection::flush() {
  while (!out_.empty()) {
    const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      closing_ = true;
      out_.clear();
      return false;
    }
  }
  return true;
}

LoopbackAcceptor::LoopbackAcceptor(FIX::Application& app, FIX::MessageStoreFactory& store,
                                   const FIX::SessionSettings& settings, FIX::LogFactory& log,
                                   Exchange& exchange, Recorder& recorder)
    : FIX::Acceptor(app, store, settings, log), exchange_(exchange), recorder_(recorder) {
  if (::pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

LoopbackAcceptor::~LoopbackAcceptor() {
  for (int fd : {listen_fd_, wake_fds_[0], wake_fds_[1]})
    if (fd >= 0) ::close(fd);
}

std::uint16_t LoopbackAcceptor::bind_and_listen(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);

  listen_fd_ = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, found->ai_addr, found->ai_addrlen) != 0 || ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("cannot listen on " + host + ":" + service + ": " + std::strerror(errno));
  set_nonblocking(listen_fd_);

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  const in_port_t net_port = bound.ss_family == AF_INET6
                                 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                 : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
  return ntohs(net_port);
}

void LoopbackAcceptor::onStart() {
  try {
    while (!stop_.load()) run_once(poll_timeout_ms(Clock::now()));
  } catch (const std::exception& e) {
    spdlog::critical("transport loop stopped: {}", e.what());
    failed_ = true;
  }
  for (auto& conn : connections_) {
    conn->flush();
    close(*conn);
  }
  connections_.clear();
}

bool LoopbackAcceptor::onPoll(double timeout) {
  run_once(static_cast<int>(timeout * 1000.0));
  return !stop_.load();
}

void LoopbackAcceptor::onStop() {
  stop_ = true;
  wake();
}

void LoopbackAcceptor::wake() {
  const char byte = 0;
  [[maybe_unused]] const auto n = ::write(wake_fds_[1], &byte, 1);
}

void LoopbackAcceptor::logout_all(std::chrono::milliseconds timeout) {
  for (const auto& id : getSessions())
    if (FIX::Session* session = getSession(id)) session->logout("simulator shutting down");
  wake();  // the loop sees disabled sessions and sends their Logout now, not at the next tick
  const auto deadline = Clock::now() + timeout;
  while (isLoggedOn() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

int LoopbackAcceptor::poll_timeout_ms(Clock::time_point now) const {
  auto until = next_tick_;
  if (auto due = exchange_.next_due(); due && *due < until) until = *due;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

void LoopbackAcceptor::run_once(int timeout_ms) {
  std::vector<pollfd> fds;
  fds.reserve(connections_.size() + 2);
  fds.push_back({listen_fd_, POLLIN, 0});
  fds.push_back({wake_fds_[0], POLLIN, 0});
  for (const auto& conn : connections_)
    fds.push_back({conn->fd(), static_cast<short>(POLLIN | (conn->wants_write() ? POLLOUT : 0)), 0});
  if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
    throw std::runtime_error(std::string("poll: ") + std::strerror(errno));

  if (fds[1].revents != 0) {
    char drain[64];
    while (::read(wake_fds_[0], drain, sizeof drain) > 0) {
    }
  }
  // Connections accepted below are not in `fds`; index only those that were polled.
  const std::size_t polled = connections_.size();
  if ((fds[0].revents & POLLIN) != 0) accept_all();
  for (std::size_t i = 0; i < polled; ++i) {
    const short ev = fds[i + 2].revents;
    Connection& conn = *connections_[i];
    if ((ev & (POLLIN | POLLHUP | POLLERR)) != 0) read_from(conn);
    if ((ev & POLLOUT) != 0) conn.flush();
  }

  const auto now = Clock::now();
  exchange_.do_work(now);
  tick(now);

  for (auto& conn : connections_)
    if (conn->closing()) close(*conn);
  std::erase_if(connections_, [](const auto& conn) { return conn->closing(); });
}

void LoopbackAcceptor::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error the next poll will show again
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // reports are latency-bound
    auto conn = std::make_unique<Connection>(fd);
    conn->accepted_at = Clock::now();
    connections_.push_back(std::move(conn));
  }
}

void LoopbackAcceptor::read_from(Connection& conn) {
  char buf[65536];
  bool peer_closed = false;
  for (;;) {
    const ssize_t n = ::recv(conn.fd(), buf, sizeof buf, 0);
    if (n > 0) {
      conn.parser.addToStream(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      peer_closed = true;  // orderly close (0) or a socket error; still read what came before
      break;
    }
  }
  std::string frame;
  try {
    while (!conn.closing() && conn.parser.readFixMessage(frame)) on_frame(conn, frame);
  } catch (const FIX::MessageParseError& e) {
    spdlog::warn("unparseable bytes on fd {}: {}; disconnecting", conn.fd(), e.what());
    conn.disconnect();
  }
  if (peer_closed) conn.disconnect();
}

void LoopbackAcceptor::on_frame(Connection& conn, const std::string& frame) {
  if (conn.session == nullptr) {
    FIX::Session* session = FIX::Session::lookupSession(frame, true);
    if (session == nullptr || !has(session->getSessionID()) || !is_logon(frame)) {
      spdlog::warn("no session for first message, disconnecting: {}", printable(frame));
      recorder_.on_session_event("logon_refused", "", "no such session: " + printable(frame));
      return conn.disconnect();
    }
    const FIX::SessionID id = session->getSessionID();
    if (FIX::Session::registerSession(id) == nullptr) {
      // One connection per session: a second logon would be a double logon.
      spdlog::warn("{} is already connected; refusing a second connection", id.toString());
      recorder_.on_session_event("logon_refused", id.toString(), "session already connected");
      return conn.disconnect();
    }
    conn.session = session;
    session->setResponder(&conn);
  }
  try {
    conn.session->next(frame, FIX::UtcTimeStamp());
  } catch (const std::exception& e) {
    spdlog::warn("{}: {}", conn.session->getSessionID().toString(), e.what());
    if (!conn.session->isLoggedOn()) conn.disconnect();
  }
  // QuickFIX refused the Logon (--refuse-logon, a MsgSeqNum too low, ...): say so, with its text.
  if (is_logon(frame) && !conn.session->isLoggedOn() && conn.closing()) {
    const std::string detail = conn.logout_text ? "Logout: " + *conn.logout_text : "disconnected without a Logout";
    spdlog::info("{}: logon refused ({})", conn.session->getSessionID().toString(), detail);
    recorder_.on_session_event("logon_refused", conn.session->getSessionID().toString(), detail);
  }
}

void LoopbackAcceptor::tick(Clock::time_point now) {
  bool shutting_down = false;
  for (const auto& conn : connections_)
    if (conn->session != nullptr && !conn->session->isEnabled()) shutting_down = true;
  if (now < next_tick_ && !shutting_down) return;
  next_tick_ = now + (shutting_down ? std::chrono::duration_cast<Clock::duration>(kShutdownTick)
                                    : std::chrono::duration_cast<Clock::duration>(kTickInterval));
  for (auto& conn : connections_) {
    if (conn->session == nullptr) {
      if (now - conn->accepted_at > kLogonTimeout) conn->disconnect();
      continue;
    }
    try {
      conn->session->next(FIX::UtcTimeStamp());  // heartbeats, test requests, logout completion
    } catch (const std::exception& e) {
      spdlog::warn("{}: {}", conn->session->getSessionID().toString(), e.what());
    }
  }
}

void LoopbackAcceptor::close(Connection& conn) {
  conn.disconnect();
  conn.flush();  // a Logout written just before disconnect() should still reach the peer
  if (conn.session != nullptr) {
    const FIX::SessionID id = conn.session->getSessionID();
    conn.session->disconnect();
    FIX::Session::unregisterSession(id);
    conn.session = nullptr;
  }
}

}  // namespace fixgate::sim
