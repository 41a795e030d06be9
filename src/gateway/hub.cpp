// SPDX-License-Identifier: Apache-2.0
#include "hub.hpp"

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "fixgate/core/log_fields.hpp"
#include "fixgate/gateway/codec.hpp"
#include "fixgate/gateway/jwt.hpp"

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

Hub::Hub(const config::Upstream& config, Server::InboundHandler on_inbound, JwtVerifier* jwt)
    : config_(config),
      on_inbound_(std::move(on_inbound)),
      jwt_(jwt),
      login_guard_(std::chrono::milliseconds(config.auth_backoff_ms), std::chrono::milliseconds(config.auth_backoff_max_ms)),
      login_timeout_ms_(config.login_timeout_ms) {}

void Hub::refuse_connection(Connection::Socket& socket, const std::string& peer, std::string text) {
  stats_.connections_refused.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t suppressed = 0;
  if (login_log_.allow(std::chrono::steady_clock::now(), suppressed)) {
    spdlog::warn("upstream connection from {} refused: {}{}", peer, text,
                 suppressed > 0 ? fmt::format(" ({} similar lines suppressed)", suppressed) : std::string());
  }
  Outbound out;
  out.event = Error{std::string(errc::too_many_connections), "", std::move(text), std::nullopt};
  // Best effort on a fresh socket: the line fits any send buffer, and a peer that cannot take
  // it loses nothing it had. (A TLS listener's peer sees the connection close.)
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  boost::asio::write(socket, boost::asio::buffer(encode_event(out)), ec);
  socket.shutdown(Connection::Socket::shutdown_both, ec);
  socket.close(ec);
}

bool Hub::evict_oldest_waiting() {
  if (waiting_.empty()) return false;
  auto it = connections_.find(*waiting_.begin());
  if (it == connections_.end()) {
    waiting_.erase(waiting_.begin());
    return true;
  }
  auto c = it->second;
  leave_waiting(*c);
  Outbound out;
  out.event = Error{std::string(errc::login_timeout), "", "closed to make room: no hello in time", std::nullopt};
  c->send_final(encode_event(out));
  return true;
}

void Hub::leave_waiting(const Connection& c) {
  if (waiting_.erase(c.id()) == 0 || c.address().empty()) return;
  if (auto it = waiting_by_address_.find(c.address()); it != waiting_by_address_.end() && --it->second == 0) {
    waiting_by_address_.erase(it);
  }
}

void Hub::add(Connection::Socket socket, std::string peer, std::string address, boost::asio::ssl::context* tls) {
  // Connections that have not logged in have a small budget of their own, and each source
  // address a smaller one, so idle or junk sockets cannot crowd out clients that log in.
  if (!address.empty()) {
    auto it = waiting_by_address_.find(address);
    if (it != waiting_by_address_.end() && it->second >= config_.max_unauthenticated_per_address) {
      return refuse_connection(socket, peer,
                               std::to_string(config_.max_unauthenticated_per_address) +
                                   " connections from this address are already waiting to log in");
    }
  }
  if (waiting_.size() >= config_.max_unauthenticated) evict_oldest_waiting();
  std::size_t open = 0;
  for (const auto& [id, c] : connections_) open += c->open() ? 1u : 0u;
  if (open >= config_.max_connections && !evict_oldest_waiting()) {
    return refuse_connection(socket, peer,
                             "the gateway accepts " + std::to_string(config_.max_connections) + " connections");
  }
  const ConnectionId id = next_id_++;
  Connection::Limits limits{config_.max_line_bytes,  config_.send_buffer_bytes,
                            login_timeout_ms_.load(std::memory_order_relaxed),
                            config_.line_timeout_ms, config_.idle_timeout_ms,
                            config_.max_errors_before_hello};
  auto c = std::make_shared<Connection>(std::move(socket), tls, id, std::move(peer), std::move(address), limits, *this);
  connections_.emplace(id, c);
  waiting_.insert(id);
  if (!c->address().empty()) ++waiting_by_address_[c->address()];
  stats_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  stats_.live_connections.store(static_cast<std::uint32_t>(connections_.size()), std::memory_order_relaxed);
  spdlog::debug("upstream connection {} from {}", id, c->peer());
  c->start();
}

void Hub::on_closed(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  spdlog::debug("upstream connection {} ({}) closed", id, it->second->peer());
  leave_waiting(*it->second);
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

void Hub::send_error(Connection& c, const Outbound& out) {
  encode_buffer_.clear();
  encode_event(out, encode_buffer_);
  // Before login a client earns a few errors, not a stream of them: junk is not answered at
  // line rate.
  const bool last = !c.authenticated() && c.count_error_before_login();
  if (last) leave_waiting(c);
  c.send_ordered(encode_buffer_, last);
}

void Hub::answer_error(Connection& c, std::string_view code, std::string_view field, std::string text,
                       const std::string& request_id) {
  Outbound out;
  out.request_id = request_id;
  out.event = Error{std::string(code), std::string(field), std::move(text), std::nullopt};
  send_error(c, out);
}

void Hub::on_bad_line(Connection& c, std::string_view code, std::string text) {
  count_decode_error();
  answer_error(c, code, "", std::move(text), {});
}

void Hub::barrier(Connection& c, std::string_view echo) {
  Inbound in;
  in.connection = c.id();
  in.client = c.client();
  in.request = Barrier{std::string(echo)};
  on_inbound_(std::move(in));
}

void Hub::on_line(Connection& c, std::string_view line) {
  std::string request_id;
  auto decoded = decode_request(line, request_id);
  if (!decoded) {
    count_decode_error();
    Outbound out;
    out.request_id = std::move(request_id);
    out.event = std::move(decoded.error());
    send_error(c, out);
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
  c.note_forwarded();
  on_inbound_(std::move(in));
}

std::expected<std::string, std::string> Hub::check_login(Hello& hello) {
  const auto* client = find_client(hello.client);
  if (client == nullptr && jwt_ != nullptr && looks_like_jwt(hello.token)) {
    auto granted = jwt_->verify(hello.token, hello.client);
    if (!granted) return std::unexpected(granted.error());
    hello.grant = std::move(*granted);
    return hello.client;
  }
  // Compare against something even for an unknown name, so the reply time does not tell
  // which client names exist.
  static const std::string nothing;
  const bool token_ok = constant_time_equal(hello.token, client != nullptr ? client->token : nothing);
  if (client == nullptr) return std::unexpected("unknown client");
  if (!token_ok) return std::unexpected("wrong token");
  return client->name;
}

void Hub::refuse_login(Connection& c, const Inbound& in, std::string_view code, std::string text, std::string_view why) {
  const auto& hello = std::get<Hello>(in.request);
  std::uint64_t suppressed = 0;
  // The client name passed identifier validation (printable ASCII), so it is safe to log; the
  // token never is. Logged at a bounded rate: a flood of guesses must not flood the log.
  if (login_log_.allow(std::chrono::steady_clock::now(), suppressed)) {
    spdlog::warn("upstream login refused for client '{}' from {}: {}{}", hello.client, c.peer(), why,
                 suppressed > 0 ? fmt::format(" ({} similar lines suppressed)", suppressed) : std::string());
  }
  Outbound out;
  out.request_id = in.request_id;
  out.event = Error{std::string(code), "token", std::move(text), std::nullopt};
  leave_waiting(c);
  c.send_final(encode_event(out));
}

void Hub::authenticate(Connection& c, Inbound in) {
  auto& hello = std::get<Hello>(in.request);
  const auto now = std::chrono::steady_clock::now();
  if (const auto wait = login_guard_.locked_for(hello.client, c.address(), now); wait.count() > 0) {
    // Refused without looking at the token, so guessing during a lockout learns nothing.
    stats_.auth_backoffs.fetch_add(1, std::memory_order_relaxed);
    return refuse_login(c, in, errc::auth_backoff,
                        "too many failed logins for this client or address; retry in " +
                            std::to_string(wait.count()) + " ms",
                        "locked out after failed logins");
  }
  auto who = check_login(hello);
  if (!who) {
    stats_.auth_failures.fetch_add(1, std::memory_order_relaxed);
    login_guard_.failed(hello.client, c.address(), now);
    return refuse_login(c, in, errc::auth_failed, "unknown client or wrong token", who.error());
  }
  leave_waiting(c);
  c.authenticate(*who);
  {
    const LogScope about({.client = *who});
    spdlog::info("upstream client '{}' logged in from {} (connection {})", *who, c.peer(), c.id());
  }
  hello.token.clear();  // the engine journals requests; the secret stops here
  in.connection = c.id();
  in.client = *who;
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  c.note_forwarded();
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
    if (const auto* e = std::get_if<Error>(&out.event); e != nullptr && it->second->barrier_pending() &&
                                                       e->code == "barrier") {
      it->second->on_barrier_answered();  // the echo itself is not for the client
      return;
    }
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
  const LogScope about({.client = c.client()});
  spdlog::warn("upstream client '{}' connection {} ({}) cut: slow consumer, {} bytes unsent", c.client(), c.id(),
               c.peer(), c.backlog());
}

ServerStats Hub::stats() const {
  ServerStats s;
  s.connections_accepted = stats_.connections_accepted.load(std::memory_order_relaxed);
  s.connections_refused = stats_.connections_refused.load(std::memory_order_relaxed);
  s.auth_failures = stats_.auth_failures.load(std::memory_order_relaxed);
  s.auth_backoffs = stats_.auth_backoffs.load(std::memory_order_relaxed);
  s.requests = stats_.requests.load(std::memory_order_relaxed);
  s.decode_errors = stats_.decode_errors.load(std::memory_order_relaxed);
  s.rate_limited = stats_.rate_limited.load(std::memory_order_relaxed);
  s.slow_consumers = stats_.slow_consumers.load(std::memory_order_relaxed);
  s.events_dropped = stats_.events_dropped.load(std::memory_order_relaxed);
  s.live_connections = stats_.live_connections.load(std::memory_order_relaxed);
  return s;
}

}  // namespace fixgate::gateway::detail
