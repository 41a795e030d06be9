// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small blocking client for the JSON-lines protocol, over TCP or a Unix socket, with every wait
// bounded by a timeout. Used by fixgate-client and the tests; plain POSIX, no Asio.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

struct ssl_st;
struct ssl_ctx_st;

namespace fixgate::gateway {

/// How a client speaks TLS to a listener (OpenSSL; TLS 1.2 or later).
struct TlsOptions {
  std::string ca_file;      ///< CAs that sign the server's certificate (PEM); required
  std::string cert_file;    ///< the client's certificate chain, for listeners that ask for one
  std::string key_file;     ///< its key
  std::string server_name;  ///< name or IP the server's certificate must carry; empty: the host
};

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
  /// Connects over TCP, then TLS (the server's certificate verified against options.ca_file).
  std::expected<void, std::string> connect_tls(const std::string& host, std::uint16_t port,
                                               std::chrono::milliseconds timeout, const TlsOptions& options);
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
  std::expected<void, std::string> start_tls(const TlsOptions& options, const std::string& host,
                                             std::chrono::steady_clock::time_point deadline);
  /// One read of at most `size` bytes: >0 bytes, 0 closed, -1 would block (waits for `events`), -2 error.
  long read_some(char* data, std::size_t size, short& events);
  /// One write: >0 bytes, -1 would block (waits for `events`), -2 error.
  long write_some(const char* data, std::size_t size, short& events);

  int fd_ = -1;
  ssl_ctx_st* tls_ctx_ = nullptr;
  ssl_st* tls_ = nullptr;
  std::string buffer_;
};

/// Splits "host:port" or "[v6]:port".
std::expected<std::pair<std::string, std::uint16_t>, std::string> split_host_port(std::string_view text);

}  // namespace fixgate::gateway
