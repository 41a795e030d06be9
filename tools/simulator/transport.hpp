// SPDX-License-Identifier: Apache-2.0
#pragma once
// A QuickFIX acceptor with its own transport. QuickFIX's SocketAcceptor binds every interface and
// has no bind-address setting; this one binds the address it is given, and runs the sockets, the
// session timers and the simulator's scheduled reports on one thread with poll(2).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exchange.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "recorder.hpp"

namespace fixgate::sim {

/// One TCP connection; QuickFIX writes to it through the Responder interface.
class Connection : public FIX::Responder {
 public:
  explicit Connection(int fd);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Queues bytes and writes what the socket takes now; the rest goes out on POLLOUT.
  bool send(const std::string& data) override;
  /// Marks the connection for closing; the loop closes it after this pass (never re-entrantly).
  void disconnect() override;
  /// Writes queued bytes; false when the socket failed.
  bool flush();

  int fd() const { return fd_; }
  bool closing() const { return closing_; }
  bool wants_write() const { return !out_.empty(); }

  FIX::Parser parser;               ///< frames inbound bytes into FIX messages
  FIX::Session* session = nullptr;  ///< set by the first (Logon) message
  Clock::time_point accepted_at;    ///< to drop connections that never log on
  std::optional<std::string> logout_text;  ///< Text (58) of a Logout we sent, "" when it had none

 private:
  int fd_;
  std::string out_;
  bool closing_ = false;
};

/// FIX::Acceptor whose sessions come from SessionSettings and whose sockets are ours.
class LoopbackAcceptor : public FIX::Acceptor {
 public:
  LoopbackAcceptor(FIX::Application& app, FIX::MessageStoreFactory& store,
                   const FIX::SessionSettings& settings, FIX::LogFactory& log, Exchange& exchange,
                   Recorder& recorder);
  ~LoopbackAcceptor() override;

  /// Binds and listens on host:port (port 0 picks one); returns the bound port. Throws on failure.
  std::uint16_t bind_and_listen(const std::string& host, std::uint16_t port);
  /// Logs every session out and waits (bounded) for the counterparties' Logout replies; called
  /// from another thread before stop(), whose own wait polls only once a second.
  void logout_all(std::chrono::milliseconds timeout);
  /// True once the loop thread stopped on an unexpected error.
  bool failed() const { return failed_.load(); }

 private:
  void onStart() override;
  bool onPoll(double timeout) override;
  void onStop() override;
  void wake();

  void run_once(int timeout_ms);
  int poll_timeout_ms(Clock::time_point now) const;
  void accept_all();
  void read_from(Connection& conn);
  void on_frame(Connection& conn, const std::string& frame);
  void tick(Clock::time_point now);
  void close(Connection& conn);

  Exchange& exchange_;
  Recorder& recorder_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  std::vector<std::unique_ptr<Connection>> connections_;
  Clock::time_point next_tick_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace fixgate::sim
