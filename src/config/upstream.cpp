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

// Error messages name the variable or the file, never the token itself: these messages end up in
// logs and terminals.
std::string token_from_env(const Value& value) {
  const std::string name = read_env_name(value);
  const char* token = std::getenv(name.c_str());
  if (token == nullptr) value.fail("environment variable " + name + " is not set");
  if (*token == '\0') value.fail("environment variable " + name + " is empty");
  return token;
}

std::string token_from_file(const Value& value) {
  const std::string path = read_nonempty(value);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    value.fail("cannot read token file \"" + path + "\": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) value.fail("token file \"" + path + "\" is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) value.fail("cannot read token file \"" + path + "\": " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) value.fail("cannot read token file \"" + path + "\": " + std::strerror(errno));
  std::string token = contents.str();
  // Editors and `echo` add a final newline; it is not part of the token.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) value.fail("token file \"" + path + "\" is empty");
  if (token.find_first_of("\r\n") != std::string::npos) {
    value.fail("token file \"" + path + "\" holds more than one line");
  }
  return token;
}

UpstreamClient read_client(const Value& value, const MapReader& map, Secrets secrets) {
  UpstreamClient client;
  client.name = read_nonempty(map.require("name"));
  const auto env = map.get("token_env");
  const auto file = map.get("token_file");
  if (env && file) file->fail("give token_env or token_file, not both");
  if (!env && !file) value.fail("a client needs token_env or token_file");
  if (secrets == Secrets::resolve) client.token = env ? token_from_env(*env) : token_from_file(*file);
  if (auto accounts = map.get("accounts")) client.accounts = read_string_list(*accounts, false);
  if (auto role = map.get("role")) {
    client.role = read_enum<ClientRole>(*role, {{"trader", ClientRole::trader}, {"admin", ClientRole::admin}});
  }
  return client;
}

std::vector<UpstreamClient> read_clients(const Value& value, Secrets secrets) {
  std::vector<UpstreamClient> clients;
  for (const auto& element : value.elements()) {
    const MapReader map(element, {"name", "token_env", "token_file", "accounts", "role"});
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

}  // namespace

Upstream read_upstream(const Value& value, Secrets secrets) {
  const MapReader map(value, {"tcp", "unix", "max_line_bytes", "max_connections",
                              "max_requests_per_second", "send_buffer_bytes", "clients"});
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
  if (auto clients = map.get("clients")) upstream.clients = read_clients(*clients, secrets);
  return upstream;
}

}  // namespace fixgate::config::detail
