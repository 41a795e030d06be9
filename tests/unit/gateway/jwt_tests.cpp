// SPDX-License-Identifier: Apache-2.0
// Bearer tokens: RFC 7515's own examples for the signatures, then every claim rule, the JWKS
// file's reload, and a login over a real socket.

#include <filesystem>
#include <fstream>

#include "fixgate/gateway/jwt.hpp"
#include "server_fixture.hpp"
#include "test_pki.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;
namespace fs = std::filesystem;

namespace {

// RFC 7515 Appendix A.2 (RS256; the key is RFC 7517 Appendix A.1's) and A.3 (ES256).
constexpr std::string_view rfc_payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const std::string rfc_rs256 =
    "eyJhbGciOiJSUzI1NiJ9." + std::string(rfc_payload) +
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1"
    "dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDw"
    "usC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const std::string rfc_es256 = "eyJhbGciOiJFUzI1NiJ9." + std::string(rfc_payload) +
                              ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr std::string_view rfc_keys = R"({"keys":[
 {"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"},
 {"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";
const std::string rfc_claims = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("fixgate-jwt-" + std::to_string(::getpid()) + "-" +
                   std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

/// "accepted", or why the token was refused.
std::string why(const std::expected<Grant, std::string>& r) { return r ? std::string("accepted") : r.error(); }

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

/// A verifier over a JWKS file holding `keys`, standing at `now` (seconds).
struct Setup {
  TempDir dir;
  Key rsa = rsa_key();
  Key ec = ec_key();
  config::UpstreamJwt config;
  std::int64_t now = 1'800'000'000;

  Setup() {
    config.jwks_file = (dir.path / "keys.json").string();
    config.issuer = "https://idp.example";
    config.audience = "fixgate";
    write(config.jwks_file, "{\"keys\":[" + public_jwk(rsa.get(), "r1") + "," + public_jwk(ec.get(), "e1") + "]}");
  }
  JwtVerifier verifier() {
    return JwtVerifier(config, [this] { return now; });
  }
  std::string claims(const std::string& extra = {}) const {
    return R"({"iss":"https://idp.example","aud":"fixgate","sub":"algo7","exp":)" + std::to_string(now + 300) +
           R"(,"accounts":["ACC1","ACC2"],"role":"trader","sessions":["SIM"])" + extra + "}";
  }
};

}  // namespace

TEST_CASE("RFC 7515 A.2 (RS256) and A.3 (ES256) verify, and any change to them does not", "[gateway][jwt]") {
  auto keys = Jwks::parse(rfc_keys);
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  auto rs = keys->verify(rfc_rs256);
  REQUIRE(rs);
  CHECK(*rs == rfc_claims);
  auto es = keys->verify(rfc_es256);
  REQUIRE(es);
  CHECK(*es == rfc_claims);

  std::string tampered = rfc_es256;
  tampered.back() = 'A';
  CHECK_FALSE(keys->verify(tampered));
  tampered = rfc_rs256;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'a' ? 'b' : 'a';
  CHECK_FALSE(keys->verify(tampered));
  // The payload swapped for another under the same signature.
  const std::string other_payload = "eyJhbGciOiJFUzI1NiJ9." + base64url(R"({"iss":"joe","exp":9999999999})") +
                                    rfc_es256.substr(rfc_es256.rfind('.'));
  CHECK_FALSE(keys->verify(other_payload));
  // Unsigned and symmetric algorithms are refused whatever the signature says.
  CHECK_FALSE(keys->verify(base64url(R"({"alg":"none"})") + "." + std::string(rfc_payload) + "."));
  CHECK_FALSE(keys->verify("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + std::string(rfc_payload) +
                           ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
  // An ES256 token is not checked with the RSA key, nor the other way round.
  auto only_rsa = Jwks::parse(R"({"keys":[)" + std::string(rfc_keys).substr(rfc_keys.find("{\"kty\":\"RSA\""),
                                                                         rfc_keys.find("},") - rfc_keys.find("{\"kty\":\"RSA\"") + 1) +
                              "]}");
  REQUIRE(only_rsa);
  CHECK(only_rsa->verify(rfc_rs256));
  CHECK_FALSE(only_rsa->verify(rfc_es256));
}

TEST_CASE("a JWKS document with a broken key is refused with the key's index", "[gateway][jwt]") {
  auto bad = Jwks::parse(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("keys[0]") != std::string::npos);
  CHECK_FALSE(Jwks::parse("not json"));
  CHECK_FALSE(Jwks::parse(R"({"nokeys":[]})"));
  auto symmetric_only = Jwks::parse(R"({"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"}]})");
  REQUIRE(symmetric_only);
  CHECK(symmetric_only->size() == 0);
}

TEST_CASE("claims: issuer, audience, expiry, not-before and the client's name are all checked", "[gateway][jwt]") {
  Setup s;
  auto v = s.verifier();
  for (EVP_PKEY* key : {s.rsa.get(), s.ec.get()}) {
    const std::string kid = key == s.rsa.get() ? "r1" : "e1";
    auto grant = v.verify(sign_jwt(key, kid, s.claims()), "algo7");
    REQUIRE(grant);
    CHECK(grant->accounts == std::vector<std::string>{"ACC1", "ACC2"});
    CHECK(grant->sessions == std::vector<std::string>{"SIM"});
    CHECK_FALSE(grant->admin);
  }
  auto token = [&](const std::string& claims) { return sign_jwt(s.ec.get(), "e1", claims); };
  CHECK(why(v.verify(token(s.claims()), "someone-else")).find("does not name") != std::string::npos);
  const std::string exp = std::to_string(s.now + 300);
  auto with = [&](std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  CHECK(why(v.verify(token(with(s.claims(), "https://idp.example", "https://evil.example")), "algo7")) == "wrong iss");
  CHECK(why(v.verify(token(with(s.claims(), "\"aud\":\"fixgate\"", "\"aud\":[\"other\"]")), "algo7")) == "wrong aud");
  CHECK(v.verify(token(with(s.claims(), "\"aud\":\"fixgate\"", "\"aud\":[\"other\",\"fixgate\"]")), "algo7"));
  CHECK(why(v.verify(token(with(s.claims(), "\"exp\":" + exp, "\"iat\":1")), "algo7")) == "no exp");
  CHECK(why(v.verify(token(with(s.claims(), "\"exp\":" + exp, "\"exp\":" + std::to_string(s.now - 31))), "algo7")) ==
        "expired");
  CHECK(v.verify(token(with(s.claims(), "\"exp\":" + exp, "\"exp\":" + std::to_string(s.now - 29))), "algo7"));  // leeway
  CHECK(why(v.verify(token(s.claims(",\"nbf\":" + std::to_string(s.now + 60))), "algo7")) == "not yet valid");
  CHECK(v.verify(token(s.claims(",\"nbf\":" + std::to_string(s.now + 10))), "algo7"));
  CHECK_FALSE(v.verify(token(with(s.claims(), "\"role\":\"trader\"", "\"role\":\"root\"")), "algo7"));
  CHECK(v.verify(token(with(s.claims(), "\"role\":\"trader\"", "\"role\":\"admin\"")), "algo7")->admin);
  CHECK_FALSE(v.verify(token(with(s.claims(), "[\"ACC1\",\"ACC2\"]", "\"ACC1\"")), "algo7"));
  // Signed by a key that is not in the file.
  Key stranger = ec_key();
  CHECK(why(v.verify(sign_jwt(stranger.get(), "e1", s.claims()), "algo7")) == "bad signature");
}

TEST_CASE("the JWKS file is re-read when it changes; a broken file leaves the keys in force", "[gateway][jwt]") {
  Setup s;
  auto v = s.verifier();
  const std::string old_token = sign_jwt(s.ec.get(), "e1", s.claims());
  REQUIRE(v.verify(old_token, "algo7"));
  Key rotated = ec_key();
  write(s.config.jwks_file, "{\"keys\":[" + public_jwk(rotated.get(), "e2") + "]}");
  fs::last_write_time(s.config.jwks_file, fs::last_write_time(s.config.jwks_file) + std::chrono::seconds(5));
  auto reloaded = v.reload();
  REQUIRE(reloaded);
  CHECK(*reloaded);
  CHECK_FALSE(v.verify(old_token, "algo7"));
  CHECK(v.verify(sign_jwt(rotated.get(), "e2", s.claims()), "algo7"));

  write(s.config.jwks_file, "{\"keys\":[{\"kty\":\"EC\"");
  fs::last_write_time(s.config.jwks_file, fs::last_write_time(s.config.jwks_file) + std::chrono::seconds(10));
  auto broken = v.reload();
  REQUIRE_FALSE(broken);
  CHECK(broken.error().find("keys.json") != std::string::npos);
  CHECK(v.verify(sign_jwt(rotated.get(), "e2", s.claims()), "algo7"));
}

TEST_CASE("a bearer token logs a client in over a socket, and its grant reaches the engine", "[gateway][jwt]") {
  Setup s;
  auto cfg = test_config();
  s.config.leeway_seconds = 0;
  cfg.jwt = s.config;
  // The daemon's verifier reads the wall clock: tokens for "now".
  s.now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  LiveServer live(cfg);
  TestClient client(live.ports.at(0));
  auto welcome = client.hello("algo7", sign_jwt(s.rsa.get(), "r1", s.claims()));
  REQUIRE(std::holds_alternative<Welcome>(welcome.event));
  const auto seen = live.engine.seen();
  REQUIRE(seen.size() == 1);
  const auto& hello = std::get<Hello>(seen[0].request);
  CHECK(hello.token.empty());
  REQUIRE(hello.grant.has_value());
  CHECK(hello.grant->accounts == std::vector<std::string>{"ACC1", "ACC2"});

  // A configured client's name cannot be taken with a token, and a bad token is a failed login.
  TestClient impostor(live.ports.at(0), "127.0.0.2");
  auto claims_as_demo = s.claims();
  claims_as_demo.replace(claims_as_demo.find("algo7"), 5, "demo");
  CHECK(std::get<Error>(impostor.hello("demo", sign_jwt(s.rsa.get(), "r1", claims_as_demo)).event).code == "auth_failed");
  TestClient forger(live.ports.at(0), "127.0.0.3");
  Key stranger = rsa_key();
  CHECK(std::get<Error>(forger.hello("algo8", sign_jwt(stranger.get(), "r1", s.claims())).event).code == "auth_failed");
}
