// SPDX-License-Identifier: Apache-2.0
#pragma once
// One upstream connection: reads and frames lines, writes queued output, enforces the framing
// limits (line length, UTF-8), the deadlines (login, line, idle) and the output bound (slow
// consumer), over plain TCP, TLS or a Unix socket. What a line means is the Hub's business.
// Lives on the io thread only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fixgate/gateway/protocol.hpp"

namespace fixgate::gateway::detail {

class Hub;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  /// TCP and Unix sockets both fit the generic stream socket, so one class serves both.
  using Socket = boost::asio::generic::stream_protocol::socket;
  using TlsStream = boost::asio::ssl::stream<Socket&>;
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t max_line_bytes = 64 * 1024;
    std::size_t send_buffer_bytes = 4u << 20;
    std::uint32_t login_timeout_ms = 5'000;
    std::uint32_t line_timeout_ms = 10'000;
    std::uint32_t idle_timeout_ms = 0;          ///< 0: never
    std::uint32_t max_errors_before_hello = 3;
  };

  /// `tls` set: the connection speaks TLS (handshake first) with that context.
  Connection(Socket socket, boost::asio::ssl::context* tls, ConnectionId id, std::string peer, std::string address,
             Limits limits, Hub& hub);

  /// Starts the handshake (TLS) or reading, and arms the login timer.
  void start();

  /// Queues one encoded line (newline included); cuts the connection if its backlog grows past
  /// the send buffer limit.
  void send(std::string_view line);

  /// Queues a last line, stops reading, and closes once it is written (or after a short grace).
  void send_final(std::string_view line);

  /// Closes at once, dropping unsent output.
  void close();

  /// Marks the connection as logged in as `client`; stops the login timer.
  void authenticate(std::string client);

  /// Counts an error answered before login; true when that was the last one allowed.
  bool count_error_before_login() { return ++errors_before_login_ >= limits_.max_errors_before_hello; }

  /// Queues one of the gateway's own answers behind the engine's answers to every request
  /// forwarded before it (through a Barrier when any may be outstanding). `final`: the last
  /// line; input stops now and the connection closes once it is out.
  void send_ordered(std::string line, bool final);
  /// A request went to the engine on this connection.
  void note_forwarded();
  /// True while a Barrier of this connection is with the engine.
  bool barrier_pending() const { return barrier_pending_; }
  /// The engine answered the Barrier: releases what waited for it.
  void on_barrier_answered();

  ConnectionId id() const { return id_; }
  const std::string& peer() const { return peer_; }
  /// The source address a per-address limit counts under; empty for Unix sockets.
  const std::string& address() const { return address_; }
  const std::string& client() const { return client_; }
  bool authenticated() const { return !client_.empty(); }
  /// True once the engine's Welcome went out: from then on the client's broadcast events flow.
  bool welcomed() const { return welcomed_; }
  void set_welcomed() { welcomed_ = true; }
  bool open() const { return !closed_ && !closing_; }
  /// Bytes queued but not yet taken by the kernel.
  std::size_t backlog() const { return out_.size() - out_off_; }

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  /// Hands every complete line in the buffer to the hub, enforcing the framing limits.
  void process_lines();
  void schedule_flush();
  /// Writes what the kernel takes now; waits for writability for the rest.
  void flush();
  void flush_tls();
  void after_flush();
  void cut_slow_consumer();
  void fail_framing(std::string_view code, std::string text);
  void arm_timer(std::uint32_t ms);
  /// Re-arms the line/idle watchdog for the earliest deadline that applies now.
  void arm_watchdog();
  void on_watchdog();
  /// The final line is out: half-close (plain) or close_notify (TLS), then wait for the peer.
  void finish_output();
  /// Ends the connection with a final error behind the engine's answers.
  void end_with(std::string_view code, std::string text);
  void start_barrier();
  /// Writes one released line: queued, or as the final one.
  void release(std::string_view line, bool final);

  Socket socket_;
  std::unique_ptr<TlsStream> tls_;  // set: every byte goes through it
  bool ready_ = false;              // plain, or TLS with its handshake done
  std::string tls_writing_;         // TLS: the bytes of the write in flight
  boost::asio::steady_timer timer_;     // login timeout, then the final line's grace
  boost::asio::steady_timer watchdog_;  // line deadline and idle timeout
  ConnectionId id_;
  std::string peer_;
  std::string address_;
  Limits limits_;
  Hub& hub_;
  std::string client_;
  bool welcomed_ = false;
  bool closing_ = false;  // a final line is on its way; no more input or output
  bool closed_ = false;
  bool flush_posted_ = false;
  bool waiting_writable_ = false;  // the kernel buffer is full (plain) or a write is in flight (TLS)
  bool watchdog_armed_ = false;
  std::uint32_t errors_before_login_ = 0;
  // Ordering of the gateway's own answers with the engine's (send_ordered).
  struct HeldLine {
    std::string line;
    bool final = false;
  };
  std::vector<HeldLine> held_;          // waiting for the barrier in flight
  std::size_t held_bytes_ = 0;
  std::size_t releasable_ = npos;       // held_ lines the barrier in flight covers; npos: all
  bool barrier_pending_ = false;
  bool forwarded_since_barrier_ = false;
  bool final_queued_ = false;           // a final line waits: input is discarded
  Clock::time_point barrier_deadline_{};
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  Clock::time_point line_started_{};  // when the incomplete tail of inbuf_ began arriving
  Clock::time_point last_input_{};
  std::string inbuf_;
  std::size_t inbuf_len_ = 0;   // bytes of inbuf_ holding data
  std::size_t scanned_ = 0;     // bytes already searched for '\n'
  std::string out_;             // whole encoded lines not yet written
  std::size_t out_off_ = 0;     // of out_, already written
};

}  // namespace fixgate::gateway::detail
