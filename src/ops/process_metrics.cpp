// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fixgate::ops {
namespace {

std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ProcStat own_stat() {
  auto stat = parse_proc_stat(read_file("/proc/self/stat"));
  if (!stat) throw std::runtime_error("cannot parse /proc/self/stat");
  return *stat;
}

double clock_ticks_per_second() {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return ticks;
}

double open_fds() {
  std::size_t count = 0;
  // The iterator's own descriptor is counted too, as in the other client libraries.
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++count;
  }
  return static_cast<double>(count);
}

double max_fds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("getrlimit failed");
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<double>::infinity();
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  // "pid (comm) state ppid ...": comm is whatever the program named itself, so the fields start
  // after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(close + 1);
  // Field numbers as in proc(5); `rest` starts with field 3 (state).
  constexpr int first_field = 3;
  constexpr int last_needed = 24;
  std::string_view fields[last_needed + 1];
  int field = first_field;
  while (field <= last_needed) {
    const auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    fields[field++] = rest.substr(0, end);
    rest.remove_prefix(end);
  }
  ProcStat stat;
  const std::pair<int, std::uint64_t*> wanted[] = {{14, &stat.user_ticks},    {15, &stat.system_ticks},
                                                   {22, &stat.start_ticks},   {23, &stat.virtual_bytes},
                                                   {24, &stat.resident_pages}};
  for (const auto& [number, into] : wanted) {
    const auto value = to_number(fields[number]);
    if (!value) return std::nullopt;
    *into = *value;
  }
  return stat;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  constexpr std::string_view key = "btime ";
  std::size_t at = 0;
  while (at < proc_stat.size()) {
    const auto end = std::min(proc_stat.find('\n', at), proc_stat.size());
    const auto line = proc_stat.substr(at, end - at);
    if (line.starts_with(key)) return to_number(line.substr(key.size()));
    at = end + 1;
  }
  return std::nullopt;
}

void register_process_metrics(Registry& registry) {
  registry.counter_callback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {}, [] {
    const auto stat = own_stat();
    return static_cast<double>(stat.user_ticks + stat.system_ticks) / clock_ticks_per_second();
  });
  registry.gauge_callback("process_resident_memory_bytes", "Resident memory size in bytes.", {}, [] {
    static const auto page_bytes = static_cast<double>(::sysconf(_SC_PAGESIZE));
    return static_cast<double>(own_stat().resident_pages) * page_bytes;
  });
  registry.gauge_callback("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                          [] { return static_cast<double>(own_stat().virtual_bytes); });
  registry.gauge_callback("process_open_fds", "Number of open file descriptors.", {}, [] { return open_fds(); });
  registry.gauge_callback("process_max_fds", "Maximum number of open file descriptors.", {}, [] { return max_fds(); });
  // The start time does not change: computed once, here.
  double start_seconds = std::numeric_limits<double>::quiet_NaN();
  try {
    if (const auto boot = parse_boot_time(read_file("/proc/stat"))) {
      start_seconds = static_cast<double>(*boot) + static_cast<double>(own_stat().start_ticks) / clock_ticks_per_second();
    }
  } catch (const std::runtime_error&) {
    // Rendered as NaN, like any other value /proc would not give.
  }
  registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").set(start_seconds);
}

}  // namespace fixgate::ops
