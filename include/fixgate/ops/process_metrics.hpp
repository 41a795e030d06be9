// SPDX-License-Identifier: Apache-2.0
#pragma once
// The standard process_* metrics every Prometheus client library exports (CPU time, memory, file
// descriptors, start time), read from /proc at each scrape, so that the usual dashboards and alerts
// for any process work on fixgate too.

#include <cstdint>
#include <optional>
#include <string_view>

#include "fixgate/ops/metrics.hpp"

namespace fixgate::ops {

/// The fields of /proc/<pid>/stat the metrics use, in the kernel's units.
struct ProcStat {
  std::uint64_t user_ticks = 0;          ///< utime (field 14), clock ticks
  std::uint64_t system_ticks = 0;        ///< stime (field 15), clock ticks
  std::uint64_t start_ticks = 0;         ///< starttime (field 22), clock ticks after boot
  std::uint64_t virtual_bytes = 0;       ///< vsize (field 23)
  std::uint64_t resident_pages = 0;      ///< rss (field 24)
};

/// Parses one /proc/<pid>/stat line; the command name in parentheses may hold spaces and
/// parentheses itself. nullopt when the line is cut short or a field is not a number.
std::optional<ProcStat> parse_proc_stat(std::string_view line);

/// The boot time (the "btime" line of /proc/stat, Unix seconds); nullopt when absent.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

/// Registers process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and process_start_time_seconds
/// for the calling process. A value that cannot be read renders NaN.
void register_process_metrics(Registry& registry);

}  // namespace fixgate::ops
