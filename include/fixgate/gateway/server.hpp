// SPDX-License-Identifier: Apache-2.0
#pragma once
// The upstream socket server: TCP and Unix-domain listeners speaking JSON lines, one io thread.
// It authenticates clients, decodes requests and hands them to the engine through a callback; it
// encodes and routes the engine's events back. Asio stays behind the pimpl.
//
// Ordering contract with the engine:
//  - on_inbound runs on the io thread, in arrival order per connection; it must only enqueue.
//  - after a successful hello the engine receives Inbound{Hello} (token cleared, never journaled)
//    and answers with Outbound{connection = that connection, Welcome{next_seq}}, preceded or
//    followed by the replay of missed events, all addressed to that connection.
//  - events addressed to a client (connection 0) reach a connection only once its Welcome has been
//    delivered, so a resuming client never sees live events ahead of its replay.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/gateway/protocol.hpp"

namespace fixgate::gateway {

/// Counters for metrics; read from any thread.
struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;   ///< over max_connections
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_backoffs = 0;         ///< hellos refused unchecked during a lockout
  std::uint64_t requests = 0;              ///< forwarded to the engine
  std::uint64_t decode_errors = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t slow_consumers = 0;        ///< connections cut for not reading
  std::uint64_t events_dropped = 0;        ///< addressed to a connection that is gone
  std::uint32_t live_connections = 0;
};

class Server {
 public:
  /// Called on the io thread for every accepted request; must return promptly.
  using InboundHandler = std::function<void(Inbound)>;

  /// Keeps a copy of `config` and loads its TLS files and JWKS (throwing std::runtime_error
  /// naming the file at fault); nothing is bound until start().
  Server(const config::Upstream& config, InboundHandler on_inbound);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listener and starts the io thread; returns the bound TCP ports in config order
  /// (useful with port 0). Throws std::runtime_error naming the endpoint when a bind fails.
  std::vector<std::uint16_t> start();

  /// Queues an event for its connection or client; thread-safe, never blocks on the network.
  void deliver(Outbound out);

  /// Queues several events in order with one wake-up of the io thread.
  void deliver(std::vector<Outbound> batch);

  /// Closes listeners and connections and joins the io thread; idempotent.
  void stop();

  /// A snapshot of the counters.
  ServerStats stats() const;

  /// How long a connection may stay silent before saying hello (upstream.login_timeout_ms).
  void set_login_timeout_ms(std::uint32_t ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fixgate::gateway
