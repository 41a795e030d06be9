// SPDX-License-Identifier: Apache-2.0
#include "connection.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "fixgate/gateway/codec.hpp"
#include "hub.hpp"

namespace fixgate::gateway::detail {
namespace {

constexpr std::size_t read_chunk = 16 * 1024;
// After a final line (auth failure, framing error, slow consumer) the peer gets this long to
// take it before the socket is closed regardless.
constexpr std::uint32_t final_grace_ms = 1000;
// How long the engine gets to answer a Barrier before the lines behind it go out regardless.
constexpr std::chrono::milliseconds barrier_grace{5000};
// The echo code of the gateway's Barrier requests (never sent to a client).
constexpr std::string_view barrier_echo = "barrier";

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string error_line(std::string_view code, std::string text) {
  Outbound out;
  out.event = Error{std::string(code), "", std::move(text), std::nullopt};
  return encode_event(out);
}

}  // namespace

Connection::Connection(Socket socket, boost::asio::ssl::context* tls, ConnectionId id, std::string peer,
                       std::string address, Limits limits, Hub& hub)
    : socket_(std::move(socket)),
      tls_(tls != nullptr ? std::make_unique<TlsStream>(socket_, *tls) : nullptr),
      ready_(tls == nullptr),
      timer_(socket_.get_executor()),
      watchdog_(socket_.get_executor()),
      id_(id),
      peer_(std::move(peer)),
      address_(std::move(address)),
      limits_(limits),
      hub_(hub) {}

void Connection::start() {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);  // flush() writes directly and must never block the io thread
  arm_timer(limits_.login_timeout_ms);
  last_input_ = Clock::now();
  if (!tls_) return do_read();
  tls_->async_handshake(boost::asio::ssl::stream_base::server,
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (self->closed_) return;
                          if (ec) {
                            spdlog::debug("upstream connection {} ({}) TLS handshake failed: {}", self->id_,
                                          self->peer_, ec.message());
                            return self->close();
                          }
                          self->ready_ = true;
                          if (!self->out_.empty()) self->schedule_flush();
                          self->do_read();
                        });
}

void Connection::arm_timer(std::uint32_t ms) {
  timer_.expires_after(std::chrono::milliseconds(ms));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    if (self->closing_ || !self->ready_) {
      self->close();  // the final line did not drain in time, or TLS never got going
    } else if (!self->authenticated() && !self->final_queued_) {
      self->send_final(error_line(errc::login_timeout, "no hello in time"));
    }
  });
}

void Connection::authenticate(std::string client) {
  client_ = std::move(client);
  timer_.cancel();
  last_input_ = Clock::now();
  arm_watchdog();
}

void Connection::do_read() {
  if (closed_) return;
  // While closing, reading goes on and discards: closing a socket with unread input makes the
  // kernel send a reset, which can destroy the final error line before the peer reads it.
  if (closing_ || final_queued_) inbuf_len_ = 0;
  if (inbuf_.size() < inbuf_len_ + read_chunk) inbuf_.resize(inbuf_len_ + read_chunk);
  auto buffer = boost::asio::buffer(inbuf_.data() + inbuf_len_, read_chunk);
  auto handler = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->on_read(ec, n);
  };
  if (tls_) {
    tls_->async_read_some(buffer, std::move(handler));
  } else {
    socket_.async_read_some(buffer, std::move(handler));
  }
}

void Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    if (ec != boost::asio::error::eof && ec != boost::asio::error::operation_aborted) {
      spdlog::debug("upstream connection {} ({}) read error: {}", id_, peer_, ec.message());
    }
    close();
    return;
  }
  inbuf_len_ += n;
  last_input_ = Clock::now();
  if (!closing_ && !final_queued_) process_lines();
  if (!closing_ && !final_queued_) arm_watchdog();
  do_read();
}

void Connection::process_lines() {
  std::size_t start = 0;
  while (!closing_ && !closed_ && !final_queued_) {
    const char* begin = inbuf_.data() + start;
    const char* end = inbuf_.data() + inbuf_len_;
    const char* nl = std::find(begin + (std::max(start, scanned_) - start), end, '\n');
    if (nl == end) {
      scanned_ = inbuf_len_;
      break;
    }
    const std::string_view line(begin, static_cast<std::size_t>(nl - begin));
    start += static_cast<std::size_t>(nl - begin) + 1;
    if (line.size() > limits_.max_line_bytes) {
      return fail_framing(errc::line_too_long,
                          "a line is limited to " + std::to_string(limits_.max_line_bytes) + " bytes");
    }
    // A bad line that ends is only a bad line: answered, skipped, the stream goes on.
    if (!is_valid_utf8(line)) {
      hub_.on_bad_line(*this, errc::invalid_utf8, "the line is not UTF-8");
      continue;
    }
    if (!blank(line)) hub_.on_line(*this, line);
  }
  if (closing_ || closed_ || final_queued_) return;
  // Keep only the incomplete tail; a tail already past the limit can never become a valid line.
  // The buffer keeps its size (resizing would zero-fill it again on the next read).
  if (start > 0) std::memmove(inbuf_.data(), inbuf_.data() + start, inbuf_len_ - start);
  inbuf_len_ -= start;
  scanned_ = scanned_ >= start ? scanned_ - start : 0;
  // The line deadline runs from the read that began the tail.
  if (inbuf_len_ == 0) {
    line_started_ = {};
  } else if (start > 0 || line_started_ == Clock::time_point{}) {
    line_started_ = last_input_;
  }
  if (inbuf_len_ > limits_.max_line_bytes) {
    fail_framing(errc::line_too_long, "a line is limited to " + std::to_string(limits_.max_line_bytes) + " bytes");
  }
}

void Connection::arm_watchdog() {
  Clock::time_point deadline = Clock::time_point::max();
  if (inbuf_len_ > 0 && limits_.line_timeout_ms > 0 && !final_queued_) {
    deadline = line_started_ + std::chrono::milliseconds(limits_.line_timeout_ms);
  }
  if (authenticated() && limits_.idle_timeout_ms > 0 && !final_queued_) {
    deadline = std::min(deadline, last_input_ + std::chrono::milliseconds(limits_.idle_timeout_ms));
  }
  if (barrier_pending_) deadline = std::min(deadline, barrier_deadline_);
  if (deadline == Clock::time_point::max()) return;
  // Deadlines only move later while one is armed, except a new line's: re-arm only when earlier,
  // so most reads touch no timer at all.
  if (watchdog_armed_ && watchdog_.expiry() <= deadline) return;
  watchdog_armed_ = true;
  watchdog_.expires_at(deadline);
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    self->watchdog_armed_ = false;
    self->on_watchdog();
  });
}

void Connection::on_watchdog() {
  if (closed_ || closing_) return;
  const auto now = Clock::now();
  if (barrier_pending_ && now >= barrier_deadline_) {
    // The engine did not answer in time (stopping, or stuck): what waited goes out now.
    spdlog::warn("upstream connection {} ({}): no answer to an ordering barrier; sending held answers", id_, peer_);
    releasable_ = npos;
    on_barrier_answered();
    if (closed_ || closing_) return;
  }
  if (!final_queued_ && inbuf_len_ > 0 && limits_.line_timeout_ms > 0 &&
      now >= line_started_ + std::chrono::milliseconds(limits_.line_timeout_ms)) {
    hub_.count_decode_error();
    return end_with(errc::line_timeout,
                    "a line must end within " + std::to_string(limits_.line_timeout_ms) + " ms of its first byte");
  }
  if (!final_queued_ && authenticated() && limits_.idle_timeout_ms > 0 &&
      now >= last_input_ + std::chrono::milliseconds(limits_.idle_timeout_ms)) {
    return end_with(errc::idle_timeout, "nothing received for " + std::to_string(limits_.idle_timeout_ms) + " ms");
  }
  arm_watchdog();
}

void Connection::fail_framing(std::string_view code, std::string text) {
  hub_.count_decode_error();
  end_with(code, std::move(text));
}

void Connection::end_with(std::string_view code, std::string text) {
  spdlog::info("upstream connection {} ({}) closed: {}", id_, peer_, code);
  send_ordered(error_line(code, std::move(text)), true);
}

void Connection::send_ordered(std::string line, bool final) {
  if (closing_ || closed_ || final_queued_) return;
  if (final) {
    final_queued_ = true;
    inbuf_len_ = 0;
    scanned_ = 0;
  }
  if (!barrier_pending_ && !forwarded_since_barrier_) return release(line, final);
  held_bytes_ += line.size();
  held_.push_back({std::move(line), final});
  if (!barrier_pending_) start_barrier();
  // Answers the client is not reading pile up here as they would in the output buffer.
  if (held_bytes_ > limits_.send_buffer_bytes && !final) cut_slow_consumer();
}

void Connection::note_forwarded() {
  forwarded_since_barrier_ = true;
  // Lines held from here on wait for this request's answer too: the barrier in flight covers
  // only those before it.
  if (barrier_pending_ && releasable_ == npos) releasable_ = held_.size();
}

void Connection::start_barrier() {
  barrier_pending_ = true;
  forwarded_since_barrier_ = false;
  releasable_ = npos;
  barrier_deadline_ = Clock::now() + barrier_grace;
  hub_.barrier(*this, barrier_echo);
  arm_watchdog();
}

void Connection::on_barrier_answered() {
  barrier_pending_ = false;
  const bool forwarded_since = releasable_ != npos;
  const std::size_t n = std::min(releasable_, held_.size());
  std::vector<HeldLine> ready(std::make_move_iterator(held_.begin()),
                              std::make_move_iterator(held_.begin() + static_cast<std::ptrdiff_t>(n)));
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto& h : ready) {
    held_bytes_ -= h.line.size();
    release(h.line, h.final);
  }
  if (closing_ || closed_) return;
  if (!held_.empty()) return start_barrier();  // behind requests forwarded after the last one
  forwarded_since_barrier_ = forwarded_since;
}

void Connection::release(std::string_view line, bool final) {
  if (final) {
    send_final(line);
  } else {
    send(line);
  }
}

void Connection::send(std::string_view line) {
  if (closing_ || closed_) return;
  out_ += line;
  if (waiting_writable_) {
    // The kernel already refused more; whatever piles up now is real backlog.
    if (backlog() > limits_.send_buffer_bytes) cut_slow_consumer();
    return;
  }
  schedule_flush();
}

void Connection::schedule_flush() {
  // Lines queued in one pass of the io thread (a batch of engine events, the answers to one read)
  // leave in one write: one system call per connection per batch rather than per event.
  if (flush_posted_ || !ready_) return;
  flush_posted_ = true;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void Connection::flush() {
  if (closed_ || waiting_writable_) return;
  if (tls_) return flush_tls();
  while (out_off_ < out_.size()) {
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(boost::asio::buffer(out_.data() + out_off_, out_.size() - out_off_), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
    if (ec) {
      close();
      return;
    }
    out_off_ += n;
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
    return after_flush();
  }
  if (out_off_ > out_.size() / 2) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
  if (!closing_ && backlog() > limits_.send_buffer_bytes) {
    cut_slow_consumer();
    if (closed_) return;
  }
  waiting_writable_ = true;
  socket_.async_wait(Socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->waiting_writable_ = false;
    if (ec) return;  // aborted by close
    self->flush();
  });
}

void Connection::flush_tls() {
  if (out_.empty()) return after_flush();
  // The bytes in flight must stay put while new lines are queued: they move to their own buffer.
  tls_writing_.swap(out_);
  out_.clear();
  waiting_writable_ = true;
  boost::asio::async_write(*tls_, boost::asio::buffer(tls_writing_),
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             self->waiting_writable_ = false;
                             self->tls_writing_.clear();
                             if (ec || self->closed_) return self->close();
                             self->flush();
                           });
}

void Connection::after_flush() {
  if (closing_) finish_output();
}

void Connection::finish_output() {
  if (tls_) {
    // close_notify, then the peer's; the grace timer ends it if the peer never answers.
    tls_->async_shutdown([self = shared_from_this()](const boost::system::error_code&) { self->close(); });
    return;
  }
  // Half-close: the peer reads the final line, then EOF; reads keep draining until it hangs up or
  // the grace timer fires.
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_send, ignored);
}

void Connection::cut_slow_consumer() {
  // The client is not reading. Holding more would grow memory without bound; its stream events
  // stay in the journal and come back when it resumes. Keep the line the kernel has partly
  // taken, so the final error does not land in the middle of it.
  hub_.count_slow_consumer(*this);
  std::size_t keep = out_off_;
  if (keep > 0 && out_[keep - 1] != '\n') {
    const auto nl = out_.find('\n', keep);
    keep = nl == std::string::npos ? out_.size() : nl + 1;
  }
  out_.resize(keep);
  send_final(error_line(errc::slow_consumer, "output backlog passed " + std::to_string(limits_.send_buffer_bytes) +
                                                 " bytes; reconnect with resume_from"));
}

void Connection::send_final(std::string_view line) {
  if (closing_ || closed_) return;
  out_ += line;
  closing_ = true;
  held_.clear();
  watchdog_.cancel();
  arm_timer(final_grace_ms);
  if (!ready_) return close();
  if (!waiting_writable_) schedule_flush();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  watchdog_.cancel();
  socket_.close(ignored);
  hub_.on_closed(id_);
}

}  // namespace fixgate::gateway::detail
