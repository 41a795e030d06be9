// SPDX-License-Identifier: Apache-2.0
// The upstream section's safety settings as the loader reads them: defaults, listeners beyond
// loopback, TLS and bearer tokens, each error at its line and key.

#include <catch2/catch.hpp>

#include <cstdlib>

#include "fixgate/config/config.hpp"

using namespace fixgate;

namespace {

std::expected<config::Config, config::ConfigError> load(const std::string& upstream) {
  ::setenv("FIXGATE_UPSTREAM_TEST_TOKEN", "t0ken", 1);
  return config::load_string("upstream:\n" + upstream +
                                 "  clients:\n    - {name: demo, token_env: FIXGATE_UPSTREAM_TEST_TOKEN, accounts: ['*'], "
                                 "sessions: [SIM]}\n",
                             "test.yaml");
}

std::string error_of(const std::string& upstream) {
  auto c = load(upstream);
  return c ? std::string("loaded") : c.error().to_string();
}

}  // namespace

TEST_CASE("upstream safety settings have small defaults and read as written", "[gateway][config]") {
  auto c = load("  tcp: [\"127.0.0.1:0\"]\n");
  REQUIRE(c);
  CHECK(c->upstream.login_timeout_ms == 5000);
  CHECK(c->upstream.max_unauthenticated == 16);
  CHECK(c->upstream.idle_timeout_ms == 0);
  CHECK(c->upstream.idempotency_window_hours == 24);
  CHECK(c->upstream.clients[0].sessions == std::vector<std::string>{"SIM"});
  auto tuned = load("  login_timeout_ms: 2000\n  max_unauthenticated_per_address: 2\n  idle_timeout_ms: 60000\n"
                    "  auth_backoff_ms: 100\n  auth_backoff_max_ms: 1000\n  idempotency_window_hours: 8\n");
  REQUIRE(tuned);
  CHECK(tuned->upstream.login_timeout_ms == 2000);
  CHECK(tuned->upstream.max_unauthenticated_per_address == 2);
  CHECK(tuned->upstream.idempotency_window_hours == 8);
  CHECK(error_of("  auth_backoff_ms: 500\n  auth_backoff_max_ms: 100\n").find("upstream.auth_backoff_max_ms") !=
        std::string::npos);
  CHECK(error_of("  login_timeout_ms: 0\n").find("upstream.login_timeout_ms") != std::string::npos);
}

TEST_CASE("a listener beyond loopback needs allow_non_loopback, and TLS unless that is waived", "[gateway][config]") {
  CHECK(error_of("  tcp: [\"127.0.0.2:0\", \"[::1]:0\", \"localhost:0\"]\n") == "loaded");
  const auto refused = error_of("  tcp: [\"127.0.0.1:0\", \"0.0.0.0:9000\"]\n");
  CHECK(refused.find("test.yaml:2:") == 0);
  CHECK(refused.find("upstream.tcp[1]") != std::string::npos);
  CHECK(refused.find("allow_non_loopback") != std::string::npos);
  const auto no_tls = error_of("  tcp: [\"10.1.2.3:9000\"]\n  allow_non_loopback: true\n");
  CHECK(no_tls.find("upstream.tls is not set") != std::string::npos);
  CHECK(error_of("  tcp: [\"10.1.2.3:9000\"]\n  allow_non_loopback: true\n  allow_plaintext_non_loopback: true\n") ==
        "loaded");
  auto with_tls = load("  tcp: [\"0.0.0.0:9000\"]\n  allow_non_loopback: true\n"
                       "  tls: {certificate: server.pem, private_key: server.key, client_ca: clients.pem}\n");
  REQUIRE(with_tls);
  REQUIRE(with_tls->upstream.tls);
  CHECK(with_tls->upstream.tls->client_ca == "clients.pem");
}

TEST_CASE("bearer tokens: jwks_file, issuer and audience are required; claims have defaults", "[gateway][config]") {
  auto c = load("  jwt: {jwks_file: keys.json, issuer: https://idp, audience: fixgate}\n");
  REQUIRE(c);
  REQUIRE(c->upstream.jwt);
  CHECK(c->upstream.jwt->client_claim == "sub");
  CHECK(c->upstream.jwt->leeway_seconds == 30);
  CHECK(error_of("  jwt: {jwks_file: keys.json, issuer: https://idp}\n").find("audience") != std::string::npos);
  CHECK(error_of("  jwt: {jwks_file: keys.json, issuer: x, audience: y, algorithm: HS256}\n").find("algorithm") !=
        std::string::npos);
}
