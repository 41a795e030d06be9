#include "hub.hpp"

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "fixgate/gateway/codec.hpp"

namespace fixgate::gateway::detail {

bool RateLimiter::try_acquire(std::chrono::steady_clock::time_point now) {
  if (rate_ == 0) return true;  // 0: unlimited
  const std::int64_t capacity = rate_ * 1'000'000;
  if (last_.time_since_epoch().count() != 0) {
    // Cap the idle span so the product below cannot overflow; a second refills the bucket anyway.
    const auto idle = std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count(), 1'000'000);
    tokens_micro_ = std::min(capacity, tokens_micro_ + std::max<std::int64_t>(idle, 0) * rate_);
  }
  last_ = now;
  if (tokens_micro_ < 1'000'000) return false;
  tokens_micro_ -= 1'000'000;
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the longer length whatever the content, so timing reveals at most the lengths.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto cb = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(ca ^ cb);
  }
  return diff == 0;
}

Hub::Hub(const config::Upstream& config, Server::InboundHandler on_inbound)
    : config_(config), on_inbound_(std::move(on_inbound)) {}

void Hub::add(Connection::Socket socket, std::string peer) {
  if (connections_.size() >= config_.max_connections) {
    stats_.connections_refused.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("upstream connection from {} refused: {} connections already", peer, connections_.size());
    Outbound out;
    out.event = Error{std::string(errc::too_many_connections), "",
                      "the gateway accepts " + std::to_string(config_.max_connections) + " connections", std::nullopt};
    // Best effort on a fresh socket: the line fits any send buffer, and a peer that cannot take
    // it loses nothing it had.
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    boost::asio::write(socket, boost::asio::buffer(encode_event(out)), ec);
    socket.shutdown(Connection::Socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  const ConnectionId id = next_id_++;
  Connection::Limits limits{config_.max_line_bytes, config_.send_buffer_bytes,
                            login_timeout_ms_.load(std::memory_order_relaxed)};
  auto c = std::make_shared<Connection>(std::move(socket), id, std::move(peer), limits, *this);
  connections_.emplace(id, c);
  stats_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  stats_.live_connections.store(static_cast<std::uint32_t>(connections_.size()), std::memory_order_relaxed);
  spdlog::debug("upstream connection {} from {}", id, c->peer());
  c->start();
}

void Hub::on_closed(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  spdlog::debug("upstream connection {} ({}) closed", id, it->second->peer());
  connections_.erase(it);
  stats_.live_connections.store(static_cast<std::uint32_t>(connections_.size()), std::memory_order_relaxed);
}

void Hub::close_all() {
  // Closing erases from the map; work on a copy.
  auto all = connections_;
  for (auto& [id, c] : all) c->close();
}

const config::UpstreamClient* Hub::find_client(std::string_view name) const {
  for (const auto& client : config_.clients) {
    if (client.name == name) return &client;
  }
  return nullptr;
}

void Hub::answer_error(Connection& c, std::string_view code, std::string_view field, std::string text,
                       const std::string& request_id) {
  Outbound out;
  out.request_id = request_id;
  out.event = Error{std::string(code), std::string(field), std::move(text), std::nullopt};
  encode_buffer_.clear();
  encode_event(out, encode_buffer_);
  c.send(encode_buffer_);
}

void Hub::on_line(Connection& c, std::string_view line) {
  std::string request_id;
  auto decoded = decode_request(line, request_id);
  if (!decoded) {
    count_decode_error();
    Outbound out;
    out.request_id = std::move(request_id);
    out.event = std::move(decoded.error());
    encode_buffer_.clear();
    encode_event(out, encode_buffer_);
    c.send(encode_buffer_);
    return;
  }
  Inbound& in = *decoded;
  const bool is_hello = std::holds_alternative<Hello>(in.request);
  if (!c.authenticated()) {
    if (!is_hello) {
      answer_error(c, errc::not_authenticated, "op", "say hello first", request_id);
      return;
    }
    authenticate(c, std::move(in));
    return;
  }
  if (is_hello) {
    answer_error(c, errc::already_authenticated, "op", "this connection is logged in as " + c.client(), request_id);
    return;
  }
  auto [limiter, inserted] = limiters_.try_emplace(c.client(), config_.max_requests_per_second);
  if (!limiter->second.try_acquire(std::chrono::steady_clock::now())) {
    stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
    answer_error(c, errc::rate_limited, "",
                 "more than " + std::to_string(config_.max_requests_per_second) + " requests per second",
                 request_id);
    return;
  }
  in.connection = c.id();
  in.client = c.client();
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  on_inbound_(std::move(in));
}

void Hub::authenticate(Connection& c, Inbound in) {
  auto& hello = std::get<Hello>(in.request);
  const auto* client = find_client(hello.client);
  // Compare against something even for an unknown name, so the reply time does not tell
  // which client names exist.
  static const std::string nothing;
  const bool token_ok = constant_time_equal(hello.token, client != nullptr ? client->token : nothing);
  if (client == nullptr || !token_ok) {
    stats_.auth_failures.fetch_add(1, std::memory_order_relaxed);
    // The client name passed identifier validation (printable ASCII), so it is safe to log;
    // the token never is.
    spdlog::warn("upstream login failed for client '{}' from {}: {}", hello.client, c.peer(),
                 client == nullptr ? "unknown client" : "wrong token");
    Outbound out;
    out.request_id = in.request_id;
    out.event = Error{std::string(errc::auth_failed), "token", "unknown client or wrong token", std::nullopt};
    c.send_final(encode_event(out));
    return;
  }
  c.authenticate(client->name);
  spdlog::info("upstream client '{}' logged in from {} (connection {})", client->name, c.peer(), c.id());
  hello.token.clear();  // the engine journals requests; the secret stops here
  in.connection = c.id();
  in.client = client->name;
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  on_inbound_(std::move(in));
}

void Hub::route(const Outbound& out) {
  encode_buffer_.clear();
  encode_event(out, encode_buffer_);
  if (out.connection != 0) {
    auto it = connections_.find(out.connection);
    if (it == connections_.end() || !it->second->open()) {
      stats_.events_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (std::holds_alternative<Welcome>(out.event)) it->second->set_welcomed();
    it->second->send(encode_buffer_);
    return;
  }
  // send() may cut a slow consumer, which erases it from the map: iterate safely.
  for (auto it = connections_.begin(); it != connections_.end();) {
    auto c = it->second;
    ++it;
    if (c->welcomed() && c->client() == out.client) c->send(encode_buffer_);
  }
}

void Hub::count_slow_consumer(const Connection& c) {
  stats_.slow_consumers.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("upstream client '{}' connection {} ({}) cut: slow consumer, {} bytes unsent", c.client(), c.id(),
               c.peer(), c.backlog());
}

ServerStats Hub::stats() const {
  ServerStats s;
  s.connections_accepted = stats_.connections_accepted.load(std::memory_order_relaxed);
  s.connections_refused = stats_.connections_refused.load(std::memory_order_relaxed);
  s.auth_failures = stats_.auth_failures.load(std::memory_order_relaxed);
  s.requests = stats_.requests.load(std::memory_order_relaxed);
  s.decode_errors = stats_.decode_errors.load(std::memory_order_relaxed);
  s.rate_limited = stats_.rate_limited.load(std::memory_order_relaxed);
  s.slow_consumers = stats_.slow_consumers.load(std::memory_order_relaxed);
  s.events_dropped = stats_.events_dropped.load(std::memory_order_relaxed);
  s.live_connections = stats_.live_connections.load(std::memory_order_relaxed);
  return s;
}

}  // namespace fixgate::gateway::detail
