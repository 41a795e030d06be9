// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "fixgate/config/config.hpp"

using fixgate::config::ConfigError;
using fixgate::config::Endpoint;
using fixgate::config::parse_endpoint;

TEST_CASE("parses IPv4, bracketed IPv6 and localhost endpoints") {
  CHECK(parse_endpoint("127.0.0.1:9878") == Endpoint{"127.0.0.1", 9878});
  CHECK(parse_endpoint("[::1]:9878") == Endpoint{"::1", 9878});
  CHECK(parse_endpoint("[fe80::1:2]:1") == Endpoint{"fe80::1:2", 1});
  CHECK(parse_endpoint("localhost:0") == Endpoint{"localhost", 0});
  CHECK(parse_endpoint("0.0.0.0:65535") == Endpoint{"0.0.0.0", 65535});
}

TEST_CASE("refuses endpoints that are not host:port") {
  for (const char* bad : {"", "nohost", ":80", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:65536",
                          "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:8o", "::1:80", "[::1]80", "[::1]:",
                          "[127.0.0.1]:80", "256.0.0.1:80", "example.com:80", "127.0.0.1:80 ",
                          " 127.0.0.1:80", "127.0.0.1:99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_endpoint(bad).has_value());
  }
}

TEST_CASE("formats errors as file:line:col: key: message") {
  CHECK(ConfigError{"f.yaml", 7, 5, "sessions[0].connect", "bad port"}.to_string() ==
        "f.yaml:7:5: sessions[0].connect: bad port");
  CHECK(ConfigError{"f.yaml", 3, 1, "", "YAML syntax: x"}.to_string() == "f.yaml:3:1: YAML syntax: x");
  CHECK(ConfigError{"f.yaml", 0, 0, "", "cannot open: No such file or directory"}.to_string() ==
        "f.yaml: cannot open: No such file or directory");
}
