// SPDX-License-Identifier: Apache-2.0
#include "transport.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <random>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

namespace fixgate::fix {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

/// QuickFIX's session timers (heartbeats, logon and logout timeouts, test requests) and our
/// reconnects are checked this often.
constexpr auto tick_period = std::chrono::milliseconds(200);

/// One TCP connection of one session. QuickFIX writes through the Responder interface; every call
/// comes on the transport's thread, so nothing here is locked.
class Line final : public FIX::Responder {
 public:
  Line(asio::io_context& io, FIX::SessionID session_id) : socket(io), resolver(io), id(std::move(session_id)) {}

  bool send(const std::string& data) override {
    if (closing || !connected) return false;
    pending += data;
    if (writing.empty()) write_more();
    return true;
  }
  /// QuickFIX is done with the connection (a Logout, a bad logon, a timeout): close it after this
  /// callback returns; the transport then marks the session disconnected.
  void disconnect() override {
    if (closing) return;
    closing = true;
    if (on_closed) asio::post(socket.get_executor(), on_closed);
  }

  void write_more() {
    if (pending.empty() || closing) return;
    writing.swap(pending);
    asio::async_write(socket, asio::buffer(writing), [this, keep = self](const boost::system::error_code& ec, std::size_t) {
      writing.clear();
      if (ec) {
        if (!closing) spdlog::warn("fix write failed: {}", ec.message());
        disconnect();
        return;
      }
      write_more();
    });
  }

  tcp::socket socket;
  tcp::resolver resolver;
  FIX::SessionID id;
  FIX::Session* session = nullptr;
  FIX::Parser parser;
  std::array<char, 65536> buffer{};
  std::string pending;  // queued while a write is in flight
  std::string writing;  // the bytes of the write in flight
  bool connected = false;
  bool closing = false;
  bool retired = false;
  std::function<void()> on_closed;
  std::shared_ptr<Line> self;  // set by the transport; handlers keep the line alive through it
};

}  // namespace

std::chrono::milliseconds reconnect_delay(unsigned failures, std::chrono::seconds min, std::chrono::seconds max,
                                          double uniform) {
  using std::chrono::milliseconds;
  const auto floor = std::chrono::duration_cast<milliseconds>(min);
  const auto cap = std::chrono::duration_cast<milliseconds>(std::max(min, max));
  milliseconds delay = floor;
  for (unsigned i = 0; i < failures && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const auto jittered = delay / 2 + milliseconds(static_cast<std::int64_t>(static_cast<double>((delay - delay / 2).count()) * uniform));
  return std::max(floor, jittered);
}

struct AsioInitiator::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  asio::steady_timer timer{io};
  std::function<std::string(const FIX::SessionID&)> name_of;
  struct Target {
    std::shared_ptr<Line> line;
    Clock::time_point next_attempt{};
    unsigned failures = 0;  // consecutive attempts that did not reach a logon
  };
  std::mt19937_64 random{std::random_device{}()};
  std::map<FIX::SessionID, Target> targets;
  bool stopping = false;
};

AsioInitiator::AsioInitiator(FIX::Application& application, FIX::MessageStoreFactory& stores,
                             const FIX::SessionSettings& settings, FIX::LogFactory& logs,
                             std::function<std::string(const FIX::SessionID&)> name_of)
    : FIX::Initiator(application, stores, settings, logs), impl_(std::make_unique<Impl>()) {
  impl_->name_of = std::move(name_of);
}

AsioInitiator::~AsioInitiator() {
  if (!isStopped()) stop(true);
}

void AsioInitiator::post(std::function<void()> work) { asio::post(impl_->io, std::move(work)); }

void AsioInitiator::onStart() {
  std::function<void()> tick;
  tick = [this, &tick] {
    if (impl_->stopping) return;
    // Connects the enabled sessions that are disconnected and due (doConnect).
    connect();
    for (auto& [id, target] : impl_->targets) {
      auto& line = target.line;
      if (!line || !line->connected || line->closing || line->session == nullptr) continue;
      if (line->session->isLoggedOn()) target.failures = 0;
      try {
        line->session->next(FIX::UtcTimeStamp());
      } catch (const std::exception& e) {
        spdlog::warn("fix [{}] session timer: {}", impl_->name_of(id), e.what());
      }
    }
    impl_->timer.expires_after(tick_period);
    impl_->timer.async_wait([&tick](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };
  asio::post(impl_->io, tick);
  impl_->io.run();
}

void AsioInitiator::onStop() {
  asio::post(impl_->io, [this] {
    impl_->stopping = true;
    impl_->timer.cancel();
    for (auto& [id, target] : impl_->targets) {
      if (!target.line) continue;
      target.line->closing = true;
      boost::system::error_code ignored;
      target.line->resolver.cancel();
      target.line->socket.close(ignored);
      target.line->self.reset();
    }
    impl_->work.reset();
    impl_->io.stop();
  });
}

void AsioInitiator::doConnect(const FIX::SessionID& id, const FIX::Dictionary& settings) {
  auto& target = impl_->targets[id];
  const auto now = Clock::now();
  if (target.line || now < target.next_attempt) return;
  const int reconnect = settings.has("ReconnectInterval") ? settings.getInt("ReconnectInterval") : 30;
  const int reconnect_max = settings.has("ReconnectMaxInterval") ? settings.getInt("ReconnectMaxInterval") : reconnect;
  const auto delay = reconnect_delay(target.failures, std::chrono::seconds(reconnect), std::chrono::seconds(reconnect_max),
                                     std::uniform_real_distribution<double>(0.0, 1.0)(impl_->random));
  ++target.failures;  // reset by a logon (the tick sees it)
  target.next_attempt = now + delay;
  const std::string host = settings.getString("SocketConnectHost");
  const std::string port = std::to_string(settings.getInt("SocketConnectPort"));
  const std::string name = impl_->name_of(id);
  auto line = std::make_shared<Line>(impl_->io, id);
  line->self = line;
  target.line = line;
  setPending(id);

  // Gone for good: the session is disconnected and its next attempt is due after the interval.
  auto retire = [this, line, name, delay](const std::string& why) {
    if (line->retired) return;
    line->retired = true;
    line->closing = true;
    boost::system::error_code ignored;
    line->socket.close(ignored);
    if (line->session != nullptr && line->connected && impl_->targets[line->id].line == line) {
      // QuickFIX resets the session and calls onLogout; its Responder is this line no more.
      line->session->disconnect();
    }
    setDisconnected(line->id);
    auto& t = impl_->targets[line->id];
    if (t.line == line) t.line.reset();
    if (!why.empty()) spdlog::info("fix [{}] {}; next connect in {} ms", name, why, delay.count());
    line->self.reset();
  };
  line->on_closed = [retire] { retire("disconnected"); };

  auto read_loop = std::make_shared<std::function<void()>>();
  *read_loop = [this, line, name, retire, read_loop] {
    line->socket.async_read_some(
        asio::buffer(line->buffer), [this, line, name, retire, read_loop](const boost::system::error_code& ec, std::size_t n) {
          if (line->retired) return;
          if (ec) {
            retire(ec == asio::error::eof ? "connection closed by the counterparty" : "connection lost: " + ec.message());
            return;
          }
          line->parser.addToStream(line->buffer.data(), n);
          std::string frame;
          for (;;) {
            try {
              if (!line->parser.readFixMessage(frame)) break;
            } catch (const FIX::MessageParseError& e) {
              spdlog::warn("fix [{}] unreadable bytes on the line dropped: {}", name, e.what());
              continue;
            }
            try {
              line->session->next(frame, FIX::UtcTimeStamp());
            } catch (const FIX::InvalidMessage&) {
              // QuickFIX journaled it (as garbage) and logged why; before logon it ends the connection.
              if (!line->session->isLoggedOn()) line->disconnect();
            }
            if (line->closing) break;
          }
          if (line->closing) {
            retire("disconnected");
            return;
          }
          (*read_loop)();
        });
  };

  spdlog::info("fix [{}] connecting to {}:{}", name, host, port);
  // The broker's host name is resolved at every connect: a moved DNS entry is followed.
  line->resolver.async_resolve(
      host, port, [this, line, name, host, port, retire, read_loop](const boost::system::error_code& ec,
                                                                     const tcp::resolver::results_type& endpoints) {
        if (line->retired) return;
        if (ec) {
          retire("cannot resolve " + host + ": " + ec.message());
          return;
        }
        asio::async_connect(line->socket, endpoints,
                            [this, line, name, retire, read_loop](const boost::system::error_code& error,
                                                                  const tcp::endpoint& endpoint) {
                              if (line->retired) return;
                              if (error) {
                                // No Logon was written, journaled or numbered for a connect that failed.
                                retire("connect failed: " + error.message());
                                return;
                              }
                              boost::system::error_code ignored;
                              line->socket.set_option(tcp::no_delay(true), ignored);
                              line->connected = true;
                              line->session = FIX::Session::lookupSession(line->id);
                              if (line->session == nullptr) {
                                retire("no such session");
                                return;
                              }
                              setConnected(line->id);
                              line->session->setResponder(line.get());
                              spdlog::info("fix [{}] connected to {}", name, endpoint.address().to_string() + ":" +
                                                                              std::to_string(endpoint.port()));
                              (*read_loop)();
                              line->session->next(FIX::UtcTimeStamp());  // the Logon goes out now
                            });
      });
}

}  // namespace fixgate::fix
