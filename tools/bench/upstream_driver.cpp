// SPDX-License-Identifier: Apache-2.0
#include "upstream_driver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "child.hpp"

namespace fixgate::bench {
namespace {

/// The string value of `"key":"value"` in one event line. Our encoder writes ids and enum names
/// without escapes and in a fixed layout, so a search is enough and keeps the client's own cost
/// (which lands in the measured latency) small.
std::string_view string_field(std::string_view line, std::string_view quoted_key) {
  const auto at = line.find(quoted_key);
  if (at == std::string_view::npos) return {};
  const auto from = at + quoted_key.size();
  const auto end = line.find('"', from);
  return end == std::string_view::npos ? std::string_view{} : line.substr(from, end - from);
}

constexpr std::string_view key_event = "\"event\":\"";
constexpr std::string_view key_client_order_id = "\"client_order_id\":\"";
constexpr std::string_view key_status = "\"status\":\"";

}  // namespace

UpstreamDriver::UpstreamDriver(std::uint16_t port, const std::string& client, const std::string& token) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw BenchError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd_);
    throw BenchError("cannot connect to fixgate's upstream port " + std::to_string(port) + ": " + reason);
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as fixgate's side does
  send_line("{\"op\":\"hello\",\"client\":\"" + client + "\",\"token\":\"" + token + "\"}\n");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (!read_some(100)) continue;
    const auto nl = in_.find('\n');
    if (nl == std::string::npos) continue;
    const std::string line = in_.substr(0, nl);
    in_.erase(0, nl + 1);
    const auto event = string_field(line, key_event);
    if (event == "welcome") return;
    if (event == "error") {
      ::close(fd_);
      throw BenchError("fixgate refused the bench client's hello: " + line);
    }
  }
  ::close(fd_);
  throw BenchError("no welcome from fixgate within 10 s");
}

UpstreamDriver::~UpstreamDriver() {
  if (fd_ >= 0) ::close(fd_);
}

void UpstreamDriver::send_line(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw BenchError(std::string("send to fixgate: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

bool UpstreamDriver::read_some(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0 && errno != EINTR) throw BenchError(std::string("poll: ") + std::strerror(errno));
  if (ready <= 0) return false;
  char buffer[65536];
  const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n == 0) throw BenchError("fixgate closed the upstream connection");
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    throw BenchError(std::string("recv from fixgate: ") + std::strerror(errno));
  }
  in_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

DriverOutcome UpstreamDriver::run(const RunSpec& spec) {
  DriverOutcome out;
  out.times.resize(spec.orders);
  std::size_t next = 0;
  std::size_t done = 0;
  std::size_t in_flight = 0;
  std::string line;
  line.reserve(256);
  auto send_next = [&] {
    line.assign("{\"op\":\"new\",\"client_order_id\":\"");
    line.append(spec.id_prefix).append(std::to_string(next));
    line.append("\",\"account\":\"").append(order_content::account);
    line.append("\",\"symbol\":\"").append(order_content::symbol);
    line.append("\",\"side\":\"buy\",\"type\":\"limit\",\"tif\":\"day\",\"qty\":\"").append(order_content::qty);
    line.append("\",\"price\":\"").append(order_content::price).append("\"}\n");
    out.times[next].sent = now_ns();
    send_line(line);
    ++next;
    ++in_flight;
  };
  auto order_at = [&](std::string_view id) -> OrderTimes* {
    if (!id.starts_with(spec.id_prefix)) return nullptr;  // not this run's
    const auto i = index_of(id);
    return i < spec.orders ? &out.times[i] : nullptr;
  };
  auto finish = [&] {
    ++done;
    --in_flight;
  };
  while (next < spec.orders && in_flight < spec.window) send_next();
  while (done < spec.orders) {
    if (!read_some(static_cast<int>(spec.stall_timeout.count()))) {
      throw BenchError("fixgate run " + spec.id_prefix + " stalled: nothing for " +
                       std::to_string(spec.stall_timeout.count()) + " ms; sent " + std::to_string(next) + ", done " +
                       std::to_string(done) + " of " + std::to_string(spec.orders));
    }
    // One timestamp per read: every line in it arrived by then.
    const Nanos t = now_ns();
    std::size_t start = 0;
    for (auto nl = in_.find('\n'); nl != std::string::npos; nl = in_.find('\n', start)) {
      const std::string_view ev(in_.data() + start, nl - start);
      start = nl + 1;
      const auto event = string_field(ev, key_event);
      if (event == "accepted") {
        if (auto* o = order_at(string_field(ev, key_client_order_id))) o->accepted = t;
      } else if (event == "execution") {
        auto* o = order_at(string_field(ev, key_client_order_id));
        if (o == nullptr) continue;
        const auto status = string_field(ev, key_status);
        if (status == "new") {
          o->acked = t;
        } else if (status == "filled") {
          o->filled = t;
          ++out.filled;
          finish();
        } else if (status == "rejected") {
          ++out.rejected;
          finish();
        }
      } else if (event == "rejected") {
        if (order_at(string_field(ev, key_client_order_id)) == nullptr) continue;
        ++out.rejected;
        finish();
      } else if (event == "error" || event == "break") {
        throw BenchError("fixgate answered the bench with: " + std::string(ev));
      }
    }
    in_.erase(0, start);
    while (next < spec.orders && in_flight < spec.window) send_next();
  }
  return out;
}

}  // namespace fixgate::bench
