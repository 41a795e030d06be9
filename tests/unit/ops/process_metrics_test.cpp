// SPDX-License-Identifier: Apache-2.0
// The process_* metrics: /proc/<pid>/stat and /proc/stat parsed from lines written out by hand
// from proc(5), and the registered series read from this very process.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include "fixgate/ops/process_metrics.hpp"

using namespace fixgate::ops;

namespace {

/// name -> value of every unlabelled sample in a rendering.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("a /proc/<pid>/stat line gives CPU ticks, start ticks, virtual size and resident pages") {
  // Fields 1..24 of proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
  // majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss.
  const std::string line =
      "4242 (fixgate) S 1 4242 4242 0 -1 4194560 1200 0 3 0 150 25 0 0 20 0 7 0 987654 123456789 2048 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stat = parse_proc_stat(line);
  REQUIRE(stat.has_value());
  CHECK(stat->user_ticks == 150);
  CHECK(stat->system_ticks == 25);
  CHECK(stat->start_ticks == 987654);
  CHECK(stat->virtual_bytes == 123456789);
  CHECK(stat->resident_pages == 2048);
}

TEST_CASE("a command name with spaces and parentheses does not shift the fields") {
  const std::string line = "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 333 4096 5\n";
  const auto stat = parse_proc_stat(line);
  REQUIRE(stat.has_value());
  CHECK(stat->user_ticks == 11);
  CHECK(stat->system_ticks == 22);
  CHECK(stat->start_ticks == 333);
  CHECK(stat->resident_pages == 5);
}

TEST_CASE("a cut-short or non-numeric stat line is refused") {
  CHECK_FALSE(parse_proc_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 11 22").has_value());
  CHECK_FALSE(parse_proc_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 1x 22 0 0 20 0 1 0 333 4096 5").has_value());
  CHECK_FALSE(parse_proc_stat("no parenthesis at all").has_value());
}

TEST_CASE("the boot time is the btime line of /proc/stat") {
  CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764990000\nprocesses 9\n") == 1764990000u);
  CHECK_FALSE(parse_boot_time("cpu  1 2 3\nbtimex 5\n").has_value());
}

TEST_CASE("the registered series describe this process") {
  Registry registry;
  register_process_metrics(registry);
  const int extra = ::open("/dev/null", O_RDONLY);
  REQUIRE(extra >= 0);
  const auto with_extra = samples(registry.render());
  ::close(extra);
  const auto without = samples(registry.render());

  const auto text = registry.render();
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(text.find("# TYPE process_resident_memory_bytes gauge\n") != std::string::npos);
  CHECK(with_extra.at("process_open_fds") == without.at("process_open_fds") + 1);
  CHECK(without.at("process_max_fds") >= without.at("process_open_fds"));
  CHECK(without.at("process_resident_memory_bytes") > 0);
  CHECK(without.at("process_virtual_memory_bytes") >= without.at("process_resident_memory_bytes"));
  CHECK(without.at("process_cpu_seconds_total") >= 0);
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // This test program started before this line and after the machine booted.
  CHECK(without.at("process_start_time_seconds") <= now + 1);
  CHECK(without.at("process_start_time_seconds") > now - 24 * 3600.0);
}
