// SPDX-License-Identifier: Apache-2.0
// TLS on the upstream TCP listener, with and without client certificates, against a client that
// verifies the server; and the Unix socket's file mode whatever the umask.

#include <sys/stat.h>

#include <filesystem>

#include "server_fixture.hpp"
#include "test_pki.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;
namespace fs = std::filesystem;

namespace {

config::Upstream tls_config(const Pki& pki, bool client_certificates) {
  auto cfg = test_config();
  cfg.login_timeout_ms = 1000;
  cfg.tls = config::UpstreamTls{pki.path("server.pem"), pki.path("server.key"),
                                client_certificates ? pki.path("client-ca.pem") : std::string()};
  return cfg;
}

/// Connects with TLS, says hello, and reports whether the welcome came back.
bool logs_in(std::uint16_t port, const TlsOptions& options, std::string* error = nullptr) {
  LineClient c;
  auto connected = c.connect_tls("127.0.0.1", port, wait_limit, options);
  if (!connected) {
    if (error != nullptr) *error = connected.error();
    return false;
  }
  if (!c.send(encode_request(Hello{"demo", "demo-token", std::nullopt}))) return false;
  std::string line;
  if (c.read_line(line, wait_limit) != LineClient::ReadStatus::line) return false;
  auto out = decode_event(line);
  return out && std::holds_alternative<Welcome>(out->event);
}

}  // namespace

TEST_CASE("a TLS listener serves clients that verify its certificate, and nobody in plain text", "[gateway][tls]") {
  Pki pki;
  LiveServer live(tls_config(pki, false));
  LineClient c;
  REQUIRE(c.connect_tls("127.0.0.1", live.ports.at(0), wait_limit, TlsOptions{pki.path("server.pem"), "", "", ""}));
  REQUIRE(c.send(encode_request(Hello{"demo", "demo-token", std::nullopt}, "h")));
  std::string line;
  REQUIRE(c.read_line(line, wait_limit) == LineClient::ReadStatus::line);
  CHECK(std::holds_alternative<Welcome>(decode_event(line)->event));
  REQUIRE(c.send(encode_request(sample_order("t1"), "n1")));
  REQUIRE(c.read_line(line, wait_limit) == LineClient::ReadStatus::line);
  CHECK(std::get<Accepted>(decode_event(line)->event).client_order_id == "t1");

  // Plain text on the TLS port: no answer in JSON, and the connection ends.
  TestClient plain(live.ports.at(0));
  plain.send(encode_request(Hello{"demo", "demo-token", std::nullopt}));
  std::string reply;
  CHECK(plain.raw().read_line(reply, wait_limit) != LineClient::ReadStatus::line);

  // A client that trusts another CA refuses the server.
  std::string error;
  CHECK_FALSE(logs_in(live.ports.at(0), TlsOptions{pki.path("stranger.pem"), "", "", ""}, &error));
  CHECK(error.find("certificate") != std::string::npos);
}

TEST_CASE("with client_ca set, only clients with a certificate from that CA get in", "[gateway][tls]") {
  Pki pki;
  LiveServer live(tls_config(pki, true));
  const std::string ca = pki.path("server.pem");
  CHECK(logs_in(live.ports.at(0), TlsOptions{ca, pki.path("client.pem"), pki.path("client.key"), ""}));
  CHECK_FALSE(logs_in(live.ports.at(0), TlsOptions{ca, "", "", ""}));
  CHECK_FALSE(logs_in(live.ports.at(0), TlsOptions{ca, pki.path("stranger.pem"), pki.path("stranger.key"), ""}));
}

TEST_CASE("the Unix socket is created 0660 whatever the umask", "[gateway][tls]") {
  auto cfg = test_config();
  cfg.tcp.clear();
  const auto path = (fs::temp_directory_path() / ("fixgate-gw-mode-" + std::to_string(::getpid()) + ".sock")).string();
  cfg.unix_paths.push_back(path);
  const mode_t old = ::umask(0);
  Server server(cfg, [](Inbound) {});
  server.start();
  ::umask(old);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0660);
}
