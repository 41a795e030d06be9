// SPDX-License-Identifier: Apache-2.0
// Server: listeners, the io thread, and the hand-off of engine events into it. Protocol logic is
// in Hub, per-socket I/O in Connection.

#include "fixgate/gateway/server.hpp"

#include <atomic>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "fixgate/gateway/jwt.hpp"
#include "hub.hpp"

namespace fixgate::gateway {

namespace asio = boost::asio;
using asio::ip::tcp;
using UnixProtocol = asio::local::stream_protocol;

namespace {

/// The TLS context of the TCP listeners: TLS 1.2 and later, the configured certificate and key,
/// and client certificates verified against client_ca when it is set.
std::unique_ptr<asio::ssl::context> make_tls(const config::UpstreamTls& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  auto step = [](const std::string& what, const std::string& path, auto&& action) {
    boost::system::error_code ec;
    action(ec);
    if (ec) throw std::runtime_error("upstream tls " + what + " " + path + ": " + ec.message());
  };
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  step("certificate", tls.certificate, [&](auto& ec) { ctx->use_certificate_chain_file(tls.certificate, ec); });
  step("private_key", tls.private_key,
       [&](auto& ec) { ctx->use_private_key_file(tls.private_key, asio::ssl::context::pem, ec); });
  if (!tls.client_ca.empty()) {
    step("client_ca", tls.client_ca, [&](auto& ec) { ctx->load_verify_file(tls.client_ca, ec); });
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

}  // namespace

struct Server::Impl {
  Impl(const config::Upstream& config, InboundHandler on_inbound)
      : config_(config),
        jwt_(config.jwt ? std::make_unique<JwtVerifier>(*config.jwt) : nullptr),
        tls_(config.tls ? make_tls(*config.tls) : nullptr),
        hub_(config, std::move(on_inbound), jwt_.get()) {}

  void accept_tcp(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](const boost::system::error_code& ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) {
        boost::system::error_code ignored;
        // Orders are small and latency matters more than packet count.
        socket.set_option(tcp::no_delay(true), ignored);
        const auto remote = socket.remote_endpoint(ignored);
        std::string address = remote.address().to_string();
        std::string peer = address + ":" + std::to_string(remote.port());
        hub_.add(detail::Connection::Socket(std::move(socket)), std::move(peer), std::move(address), tls_.get());
      } else {
        spdlog::warn("upstream accept failed: {}", ec.message());
        return retry_later([this, &acceptor] { accept_tcp(acceptor); });
      }
      accept_tcp(acceptor);
    });
  }

  /// After a failed accept (out of file descriptors, typically) wait a little rather than spin.
  template <class Retry>
  void retry_later(Retry retry) {
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
    timer->async_wait([timer, retry](const boost::system::error_code& ec) {
      if (!ec) retry();
    });
  }

  void accept_unix(UnixProtocol::acceptor& acceptor, const std::string& path) {
    acceptor.async_accept([this, &acceptor, &path](const boost::system::error_code& ec, UnixProtocol::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) {
        // Local peers are kept out by the socket's file mode, not by address: they share one.
        hub_.add(detail::Connection::Socket(std::move(socket)), "unix:" + path, {}, nullptr);
      } else {
        spdlog::warn("upstream accept on {} failed: {}", path, ec.message());
        return retry_later([this, &acceptor, &path] { accept_unix(acceptor, path); });
      }
      accept_unix(acceptor, path);
    });
  }

  std::uint16_t bind_tcp(const config::Endpoint& endpoint) {
    boost::system::error_code ec;
    const std::string host = endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("upstream listener " + endpoint.host + ": not an IP address");
    const tcp::endpoint ep(address, endpoint.port);
    auto& acceptor = tcp_acceptors_.emplace_back(io_);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("upstream listener " + endpoint.host + ":" + std::to_string(endpoint.port) +
                               ": " + ec.message());
    }
    const auto port = acceptor.local_endpoint().port();
    spdlog::info("upstream listening on {}:{}", host, port);
    return port;
  }

  void bind_unix(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code fs_ec;
    if (fs::is_socket(fs::symlink_status(path, fs_ec))) {
      // A socket file left by a crash refuses connections; one that answers belongs to a live
      // process, which we must not steal from.
      UnixProtocol::socket probe(io_);
      boost::system::error_code ec;
      probe.connect(UnixProtocol::endpoint(path), ec);
      if (!ec) throw std::runtime_error("upstream listener " + path + ": in use by another process");
      fs::remove(path, fs_ec);
    } else if (fs::exists(fs::symlink_status(path, fs_ec))) {
      throw std::runtime_error("upstream listener " + path + ": exists and is not a socket");
    }
    boost::system::error_code ec;
    auto& acceptor = unix_acceptors_.emplace_back(io_);
    acceptor.open(UnixProtocol(), ec);
    if (!ec) acceptor.bind(UnixProtocol::endpoint(path), ec);
    // 0660 whatever the umask; set before listen(), so no peer can connect while it is wider.
    if (!ec && ::chmod(path.c_str(), 0660) != 0) ec.assign(errno, boost::system::system_category());
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("upstream listener " + path + ": " + ec.message());
    bound_paths_.push_back(path);
    spdlog::info("upstream listening on unix:{}", path);
  }

  void drain_deliveries() {
    std::vector<Outbound> batch;
    {
      std::lock_guard lock(queue_mutex_);
      batch.swap(queue_);
      drain_posted_ = false;
    }
    for (const auto& out : batch) hub_.route(out);
  }

  /// Appends under the lock and wakes the io thread only when the queue was idle.
  template <class Push>
  void enqueue(Push push) {
    if (stopped_.load(std::memory_order_acquire)) return;
    bool wake = false;
    {
      std::lock_guard lock(queue_mutex_);
      push(queue_);
      wake = !drain_posted_;
      drain_posted_ = true;
    }
    if (wake) asio::post(io_, [this] { drain_deliveries(); });
  }

  config::Upstream config_;
  std::unique_ptr<JwtVerifier> jwt_;        // bearer tokens, when upstream.jwt is set
  std::unique_ptr<asio::ssl::context> tls_;  // the TCP listeners' TLS, when upstream.tls is set
  asio::io_context io_{1};
  // Keeps run() going even with no listener configured, until stop().
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  detail::Hub hub_;
  std::deque<tcp::acceptor> tcp_acceptors_;       // deque: accept handlers hold references
  std::deque<UnixProtocol::acceptor> unix_acceptors_;
  std::deque<std::string> bound_paths_;
  std::mutex queue_mutex_;
  std::vector<Outbound> queue_;
  bool drain_posted_ = false;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

Server::Server(const config::Upstream& config, InboundHandler on_inbound)
    : impl_(std::make_unique<Impl>(config, std::move(on_inbound))) {}

Server::~Server() { stop(); }

std::vector<std::uint16_t> Server::start() {
  if (impl_->started_.exchange(true)) throw std::logic_error("gateway server started twice");
  std::vector<std::uint16_t> ports;
  for (const auto& endpoint : impl_->config_.tcp) ports.push_back(impl_->bind_tcp(endpoint));
  for (const auto& path : impl_->config_.unix_paths) impl_->bind_unix(path);
  for (auto& acceptor : impl_->tcp_acceptors_) impl_->accept_tcp(acceptor);
  std::size_t i = 0;
  for (auto& acceptor : impl_->unix_acceptors_) impl_->accept_unix(acceptor, impl_->bound_paths_[i++]);
  impl_->thread_ = std::thread([impl = impl_.get()] {
    // One io thread owns every connection; handler exceptions would be bugs, so log and go on
    // rather than lose the gateway.
    for (;;) {
      try {
        impl->io_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("upstream io thread: {}", e.what());
      }
    }
  });
  return ports;
}

void Server::deliver(Outbound out) {
  impl_->enqueue([&out](std::vector<Outbound>& q) { q.push_back(std::move(out)); });
}

void Server::deliver(std::vector<Outbound> batch) {
  impl_->enqueue([&batch](std::vector<Outbound>& q) {
    if (q.empty()) {
      q.swap(batch);
    } else {
      for (auto& out : batch) q.push_back(std::move(out));
    }
  });
}

void Server::stop() {
  if (!impl_ || impl_->stopped_.exchange(true)) return;
  if (impl_->thread_.joinable()) {
    asio::post(impl_->io_, [impl = impl_.get()] {
      boost::system::error_code ignored;
      for (auto& a : impl->tcp_acceptors_) a.close(ignored);
      for (auto& a : impl->unix_acceptors_) a.close(ignored);
      impl->hub_.close_all();
      impl->work_.reset();
    });
    impl_->thread_.join();
  }
  std::error_code ignored;
  for (const auto& path : impl_->bound_paths_) std::filesystem::remove(path, ignored);
}

ServerStats Server::stats() const { return impl_->hub_.stats(); }

void Server::set_login_timeout_ms(std::uint32_t ms) { impl_->hub_.set_login_timeout_ms(ms); }

}  // namespace fixgate::gateway
