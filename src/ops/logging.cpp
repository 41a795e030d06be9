// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/logging.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "fixgate/core/log_fields.hpp"

namespace fixgate::ops {
namespace {

/// {"time":"2026-11-26T12:00:00.123456Z","level":"info","thread":123,"session":"SIM","client":"demo",
///  "client_order_id":"o-1","cl_ord_id":"FG1","msg":"..."}: the four ids only when the line is about
/// them (LogScope, fixgate/core/log_fields.hpp).
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since_epoch = msg.time.time_since_epoch();
    const auto seconds = duration_cast<std::chrono::seconds>(since_epoch);
    const auto micros = duration_cast<microseconds>(since_epoch - seconds).count();
    const std::time_t t = seconds.count();
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::string line = fmt::format(R"({{"time":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z","level":"{}","thread":{})",
                                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                                   utc.tm_sec, micros, spdlog::level::to_string_view(msg.level), msg.thread_id);
    // Formatted on the logging thread (synchronous sinks), so its LogScope is the one in force.
    const LogFields& about = current_log_fields();
    append_field(line, "session", about.session);
    append_field(line, "client", about.client);
    append_field(line, "client_order_id", about.client_order_id);
    append_field(line, "cl_ord_id", about.cl_ord_id);
    line += R"(,"msg":")";
    append_json_escaped(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "\"}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }

 private:
  static void append_field(std::string& line, std::string_view name, std::string_view value) {
    if (value.empty()) return;
    line += ",\"";
    line += name;
    line += "\":\"";
    append_json_escaped(line, value);
    line += '"';
  }
};

/// Appends every line to a file with write(2), and can reopen it by name: logrotate moves the
/// file, SIGUSR1 makes fixgate write to a new one. Files are created 0640 (not left to the umask).
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ReopenableFileSink(std::string path) : path_(std::move(path)) {
    auto fd = open_file();
    if (!fd) throw std::runtime_error(fd.error());
    fd_ = *fd;
  }
  ~ReopenableFileSink() override { ::close(fd_); }
  ReopenableFileSink(const ReopenableFileSink&) = delete;
  ReopenableFileSink& operator=(const ReopenableFileSink&) = delete;

  /// Opens the path again and writes there from now on; on failure keeps the old file.
  std::expected<void, std::string> reopen() {
    std::lock_guard lock(mutex_);
    auto fd = open_file();
    if (!fd) return std::unexpected(fd.error());
    ::close(fd_);
    fd_ = *fd;
    return {};
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const char* data = formatted.data();
    std::size_t left = formatted.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // a full disk loses the line; there is nowhere to say so
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override {}  // write(2) buffers nothing

 private:
  std::expected<int, std::string> open_file() const {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return std::unexpected("cannot open log " + path_ + ": " + std::strerror(errno));
    return fd;
  }

  std::string path_;
  int fd_ = -1;
};

/// The file sink of the default logger, when logging.file is set (reopen_log_file).
std::shared_ptr<ReopenableFileSink>& file_sink() {
  static std::shared_ptr<ReopenableFileSink> sink;
  return sink;
}

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::trace: return spdlog::level::trace;
    case config::LogLevel::debug: return spdlog::level::debug;
    case config::LogLevel::info: return spdlog::level::info;
    case config::LogLevel::warn: return spdlog::level::warn;
    case config::LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
}

void setup_logging(const config::Logging& logging) {
  std::shared_ptr<spdlog::logger> logger;
  if (logging.file.empty()) {
    logger = spdlog::stderr_color_mt("fixgate");
  } else {
    file_sink() = std::make_shared<ReopenableFileSink>(logging.file);  // throws naming the file
    logger = std::make_shared<spdlog::logger>("fixgate", file_sink());
  }
  if (logging.format == config::LogFormat::json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    // UTC with its Z, as the journal and the JSON format write times: never the host's zone.
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(to_spdlog(logging.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::expected<bool, std::string> reopen_log_file() {
  if (!file_sink()) return false;
  if (auto reopened = file_sink()->reopen(); !reopened) return std::unexpected(reopened.error());
  return true;
}

}  // namespace fixgate::ops
