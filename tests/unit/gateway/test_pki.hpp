// SPDX-License-Identifier: Apache-2.0
#pragma once
// Keys, certificates and signed tokens made on the fly with OpenSSL, for the TLS and bearer-token
// tests: nothing secret is committed, and every run has fresh material.

#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace fixgate::gateway::testing {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline Key ec_key() { return Key(EVP_EC_gen("P-256")); }
inline Key rsa_key() { return Key(EVP_RSA_gen(2048)); }

inline std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

inline std::string bn_param(EVP_PKEY* key, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  if (pad > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  BN_free(bn);
  return out;
}

/// The public half of `key` as one JWK (RS256 for RSA, ES256 for P-256).
inline std::string public_jwk(EVP_PKEY* key, const std::string& kid) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    return R"({"kty":"RSA","kid":")" + kid + R"(","use":"sig","alg":"RS256","n":")" +
           base64url(bn_param(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
           base64url(bn_param(key, OSSL_PKEY_PARAM_RSA_E)) + R"("})";
  }
  return R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"(","x":")" +
         base64url(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
         base64url(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + R"("})";
}

/// A compact JWS over `claims` (a JSON object's text), RS256 or ES256 by the key's type.
inline std::string sign_jwt(EVP_PKEY* key, const std::string& kid, const std::string& claims) {
  const bool rsa = EVP_PKEY_is_a(key, "RSA");
  const std::string header = std::string(R"({"alg":")") + (rsa ? "RS256" : "ES256") + R"(","typ":"JWT","kid":")" + kid + "\"}";
  const std::string input = base64url(header) + "." + base64url(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  std::string sig(len, '\0');
  REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (!rsa) {  // DER → r||s, as JWS wants it
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    REQUIRE(es != nullptr);
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data() + 32), 32);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + base64url(sig);
}

/// Writes `key` (mode 0600) and a certificate for it, valid for the IP 127.0.0.1, signed by
/// `issuer_key` under `issuer_cert` (or self-signed when both are null).
inline void write_certificate(const std::filesystem::path& cert_path, const std::filesystem::path& key_path, EVP_PKEY* key,
                              const std::string& common_name, EVP_PKEY* issuer_key = nullptr, X509* issuer_cert = nullptr) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert, issuer_cert != nullptr ? X509_get_subject_name(issuer_cert) : name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer_cert != nullptr ? issuer_cert : cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, issuer_cert != nullptr ? "CA:FALSE" : "CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
  FILE* out = std::fopen(cert_path.c_str(), "w");
  REQUIRE(out != nullptr);
  PEM_write_X509(out, cert);
  std::fclose(out);
  X509_free(cert);
  const int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  out = ::fdopen(fd, "w");
  REQUIRE(out != nullptr);
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
}

/// Reads a certificate written by write_certificate.
inline X509* read_certificate(const std::filesystem::path& path) {
  FILE* in = std::fopen(path.c_str(), "r");
  REQUIRE(in != nullptr);
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  REQUIRE(cert != nullptr);
  return cert;
}

/// A server certificate (self-signed, for 127.0.0.1), a client CA with a client certificate it
/// signed, and a stranger's self-signed certificate, in a temporary folder.
struct Pki {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                 ("fixgate-tls-" + std::to_string(::getpid()) + "-" +
                  std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  Key server_key = ec_key();
  Key client_ca_key = ec_key();
  Key client_key = ec_key();
  Key stranger_key = ec_key();
  Pki() {
    std::filesystem::create_directories(dir);
    write_certificate(path("server.pem"), path("server.key"), server_key.get(), "fixgate-test-server");
    write_certificate(path("client-ca.pem"), path("client-ca.key"), client_ca_key.get(), "fixgate-test-client-ca");
    X509* ca = read_certificate(path("client-ca.pem"));
    write_certificate(path("client.pem"), path("client.key"), client_key.get(), "algo7", client_ca_key.get(), ca);
    X509_free(ca);
    // Self-signed: a certificate no configured CA vouches for.
    write_certificate(path("stranger.pem"), path("stranger.key"), stranger_key.get(), "stranger");
  }
  ~Pki() { std::filesystem::remove_all(dir); }
  std::string path(const char* name) const { return (dir / name).string(); }
};

}  // namespace fixgate::gateway::testing
