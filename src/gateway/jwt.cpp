// SPDX-License-Identifier: Apache-2.0
// JWS verification (RS256, ES256) against JWKS keys with OpenSSL 3, claims with nlohmann-json.
// Debian 12 packages no JWT library that reads JWKS and lets the time be an input, so this is the
// small part such a library would do; RFC 7515's own examples are in the tests.

#include "fixgate/gateway/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace fixgate::gateway {
namespace {

using Json = nlohmann::json;

/// base64url without padding (RFC 7515 section 2); nullopt on any other character.
std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character carries no whole byte
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn to_bn(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

/// Builds a public key from OSSL_PARAMs for `type` ("RSA" or "EC").
Pkey from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return Pkey(pkey);
}

std::expected<std::string, std::string> member_bytes(const Json& key, const char* name) {
  const auto it = key.find(name);
  if (it == key.end() || !it->is_string()) return std::unexpected(std::string("\"") + name + "\" is missing");
  auto bytes = base64url_decode(it->get<std::string>());
  if (!bytes || bytes->empty()) return std::unexpected(std::string("\"") + name + "\" is not base64url");
  return *bytes;
}

std::expected<Pkey, std::string> rsa_key(const Json& key) {
  auto n = member_bytes(key, "n");
  auto e = member_bytes(key, "e");
  if (!n) return std::unexpected(n.error());
  if (!e) return std::unexpected(e.error());
  if (n->size() < 256) return std::unexpected("RSA modulus shorter than 2048 bits");
  Bn bn_n = to_bn(*n), bn_e = to_bn(*e);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  Pkey pkey;
  if (bld != nullptr && bn_n && bn_e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1) {
    pkey = from_params("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (!pkey) return std::unexpected("OpenSSL refused the RSA key");
  return pkey;
}

std::expected<Pkey, std::string> ec_key(const Json& key) {
  if (key.value("crv", "") != "P-256") return std::unexpected("only crv P-256 (ES256) is supported");
  auto x = member_bytes(key, "x");
  auto y = member_bytes(key, "y");
  if (!x) return std::unexpected(x.error());
  if (!y) return std::unexpected(y.error());
  if (x->size() != 32 || y->size() != 32) return std::unexpected("P-256 coordinates must be 32 bytes");
  const std::string point = '\x04' + *x + *y;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  Pkey pkey;
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    pkey = from_params("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (!pkey) return std::unexpected("OpenSSL refused the EC key (not a point on P-256?)");
  return pkey;
}

/// JWS ES256 signatures are r||s; OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + 32), 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_sha256(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::optional<std::vector<std::string>> string_list(const Json& claims, const std::string& name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::vector<std::string>{};
  if (!it->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return std::nullopt;
    const auto s = v.get<std::string>();
    if (s.empty() || s.size() > 64 || s.find_first_of(" \t\r\n\x01") != std::string::npos) return std::nullopt;
    out.push_back(s);
  }
  return out;
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return false;
  const auto second = token.find('.', first + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

struct Jwks::Key {
  std::string kid;
  std::string alg;  // "RS256" or "ES256"
  Pkey pkey;
};

Jwks::Jwks() = default;
Jwks::~Jwks() = default;
Jwks::Jwks(Jwks&&) noexcept = default;
Jwks& Jwks::operator=(Jwks&&) noexcept = default;

std::size_t Jwks::size() const { return keys_.size(); }

std::expected<Jwks, std::string> Jwks::parse(std::string_view json) {
  const Json doc = Json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected("not a JSON object");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return std::unexpected("no \"keys\" array");
  Jwks out;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const Json& k = (*keys)[i];
    if (!k.is_object()) return std::unexpected("keys[" + std::to_string(i) + "]: not an object");
    const std::string kty = k.value("kty", "");
    const std::string use = k.value("use", "sig");
    if (use != "sig") continue;
    auto key = std::make_unique<Key>();
    key->kid = k.value("kid", "");
    std::expected<Pkey, std::string> pkey = std::unexpected("");
    if (kty == "RSA") {
      key->alg = "RS256";
      pkey = rsa_key(k);
    } else if (kty == "EC") {
      key->alg = "ES256";
      pkey = ec_key(k);
    } else {
      continue;  // symmetric and other key types are never accepted
    }
    if (!pkey) return std::unexpected("keys[" + std::to_string(i) + "]: " + pkey.error());
    if (const std::string alg = k.value("alg", key->alg); alg != key->alg) {
      return std::unexpected("keys[" + std::to_string(i) + "]: alg " + alg + " does not fit kty " + kty);
    }
    key->pkey = std::move(*pkey);
    out.keys_.push_back(std::move(key));
  }
  return out;
}

std::expected<std::string, std::string> Jwks::verify(std::string_view token) const {
  if (!looks_like_jwt(token)) return std::unexpected("not a compact JWS");
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const auto header_text = base64url_decode(token.substr(0, dot1));
  const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header_text || !payload || !signature) return std::unexpected("a part is not base64url");
  const Json header = Json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return std::unexpected("the header is not a JSON object");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || (*alg != "RS256" && *alg != "ES256")) {
    return std::unexpected("alg must be RS256 or ES256");
  }
  if (header.contains("crit")) return std::unexpected("critical header parameters are not supported");
  const std::string kid = header.value("kid", "");
  std::string der;
  std::string_view sig = *signature;
  if (*alg == "ES256") {
    auto converted = ecdsa_der(*signature);
    if (!converted) return std::unexpected("an ES256 signature is 64 bytes");
    der = std::move(*converted);
    sig = der;
  }
  const std::string_view input = token.substr(0, dot2);
  bool candidate = false;
  for (const auto& key : keys_) {
    if (key->alg != *alg || (!kid.empty() && key->kid != kid)) continue;
    candidate = true;
    if (verify_sha256(key->pkey.get(), input, sig)) return *payload;
  }
  return std::unexpected(candidate ? "bad signature" : "no key for alg " + alg->get<std::string>() + " kid '" + kid + "'");
}

JwtVerifier::JwtVerifier(config::UpstreamJwt config, Clock now) : config_(std::move(config)), now_(std::move(now)) {
  if (!now_) {
    now_ = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    };
  }
  if (auto loaded = reload(); !loaded) throw std::runtime_error(loaded.error());
}

JwtVerifier::~JwtVerifier() = default;

std::expected<bool, std::string> JwtVerifier::reload() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto mtime = fs::last_write_time(config_.jwks_file, ec);
  const auto size = ec ? 0 : fs::file_size(config_.jwks_file, ec);
  if (ec) return std::unexpected("JWKS file " + config_.jwks_file + ": " + ec.message());
  if (keys_.size() > 0 && mtime == loaded_mtime_ && size == loaded_size_) return false;
  std::ifstream in(config_.jwks_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return std::unexpected("JWKS file " + config_.jwks_file + ": cannot read it");
  auto parsed = Jwks::parse(text.str());
  if (!parsed) return std::unexpected("JWKS file " + config_.jwks_file + ": " + parsed.error());
  if (parsed->size() == 0) return std::unexpected("JWKS file " + config_.jwks_file + ": no RS256 or ES256 key");
  keys_ = std::move(*parsed);
  loaded_mtime_ = mtime;
  loaded_size_ = size;
  return true;
}

std::expected<Grant, std::string> JwtVerifier::verify(std::string_view token, std::string_view client) {
  // A changed key file is picked up at the next login, checked at most once a second.
  const auto tick = std::chrono::steady_clock::now();
  if (tick - last_check_ >= std::chrono::seconds(1)) {
    last_check_ = tick;
    (void)reload();  // a bad new file leaves the keys in force; the daemon's --check reports it
  }
  auto payload = keys_.verify(token);
  if (!payload) return std::unexpected(payload.error());
  const Json claims = Json::parse(*payload, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return std::unexpected("the claims are not a JSON object");
  if (claims.value("iss", "") != config_.issuer) return std::unexpected("wrong iss");
  const auto aud = claims.find("aud");
  const bool aud_ok = aud != claims.end() &&
                      ((aud->is_string() && *aud == config_.audience) ||
                       (aud->is_array() && std::find(aud->begin(), aud->end(), config_.audience) != aud->end()));
  if (!aud_ok) return std::unexpected("wrong aud");
  const std::int64_t now = now_();
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) return std::unexpected("no exp");
  if (static_cast<double>(now) > exp->get<double>() + config_.leeway_seconds) return std::unexpected("expired");
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number()) return std::unexpected("nbf is not a number");
    if (static_cast<double>(now) + config_.leeway_seconds < nbf->get<double>()) return std::unexpected("not yet valid");
  }
  const auto name = claims.find(config_.client_claim);
  if (name == claims.end() || !name->is_string() || *name != client) {
    return std::unexpected("claim " + config_.client_claim + " does not name the client");
  }
  Grant grant;
  auto accounts = string_list(claims, config_.accounts_claim);
  auto sessions = string_list(claims, config_.sessions_claim);
  if (!accounts) return std::unexpected("claim " + config_.accounts_claim + " is not a list of names");
  if (!sessions) return std::unexpected("claim " + config_.sessions_claim + " is not a list of names");
  grant.accounts = std::move(*accounts);
  grant.sessions = std::move(*sessions);
  const std::string role = claims.contains(config_.role_claim) && claims[config_.role_claim].is_string()
                               ? claims[config_.role_claim].get<std::string>()
                               : std::string("trader");
  if (role != "trader" && role != "admin") return std::unexpected("claim " + config_.role_claim + " is not trader or admin");
  grant.admin = role == "admin";
  return grant;
}

}  // namespace fixgate::gateway
