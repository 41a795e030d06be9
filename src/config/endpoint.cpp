// SPDX-License-Identifier: Apache-2.0
// host:port parsing and error formatting: the parts of the config API that need no YAML.

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "fixgate/config/config.hpp"
#include "reader.hpp"

namespace fixgate::config {
namespace detail {
namespace {

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-' (not at either end), each
// 1..63 long, 253 in all, a final dot allowed; a last label of digits only is a mistyped IPv4
// address, not a name.
bool is_host_name(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  std::string_view last;
  while (!host.empty()) {
    const auto dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    const bool word = std::ranges::all_of(label, [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!word) return false;
    last = label;
    host = dot == std::string_view::npos ? std::string_view() : host.substr(dot + 1);
    if (dot != std::string_view::npos && host.empty()) return false;  // "a..b" or a second final dot
  }
  return !std::ranges::all_of(last, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::expected<Endpoint, std::string> parse_endpoint_detailed(std::string_view text, HostNames names) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      return std::unexpected("expected [ipv6-address]:port, found \"" + std::string(text) + "\"");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!is_ipv6(host)) return std::unexpected("\"" + host + "\" is not an IPv6 address");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return std::unexpected("expected host:port (e.g. 127.0.0.1:9878), found \"" +
                             std::string(text) + "\"");
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.empty()) return std::unexpected("missing host before \":" + std::string(port_text) + "\"");
    if (host.find(':') != std::string::npos) {
      return std::unexpected("an IPv6 address goes in brackets: [" + host + "]:port");
    }
    // A listener binds an address, so it takes a literal (or localhost). A broker's host name is
    // resolved by the transport at every connect, so a moved broker is found without a restart.
    if (host != "localhost" && !is_ipv4(host)) {
      if (names == HostNames::refused) {
        return std::unexpected("host \"" + host + "\" is not an IPv4 address, [IPv6] or localhost");
      }
      if (!is_host_name(host)) {
        return std::unexpected("host \"" + host + "\" is not an IPv4 address, [IPv6] or a host name");
      }
    }
  }
  if (port_text.empty()) return std::unexpected("missing port after \"" + host + ":\"");
  unsigned long port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (ptr != end || ec == std::errc::invalid_argument) {
    return std::unexpected("port \"" + std::string(port_text) + "\" is not a number");
  }
  if (ec == std::errc::result_out_of_range || port > 65535) {
    return std::unexpected("port " + std::string(port_text) + " is out of range 0..65535");
  }
  return Endpoint{std::move(host), static_cast<std::uint16_t>(port)};
}

}  // namespace detail

std::optional<Endpoint> parse_endpoint(const std::string& text) {
  auto parsed = detail::parse_endpoint_detailed(text);
  if (!parsed) return std::nullopt;
  return *std::move(parsed);
}

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

}  // namespace fixgate::config
