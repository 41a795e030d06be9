#pragma once
// One upstream connection: reads and frames lines, writes queued output, enforces the framing
// limits (line length, UTF-8) and the output bound (slow consumer). What a line means is the
// Hub's business. Lives on the io thread only.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fixgate/gateway/protocol.hpp"

namespace fixgate::gateway::detail {

class Hub;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  /// TCP and Unix sockets both fit the generic stream socket, so one class serves both.
  using Socket = boost::asio::generic::stream_protocol::socket;

  struct Limits {
    std::size_t max_line_bytes = 64 * 1024;
    std::size_t send_buffer_bytes = 4u << 20;
    std::uint32_t login_timeout_ms = 30'000;
  };

  Connection(Socket socket, ConnectionId id, std::string peer, Limits limits, Hub& hub);

  /// Starts reading and arms the login timer.
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

  ConnectionId id() const { return id_; }
  const std::string& peer() const { return peer_; }
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
  void cut_slow_consumer();
  void fail_framing(std::string_view code, std::string text);
  void arm_timer(std::uint32_t ms);

  Socket socket_;
  boost::asio::steady_timer timer_;
  ConnectionId id_;
  std::string peer_;
  Limits limits_;
  Hub& hub_;
  std::string client_;
  bool welcomed_ = false;
  bool closing_ = false;  // a final line is on its way; no more input or output
  bool closed_ = false;
  bool flush_posted_ = false;
  bool waiting_writable_ = false;  // the kernel buffer is full; a wait is armed
  std::string inbuf_;
  std::size_t inbuf_len_ = 0;   // bytes of inbuf_ holding data
  std::size_t scanned_ = 0;     // bytes already searched for '\n'
  std::string out_;             // whole encoded lines not yet written
  std::size_t out_off_ = 0;     // of out_, already written
};

}  // namespace fixgate::gateway::detail
