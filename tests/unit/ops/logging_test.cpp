// SPDX-License-Identifier: Apache-2.0
// The daemon's log formats, written to a real file through setup_logging: times in UTC with a Z
// whatever TZ says, the ids a JSON line is about as fields of their own, and the file reopened by
// name after logrotate moved it.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "fixgate/core/log_fields.hpp"
#include "fixgate/ops/logging.hpp"

namespace fs = std::filesystem;
using fixgate::LogScope;

namespace {

struct LogDir {
  fs::path path;
  std::shared_ptr<spdlog::logger> saved = spdlog::default_logger();  // other tests log on
  LogDir() {
    static int next = 0;
    path = fs::temp_directory_path() / ("fixgate-logging-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    fs::create_directories(path);
  }
  ~LogDir() {
    spdlog::set_default_logger(saved);
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> lines_of(const fs::path& file) {
  spdlog::default_logger()->flush();
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void log_to(const fs::path& file, fixgate::config::LogFormat format) {
  fixgate::config::Logging logging;
  logging.format = format;
  logging.file = file.string();
  fixgate::ops::setup_logging(logging);
}

/// Sets TZ for the test and restores it after.
struct TimeZone {
  std::string saved;
  bool had = false;
  explicit TimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) {
      saved = old;
      had = true;
    }
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~TimeZone() {
    if (had) {
      ::setenv("TZ", saved.c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
};

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" read as UTC.
std::int64_t utc_seconds(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  REQUIRE_FALSE(in.fail());
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("text logs write UTC with a Z, whatever the host's zone") {
  const TimeZone tokyo("Asia/Tokyo");  // UTC+9 all year: local time would be nine hours off
  LogDir dir;
  const auto file = dir.path / "fixgate.log";
  log_to(file, fixgate::config::LogFormat::text);
  const auto before = now_seconds();
  spdlog::info("hello from Tokyo");
  const auto after = now_seconds();
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 1);
  std::smatch m;
  REQUIRE(std::regex_match(lines[0], m,
                           std::regex(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{6}Z info  hello from Tokyo)")));
  const auto stamped = utc_seconds(m[1].str());
  CHECK(stamped >= before - 1);
  CHECK(stamped <= after);
}

TEST_CASE("JSON logs write UTC with a Z, whatever the host's zone") {
  const TimeZone tokyo("Asia/Tokyo");
  LogDir dir;
  const auto file = dir.path / "fixgate.log";
  log_to(file, fixgate::config::LogFormat::json);
  const auto before = now_seconds();
  spdlog::warn("hello");
  const auto after = now_seconds();
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 1);
  const auto entry = nlohmann::json::parse(lines[0]);
  const std::string time = entry.at("time");
  REQUIRE(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
  const auto stamped = utc_seconds(time.substr(0, 19));
  CHECK(stamped >= before - 1);
  CHECK(stamped <= after);
  CHECK(entry.at("level") == "warning");
  CHECK(entry.at("msg") == "hello");
}

TEST_CASE("JSON logs give the session, client and order ids their own fields where known") {
  LogDir dir;
  const auto file = dir.path / "fixgate.log";
  log_to(file, fixgate::config::LogFormat::json);
  spdlog::info("nothing known");
  {
    const std::string client = "desk \"3\"";  // escaped like any JSON string
    const LogScope upstream({.client = client, .client_order_id = "o-1"});
    spdlog::info("order received");
    {
      const LogScope broker({.session = "SIM", .cl_ord_id = "FG7"});
      spdlog::info("report");
    }
    spdlog::info("back to the request");
  }
  spdlog::info("nothing known again");
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 5);
  std::vector<nlohmann::json> entries;
  for (const auto& line : lines) entries.push_back(nlohmann::json::parse(line));
  const std::vector<std::string> ids{"session", "client", "client_order_id", "cl_ord_id"};
  for (const auto& id : ids) {
    CHECK_FALSE(entries[0].contains(id));
    CHECK_FALSE(entries[4].contains(id));
  }
  CHECK(entries[1].at("client") == "desk \"3\"");
  CHECK(entries[1].at("client_order_id") == "o-1");
  CHECK_FALSE(entries[1].contains("session"));
  CHECK_FALSE(entries[1].contains("cl_ord_id"));
  // An inner scope adds to the outer one, and the outer one is whole again after it.
  CHECK(entries[2].at("session") == "SIM");
  CHECK(entries[2].at("cl_ord_id") == "FG7");
  CHECK(entries[2].at("client") == "desk \"3\"");
  CHECK(entries[2].at("client_order_id") == "o-1");
  CHECK(entries[3].at("client_order_id") == "o-1");
  CHECK_FALSE(entries[3].contains("session"));
  CHECK(entries[2].at("msg") == "report");
}

TEST_CASE("the log file is reopened by name after it was moved away") {
  LogDir dir;
  const auto file = dir.path / "fixgate.log";
  const auto rotated = dir.path / "fixgate.log.1";
  log_to(file, fixgate::config::LogFormat::text);
  spdlog::info("before the rotation");
  fs::rename(file, rotated);
  spdlog::info("still to the moved file");
  const auto reopened = fixgate::ops::reopen_log_file();
  REQUIRE(reopened.has_value());
  CHECK(*reopened);
  spdlog::info("after the reopen");
  const auto old_lines = lines_of(rotated);
  REQUIRE(old_lines.size() == 2);
  CHECK(old_lines[1].ends_with("still to the moved file"));
  const auto new_lines = lines_of(file);
  REQUIRE(new_lines.size() == 1);
  CHECK(new_lines[0].ends_with("after the reopen"));
  CHECK((fs::status(file).permissions() & fs::perms::others_read) == fs::perms::none);
}

TEST_CASE("a log file that cannot be reopened keeps the old one and says why") {
  LogDir dir;
  const auto sub = dir.path / "logs";
  fs::create_directories(sub);
  const auto file = sub / "fixgate.log";
  log_to(file, fixgate::config::LogFormat::text);
  fs::rename(sub, dir.path / "gone");  // the directory itself moved: the name leads nowhere
  const auto reopened = fixgate::ops::reopen_log_file();
  REQUIRE_FALSE(reopened.has_value());
  CHECK_THAT(reopened.error(), Catch::Contains(file.string()));
  spdlog::info("kept");
  const auto lines = lines_of(dir.path / "gone" / "fixgate.log");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with("kept"));
}
