// SPDX-License-Identifier: Apache-2.0
// The ops HTTP server: one io thread, one request per connection. See http_server.hpp.

#include "fixgate/ops/http_server.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fixgate::ops {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using BufferIterator = asio::buffers_iterator<asio::streambuf::const_buffers_type>;

/// The end of the header block: the first empty line, "\r\n\r\n" or a bare "\n\n".
std::pair<BufferIterator, bool> end_of_headers(BufferIterator begin, BufferIterator end) {
  char prev1 = '\0';  // the character before
  char prev2 = '\0';  // and the one before that
  for (BufferIterator it = begin; it != end; ++it) {
    const char c = *it;
    if (c == '\n' && (prev1 == '\n' || (prev1 == '\r' && prev2 == '\n'))) return {std::next(it), true};
    prev2 = prev1;
    prev1 = c;
  }
  // Asio resumes the next search where this one says: back up over the last three bytes, so an
  // end of headers split between two reads ("...\r\n" then "\r\n", as bash's printf sends it)
  // is seen whole.
  constexpr std::ptrdiff_t overlap = 3;
  return {end - std::min(overlap, end - begin), false};
}

bool is_token_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_'; }

struct Request {
  std::string method;
  std::string path;
};

/// Parses "METHOD SP /target SP HTTP/1.x" and checks each header line has a name and a colon.
std::optional<Request> parse_head(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    const auto nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  if (lines.empty()) return std::nullopt;
  const std::string_view line = lines.front();
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return std::nullopt;
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return std::nullopt;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!std::ranges::all_of(method, is_token_char)) return std::nullopt;
  if (target.front() != '/' || target.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return std::nullopt;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) break;
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  }
  Request request;
  request.method = std::string(method);
  request.path = std::string(target.substr(0, target.find('?')));
  return request;
}

}  // namespace

const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

struct HttpServer::Impl {
  class Connection : public std::enable_shared_from_this<Connection> {
   public:
    Connection(Impl& owner, tcp::socket socket)
        : owner_(owner), socket_(std::move(socket)), timer_(owner.io_), buffer_(owner.options_.max_header_bytes) {}

    void start(bool overloaded) {
      arm(owner_.options_.read_timeout);
      if (overloaded) {
        respond(HttpResponse{503, "text/plain; charset=utf-8", "too many connections\n"}, false);
        return;
      }
      auto self = shared_from_this();
      asio::async_read_until(socket_, buffer_, end_of_headers,
                             [self](const boost::system::error_code& ec, std::size_t n) { self->on_head(ec, n); });
    }

    void close() {
      boost::system::error_code ignored;
      timer_.cancel();
      socket_.close(ignored);
    }

   private:
    void arm(std::chrono::milliseconds timeout) {
      if (owner_.closing_) return;  // stop() is waiting for the io thread to run out of work
      timer_.expires_after(timeout);
      std::weak_ptr<Connection> weak = shared_from_this();
      timer_.async_wait([weak](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled or re-armed
        if (auto self = weak.lock()) {
          boost::system::error_code ignored;
          self->socket_.close(ignored);
        }
      });
    }

    void on_head(const boost::system::error_code& ec, std::size_t n) {
      if (ec == asio::error::not_found) {
        // The buffer is full and still no end of headers.
        return respond(HttpResponse{431, "text/plain; charset=utf-8", "request headers too large\n"}, false);
      }
      if (ec) return close();  // timeout, reset, or EOF before a complete request
      const auto data = buffer_.data();
      const std::string head(asio::buffers_begin(data), asio::buffers_begin(data) + static_cast<std::ptrdiff_t>(n));
      buffer_.consume(n);
      const auto request = parse_head(head);
      if (!request) return respond(HttpResponse{400, "text/plain; charset=utf-8", "bad request\n"}, false);
      if (request->method != "GET") {
        return respond(HttpResponse{405, "text/plain; charset=utf-8", "only GET is supported\n"}, true);
      }
      const auto it = owner_.handlers_.find(request->path);
      if (it == owner_.handlers_.end()) {
        return respond(HttpResponse{404, "text/plain; charset=utf-8", "not found\n"}, false);
      }
      HttpResponse response;
      try {
        response = it->second();
      } catch (const std::exception& e) {
        spdlog::warn("ops http {}: handler failed: {}", request->path, e.what());
        response = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n"};
      } catch (...) {
        response = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n"};
      }
      respond(response, false);
    }

    void respond(const HttpResponse& response, bool allow_header) {
      arm(owner_.options_.write_timeout);
      out_ = fmt::format(
          "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{}"
          "Connection: close\r\n\r\n",
          response.status, http_reason(response.status), response.content_type, response.body.size(),
          allow_header ? "Allow: GET\r\n" : "");
      out_ += response.body;
      auto self = shared_from_this();
      asio::async_write(socket_, asio::buffer(out_), [self](const boost::system::error_code& ec, std::size_t) {
        if (ec) return self->close();
        // Half-close, then read until the client closes too, so unread request bytes on our side
        // never turn the close into a reset that could destroy the response in flight.
        boost::system::error_code ignored;
        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
        self->drain();
      });
    }

    void drain() {
      auto self = shared_from_this();
      socket_.async_read_some(asio::buffer(scratch_), [self](const boost::system::error_code& ec, std::size_t) {
        if (ec) return self->close();
        self->drain();
      });
    }

    Impl& owner_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    asio::streambuf buffer_;
    std::string out_;
    std::array<char, 1024> scratch_{};

   public:
    ~Connection() { --owner_.live_; }
  };

  Impl(config::Endpoint endpoint, HttpServerOptions options)
      : endpoint_(std::move(endpoint)), options_(options), acceptor_(io_) {}

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (!acceptor_.is_open()) return;
      if (!ec) {
        const bool overloaded = live_ >= options_.max_connections;
        if (live_ >= 2 * options_.max_connections) {
          boost::system::error_code ignored;
          socket.close(ignored);  // past even the 503 allowance: drop
        } else {
          ++live_;
          auto connection = std::make_shared<Connection>(*this, std::move(socket));
          connections_[connection.get()] = connection;
          prune();
          connection->start(overloaded);
        }
      } else if (ec == asio::error::operation_aborted) {
        return;
      } else {
        spdlog::warn("ops http accept failed: {}", ec.message());
        // Out of descriptors, typically: pause rather than spin.
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
        timer->async_wait([this, timer](const boost::system::error_code& wait_ec) {
          if (!wait_ec && acceptor_.is_open()) accept();
        });
        return;
      }
      accept();
    });
  }

  /// Forgets connections that are gone (keeps the map bounded by live connections).
  void prune() {
    std::erase_if(connections_, [](const auto& entry) { return entry.second.expired(); });
  }

  void close_all() {
    closing_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [raw, weak] : connections_) {
      if (auto connection = weak.lock()) connection->close();
    }
    connections_.clear();
  }

  config::Endpoint endpoint_;
  HttpServerOptions options_;
  std::map<std::string, Handler> handlers_;
  std::size_t live_ = 0;   ///< io thread only; declared before io_ so it outlives the connections
  bool closing_ = false;   ///< io thread only
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  ///< io thread only
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

HttpServer::HttpServer(config::Endpoint endpoint, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(endpoint), options)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::handle(std::string path, Handler handler) {
  if (impl_->started_) throw std::logic_error("HttpServer::handle after start");
  impl_->handlers_[std::move(path)] = std::move(handler);
}

std::uint16_t HttpServer::start() {
  Impl& impl = *impl_;
  const std::string name = impl.endpoint_.host + ":" + std::to_string(impl.endpoint_.port);
  if (impl.started_) throw std::runtime_error("ops http " + name + ": already started");
  boost::system::error_code ec;
  const std::string host = impl.endpoint_.host == "localhost" ? "127.0.0.1" : impl.endpoint_.host;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("ops http " + name + ": not an IP address");
  const tcp::endpoint ep(address, impl.endpoint_.port);
  impl.acceptor_.open(ep.protocol(), ec);
  if (!ec) impl.acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl.acceptor_.bind(ep, ec);
  if (!ec) impl.acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    impl.acceptor_.close(ignored);
    throw std::runtime_error("ops http " + name + ": " + ec.message());
  }
  const auto port = impl.acceptor_.local_endpoint().port();
  impl.started_ = true;
  impl.accept();
  impl.thread_ = std::thread([&impl] { impl.io_.run(); });
  spdlog::info("ops http listening on {}:{}", host, port);
  return port;
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (!impl.started_ || impl.stopped_) return;
  impl.stopped_ = true;
  // Closing everything on the io thread leaves no pending work, so run() returns by itself.
  asio::post(impl.io_, [&impl] { impl.close_all(); });
  if (impl.thread_.joinable()) impl.thread_.join();
}

}  // namespace fixgate::ops
