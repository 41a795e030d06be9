// SPDX-License-Identifier: Apache-2.0
// The upstream section: listeners, per-connection limits, and the clients allowed to connect.

#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sections.hpp"

namespace fixgate::config::detail {
namespace {

UpstreamClient read_client(const Value& value, const MapReader& map, Secrets secrets) {
  UpstreamClient client;
  client.name = read_nonempty(map.require("name"));
  const auto env = map.get("token_env");
  const auto file = map.get("token_file");
  if (env && file) file->fail("give token_env or token_file, not both");
  if (!env && !file) value.fail("a client needs token_env or token_file");
  if (secrets == Secrets::resolve) client.token = env ? secret_from_env(*env) : secret_from_file(*file, "token");
  if (auto accounts = map.get("accounts")) client.accounts = read_string_list(*accounts, false);
  if (auto sessions = map.get("sessions")) client.sessions = read_string_list(*sessions, false);
  if (auto role = map.get("role")) {
    client.role = read_enum<ClientRole>(*role, {{"trader", ClientRole::trader}, {"admin", ClientRole::admin}});
  }
  return client;
}

std::vector<UpstreamClient> read_clients(const Value& value, Secrets secrets) {
  std::vector<UpstreamClient> clients;
  for (const auto& element : value.elements()) {
    const MapReader map(element, {"name", "token_env", "token_file", "accounts", "role", "sessions"});
    UpstreamClient client = read_client(element, map, secrets);
    for (const auto& other : clients) {
      if (other.name == client.name) map.require("name").fail("duplicate client name \"" + client.name + "\"");
      // Authentication maps a token to one client; a shared token would make that ambiguous.
      if (secrets == Secrets::resolve && other.token == client.token) {
        const auto source = map.get("token_env") ? map.require("token_env") : map.require("token_file");
        source.fail("client \"" + client.name + "\" has the same token as client \"" + other.name + "\"");
      }
    }
    clients.push_back(std::move(client));
  }
  return clients;
}

std::vector<Endpoint> read_listeners(const Value& value) {
  std::vector<Endpoint> endpoints;
  for (const auto& element : value.elements()) {
    Endpoint endpoint = read_endpoint(element, true);
    for (const auto& other : endpoints) {
      if (other == endpoint && endpoint.port != 0) element.fail("listed twice");
    }
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

std::vector<std::string> read_unix_paths(const Value& value) {
  std::vector<std::string> paths;
  for (const auto& element : value.elements()) {
    std::string path = read_nonempty(element);
    // sun_path is a fixed array; a longer path fails only at bind time, far from this file.
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
      element.fail("socket path is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                   " bytes");
    }
    for (const auto& other : paths) {
      if (other == path) element.fail("listed twice");
    }
    paths.push_back(std::move(path));
  }
  return paths;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8; the host is an IP literal (checked by read_endpoint).
  return host.starts_with("127.") && host.find(':') == std::string::npos;
}

UpstreamTls read_tls(const Value& value) {
  const MapReader map(value, {"certificate", "private_key", "client_ca"});
  UpstreamTls tls;
  tls.certificate = read_nonempty(map.require("certificate"));
  tls.private_key = read_nonempty(map.require("private_key"));
  if (auto v = map.get("client_ca")) tls.client_ca = read_nonempty(*v);
  return tls;
}

UpstreamJwt read_jwt(const Value& value) {
  const MapReader map(value, {"jwks_file", "issuer", "audience", "client_claim", "accounts_claim", "role_claim",
                              "sessions_claim", "leeway_seconds"});
  UpstreamJwt jwt;
  jwt.jwks_file = read_nonempty(map.require("jwks_file"));
  jwt.issuer = read_nonempty(map.require("issuer"));
  jwt.audience = read_nonempty(map.require("audience"));
  if (auto v = map.get("client_claim")) jwt.client_claim = read_nonempty(*v);
  if (auto v = map.get("accounts_claim")) jwt.accounts_claim = read_nonempty(*v);
  if (auto v = map.get("role_claim")) jwt.role_claim = read_nonempty(*v);
  if (auto v = map.get("sessions_claim")) jwt.sessions_claim = read_nonempty(*v);
  if (auto v = map.get("leeway_seconds")) jwt.leeway_seconds = read_uint<std::uint32_t>(*v);
  return jwt;
}

/// Listeners beyond loopback only when the file says so, and with TLS unless that is waived too.
void check_exposure(const Upstream& upstream, const MapReader& map) {
  for (std::size_t i = 0; i < upstream.tcp.size(); ++i) {
    const auto& endpoint = upstream.tcp[i];
    if (is_loopback(endpoint.host)) continue;
    if (!upstream.allow_non_loopback) {
      map.require("tcp").elements()[i].fail(endpoint.host +
                                            " is not a loopback address; set upstream.allow_non_loopback: true "
                                            "to listen on it");
    }
    if (!upstream.tls && !upstream.allow_plaintext_non_loopback) {
      map.require("tcp").elements()[i].fail(endpoint.host +
                                            " is not a loopback address and upstream.tls is not set; configure "
                                            "tls, or set upstream.allow_plaintext_non_loopback: true");
    }
  }
}

}  // namespace

Upstream read_upstream(const Value& value, Secrets secrets) {
  const MapReader map(value, {"tcp", "unix", "max_line_bytes", "max_connections", "max_requests_per_second",
                              "send_buffer_bytes", "login_timeout_ms", "max_unauthenticated",
                              "max_unauthenticated_per_address", "max_errors_before_hello", "auth_backoff_ms",
                              "auth_backoff_max_ms", "line_timeout_ms", "idle_timeout_ms",
                              "idempotency_window_hours", "allow_non_loopback", "allow_plaintext_non_loopback",
                              "tls", "jwt", "clients"});
  Upstream upstream;
  if (auto tcp = map.get("tcp")) upstream.tcp = read_listeners(*tcp);
  if (auto unix_paths = map.get("unix")) upstream.unix_paths = read_unix_paths(*unix_paths);
  if (auto v = map.get("max_line_bytes")) upstream.max_line_bytes = read_uint<std::uint32_t>(*v, 256);
  if (auto v = map.get("max_connections")) upstream.max_connections = read_uint<std::uint32_t>(*v, 1);
  if (auto v = map.get("max_requests_per_second")) {
    upstream.max_requests_per_second = read_uint<std::uint32_t>(*v, 1);
  }
  if (auto v = map.get("send_buffer_bytes")) {
    upstream.send_buffer_bytes = read_uint<std::uint32_t>(*v, 1);
    // A buffer smaller than one line would cut every client on its first full-size event.
    if (upstream.send_buffer_bytes < upstream.max_line_bytes) {
      v->fail("must be at least max_line_bytes (" + std::to_string(upstream.max_line_bytes) + ")");
    }
  } else if (upstream.send_buffer_bytes < upstream.max_line_bytes) {
    map.self().fail_key(child_path(map.self().path(), "send_buffer_bytes"),
                        "default " + std::to_string(upstream.send_buffer_bytes) +
                            " is less than max_line_bytes; set it");
  }
  const std::pair<std::string_view, std::uint32_t Upstream::*> limits[] = {
      {"login_timeout_ms", &Upstream::login_timeout_ms},
      {"max_unauthenticated", &Upstream::max_unauthenticated},
      {"max_unauthenticated_per_address", &Upstream::max_unauthenticated_per_address},
      {"max_errors_before_hello", &Upstream::max_errors_before_hello},
      {"auth_backoff_ms", &Upstream::auth_backoff_ms},
      {"auth_backoff_max_ms", &Upstream::auth_backoff_max_ms},
      {"line_timeout_ms", &Upstream::line_timeout_ms},
      {"idempotency_window_hours", &Upstream::idempotency_window_hours}};
  for (const auto& [key, member] : limits) {
    if (auto v = map.get(key)) upstream.*member = read_uint<std::uint32_t>(*v, 1);
  }
  if (auto v = map.get("idle_timeout_ms")) upstream.idle_timeout_ms = read_uint<std::uint32_t>(*v);
  if (upstream.auth_backoff_max_ms < upstream.auth_backoff_ms) {
    map.require("auth_backoff_max_ms").fail("must be at least auth_backoff_ms (" +
                                            std::to_string(upstream.auth_backoff_ms) + ")");
  }
  if (auto v = map.get("allow_non_loopback")) upstream.allow_non_loopback = read_bool(*v);
  if (auto v = map.get("allow_plaintext_non_loopback")) upstream.allow_plaintext_non_loopback = read_bool(*v);
  if (auto v = map.get("tls")) upstream.tls = read_tls(*v);
  if (auto v = map.get("jwt")) upstream.jwt = read_jwt(*v);
  check_exposure(upstream, map);
  if (auto clients = map.get("clients")) upstream.clients = read_clients(*clients, secrets);
  return upstream;
}

}  // namespace fixgate::config::detail
