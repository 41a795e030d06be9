#pragma once
// A small blocking client for the JSON-lines protocol, over TCP or a Unix socket, with every wait
// bounded by a timeout. Used by fixgate-client and the tests; plain POSIX, no Asio.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace fixgate::gateway {

class LineClient {
 public:
  /// What read_line found.
  enum class ReadStatus { line, timeout, closed, error };

  LineClient() = default;
  ~LineClient();
  LineClient(LineClient&& other) noexcept;
  LineClient& operator=(LineClient&& other) noexcept;
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  /// Connects over TCP with TCP_NODELAY, from `source` when given (an IP literal of this host);
  /// the error names the address.
  std::expected<void, std::string> connect_tcp(const std::string& host, std::uint16_t port,
                                               std::chrono::milliseconds timeout, const std::string& source = {});
  /// Connects to a Unix domain socket.
  std::expected<void, std::string> connect_unix(const std::string& path);
  /// Writes all of `data` within `timeout`; false on error or timeout.
  bool send(std::string_view data, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Reads the next line (newline and '\r' stripped) within `timeout`.
  ReadStatus read_line(std::string& line, std::chrono::milliseconds timeout);
  /// Half-closes the sending side.
  void shutdown_write();
  /// Closes the socket.
  void close();
  bool connected() const { return fd_ >= 0; }
  /// The socket, for tests that need raw control (e.g. shrinking its receive buffer).
  int native_handle() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffer_;
};

/// Splits "host:port" or "[v6]:port".
std::expected<std::pair<std::string, std::uint16_t>, std::string> split_host_port(std::string_view text);

}  // namespace fixgate::gateway
