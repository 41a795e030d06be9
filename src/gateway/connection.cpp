#include "connection.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "fixgate/gateway/codec.hpp"
#include "hub.hpp"

namespace fixgate::gateway::detail {
namespace {

constexpr std::size_t read_chunk = 16 * 1024;
// After a final line (auth failure, framing error, slow consumer) the peer gets this long to
// take it before the socket is closed regardless.
constexpr std::uint32_t final_grace_ms = 1000;

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

Connection::Connection(Socket socket, ConnectionId id, std::string peer, Limits limits, Hub& hub)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      id_(id),
      peer_(std::move(peer)),
      limits_(limits),
      hub_(hub) {}

void Connection::start() {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);  // flush() writes directly and must never block the io thread
  arm_timer(limits_.login_timeout_ms);
  do_read();
}

void Connection::arm_timer(std::uint32_t ms) {
  timer_.expires_after(std::chrono::milliseconds(ms));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    if (self->closing_) {
      self->close();  // the final line did not drain in time
    } else if (!self->authenticated()) {
      Outbound out;
      out.event = Error{std::string(errc::login_timeout), "", "no hello in time", std::nullopt};
      self->send_final(encode_event(out));
    }
  });
}

void Connection::authenticate(std::string client) {
  client_ = std::move(client);
  timer_.cancel();
}

void Connection::do_read() {
  if (closed_) return;
  // While closing, reading goes on and discards: closing a socket with unread input makes the
  // kernel send a reset, which can destroy the final error line before the peer reads it.
  if (closing_) inbuf_len_ = 0;
  if (inbuf_.size() < inbuf_len_ + read_chunk) inbuf_.resize(inbuf_len_ + read_chunk);
  socket_.async_read_some(boost::asio::buffer(inbuf_.data() + inbuf_len_, read_chunk),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
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
  if (!closing_) process_lines();
  do_read();
}

void Connection::process_lines() {
  std::size_t start = 0;
  while (!closing_ && !closed_) {
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
      fail_framing(errc::line_too_long, "a line is limited to " + std::to_string(limits_.max_line_bytes) + " bytes");
      return;
    }
    if (!is_valid_utf8(line)) {
      fail_framing(errc::invalid_utf8, "the stream is not UTF-8");
      return;
    }
    if (!blank(line)) hub_.on_line(*this, line);
  }
  if (closing_ || closed_) return;
  // Keep only the incomplete tail; a tail already past the limit can never become a valid line.
  // The buffer keeps its size (resizing would zero-fill it again on the next read).
  if (start > 0) std::memmove(inbuf_.data(), inbuf_.data() + start, inbuf_len_ - start);
  inbuf_len_ -= start;
  scanned_ = scanned_ >= start ? scanned_ - start : 0;
  if (inbuf_len_ > limits_.max_line_bytes) {
    fail_framing(errc::line_too_long, "a line is limited to " + std::to_string(limits_.max_line_bytes) + " bytes");
  }
}

void Connection::fail_framing(std::string_view code, std::string text) {
  hub_.count_decode_error();
  spdlog::info("upstream connection {} ({}) closed: {}", id_, peer_, code);
  Outbound out;
  out.event = Error{std::string(code), "", std::move(text), std::nullopt};
  send_final(encode_event(out));
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
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void Connection::flush() {
  if (closed_ || waiting_writable_) return;
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
    if (closing_) {
      // Half-close: the peer reads the final line, then EOF; reads keep draining until it hangs
      // up or the grace timer fires.
      boost::system::error_code ignored;
      socket_.shutdown(Socket::shutdown_send, ignored);
    }
    return;
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
  Outbound out;
  out.event = Error{std::string(errc::slow_consumer), "",
                    "output backlog passed " + std::to_string(limits_.send_buffer_bytes) +
                        " bytes; reconnect with resume_from",
                    std::nullopt};
  send_final(encode_event(out));
}

void Connection::send_final(std::string_view line) {
  if (closing_ || closed_) return;
  out_ += line;
  closing_ = true;
  arm_timer(final_grace_ms);
  if (!waiting_writable_) schedule_flush();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  socket_.close(ignored);
  hub_.on_closed(id_);
}

}  // namespace fixgate::gateway::detail
