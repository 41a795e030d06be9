// SPDX-License-Identifier: Apache-2.0
#pragma once
// Bearer tokens for hello: JWS compact tokens signed RS256 or ES256 (RFC 7515/7518), verified
// against the keys of a JWKS file (RFC 7517) that is re-read when it changes, with iss, aud, exp
// and nbf checked and the configured claims mapped to the client's name, accounts, role and
// sessions. OpenSSL does the signatures behind this header.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "fixgate/config/config.hpp"
#include "fixgate/gateway/protocol.hpp"

namespace fixgate::gateway {

/// True when `token` has the shape of a JWS compact token (three base64url parts).
bool looks_like_jwt(std::string_view token);

/// The verification keys of one JWKS document.
class Jwks {
 public:
  Jwks();
  ~Jwks();
  Jwks(Jwks&&) noexcept;
  Jwks& operator=(Jwks&&) noexcept;

  /// Parses a JWKS document; RSA and P-256 EC signing keys are kept, others skipped. The error
  /// names the key (by index) and the member at fault.
  static std::expected<Jwks, std::string> parse(std::string_view json);
  /// Keys kept.
  std::size_t size() const;
  /// Checks the signature of a compact JWS; the decoded payload (JSON text) when it holds.
  std::expected<std::string, std::string> verify(std::string_view token) const;

 private:
  struct Key;
  std::vector<std::unique_ptr<Key>> keys_;
};

/// Verifies hello tokens under `upstream.jwt`.
class JwtVerifier {
 public:
  /// Seconds since the Unix epoch; injected so tests can stand at any time.
  using Clock = std::function<std::int64_t()>;

  /// Reads the JWKS file; throws std::runtime_error naming the file and the fault.
  explicit JwtVerifier(config::UpstreamJwt config, Clock now = {});
  ~JwtVerifier();

  /// What the token grants `client`, or why it is refused (for the log, never for the client).
  std::expected<Grant, std::string> verify(std::string_view token, std::string_view client);

  /// Re-reads the JWKS file when its size or modification time changed; on a bad file the keys
  /// in force stay and the error says why. True when new keys were loaded.
  std::expected<bool, std::string> reload();

 private:
  config::UpstreamJwt config_;
  Clock now_;
  Jwks keys_;
  std::filesystem::file_time_type loaded_mtime_{};
  std::uintmax_t loaded_size_ = 0;
  std::chrono::steady_clock::time_point last_check_{};
};

}  // namespace fixgate::gateway
