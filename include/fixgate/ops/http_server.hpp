// SPDX-License-Identifier: Apache-2.0
#pragma once
// A minimal HTTP/1.1 server for /metrics, /healthz and /readyz: GET only, one response per
// connection (Connection: close), its own io thread. Asio stays behind the pimpl.
//
// Answers: a registered path -> its handler's response; another path -> 404; a method other than
// GET -> 405 with "Allow: GET"; a request line that does not parse -> 400; request line and
// headers longer than max_header_bytes -> 431; nothing complete within read_timeout -> the
// connection is closed (slow clients cannot hold a slot); more than max_connections at once -> 503.
// A handler that throws -> 500. The query string is ignored for routing.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fixgate/config/config.hpp"

namespace fixgate::ops {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpServerOptions {
  std::size_t max_header_bytes = 8192;                 ///< request line + headers
  std::chrono::milliseconds read_timeout{5000};        ///< whole request, from accept
  std::chrono::milliseconds write_timeout{10000};      ///< whole response
  std::size_t max_connections = 32;
};

class HttpServer {
 public:
  /// Runs on the server's io thread; must be quick (it holds up every other request).
  using Handler = std::function<HttpResponse()>;

  explicit HttpServer(config::Endpoint endpoint, HttpServerOptions options = {});
  ~HttpServer();  ///< stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Registers `path` (exact match, e.g. "/metrics"). Only before start().
  void handle(std::string path, Handler handler);

  /// Binds (host must be an IP literal or "localhost"), starts the io thread and returns the
  /// bound port (a free one when the endpoint's port is 0). Throws std::runtime_error naming the
  /// endpoint when the bind fails, or when already started.
  std::uint16_t start();

  /// Closes the listener and every connection and joins the io thread; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The reason phrase for a status code ("OK", "Not Found", ...); "Unknown" for others.
const char* http_reason(int status);

}  // namespace fixgate::ops
