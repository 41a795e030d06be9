// SPDX-License-Identifier: Apache-2.0
#pragma once
// The gateway's protocol logic on the io thread: the set of live connections, the budgets of
// those not yet logged in, login and its brute-force guard, per-client rate limits, forwarding
// requests to the engine and routing its events back.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "connection.hpp"
#include "fixgate/config/config.hpp"
#include "fixgate/gateway/server.hpp"
#include "login_guard.hpp"

namespace fixgate::gateway {
class JwtVerifier;
}

namespace fixgate::gateway::detail {

/// Token bucket: `rate` requests per second with a burst of one second's worth.
class RateLimiter {
 public:
  explicit RateLimiter(std::uint32_t rate) : rate_(rate), tokens_micro_(static_cast<std::int64_t>(rate) * 1'000'000) {}
  /// True when a request may pass at `now`.
  bool try_acquire(std::chrono::steady_clock::time_point now);

 private:
  std::int64_t rate_;
  std::int64_t tokens_micro_;  // tokens × 10^6, so refills stay exact in integers
  std::chrono::steady_clock::time_point last_{};
};

class Hub {
 public:
  /// `jwt` (may be null) verifies bearer tokens; it must outlive the hub.
  Hub(const config::Upstream& config, Server::InboundHandler on_inbound, JwtVerifier* jwt = nullptr);

  /// Takes a freshly accepted socket; `address` is the source IP (empty for Unix sockets), `tls`
  /// the context when the listener speaks TLS. Refuses it with an error line past the budgets.
  void add(Connection::Socket socket, std::string peer, std::string address, boost::asio::ssl::context* tls);
  /// One complete, UTF-8-valid line from `c` (no newline).
  void on_line(Connection& c, std::string_view line);
  /// A complete line that failed a check before decoding (invalid UTF-8): answered, skipped.
  void on_bad_line(Connection& c, std::string_view code, std::string text);
  /// Sends a Barrier for `c` to the engine, to be echoed as an error with code `echo`.
  void barrier(Connection& c, std::string_view echo);
  /// Called by a connection as it closes.
  void on_closed(ConnectionId id);
  /// Encodes and routes one engine event.
  void route(const Outbound& out);
  /// Closes every connection (shutdown).
  void close_all();

  void count_slow_consumer(const Connection& c);
  void count_decode_error() { stats_.decode_errors.fetch_add(1, std::memory_order_relaxed); }
  void set_login_timeout_ms(std::uint32_t ms) { login_timeout_ms_.store(ms, std::memory_order_relaxed); }
  ServerStats stats() const;

 private:
  void authenticate(Connection& c, Inbound in);
  /// The client a hello names, if its token is right: a configured client, or a bearer token's.
  std::expected<std::string, std::string> check_login(Hello& hello);
  void refuse_login(Connection& c, const Inbound& in, std::string_view code, std::string text, std::string_view why);
  void answer_error(Connection& c, std::string_view code, std::string_view field, std::string text,
                    const std::string& request_id);
  /// Sends an error line; before login, the last allowed one closes the connection.
  void send_error(Connection& c, const Outbound& out);
  const config::UpstreamClient* find_client(std::string_view name) const;
  /// Closes the connection that has waited longest to log in, to make room.
  bool evict_oldest_waiting();
  /// No longer counted against the pre-login budgets (logged in, or closing).
  void leave_waiting(const Connection& c);
  void refuse_connection(Connection::Socket& socket, const std::string& peer, std::string text);

  struct AtomicStats {
    std::atomic<std::uint64_t> connections_accepted{0}, connections_refused{0}, auth_failures{0}, auth_backoffs{0},
        requests{0}, decode_errors{0}, rate_limited{0}, slow_consumers{0}, events_dropped{0};
    std::atomic<std::uint32_t> live_connections{0};
  };

  config::Upstream config_;
  Server::InboundHandler on_inbound_;
  JwtVerifier* jwt_;
  std::map<ConnectionId, std::shared_ptr<Connection>> connections_;
  std::set<ConnectionId> waiting_;                            // not logged in; ids grow with age
  std::unordered_map<std::string, std::uint32_t> waiting_by_address_;
  std::unordered_map<std::string, RateLimiter> limiters_;
  LoginGuard login_guard_;
  LogBudget login_log_{10, std::chrono::seconds(10)};
  ConnectionId next_id_ = 1;
  std::atomic<std::uint32_t> login_timeout_ms_;
  AtomicStats stats_;
  std::string encode_buffer_;  // reused so routing an event allocates nothing in steady state
};

/// Equality whose running time does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace fixgate::gateway::detail
