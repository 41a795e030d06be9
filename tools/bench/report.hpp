// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns the runs into what people read: medians per target, the fixgate / baseline ratio table
// against the targets in DESIGN.md, and a JSON file with every figure of every repetition.

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "machine.hpp"
#include "stats.hpp"

namespace fixgate::bench {

/// Everything one invocation measured, and how it was set up.
struct Report {
  Machine machine;
  std::string started_utc;  ///< ISO 8601
  std::size_t orders = 0;
  std::size_t window = 0;
  std::size_t repetitions = 0;
  std::size_t warmup = 0;
  std::string latency_sync;
  std::string throughput_sync;
  std::string backend;
  std::vector<RunResult> runs;
};

/// One line of the ratio table: fixgate's figure over the baseline's.
struct Ratio {
  std::string figure;
  std::string phase;
  double fixgate = 0;                 ///< median over repetitions
  std::optional<double> file;         ///< baseline FileStore median
  std::optional<double> memory;       ///< baseline MemoryStore median
  std::optional<double> vs_file;      ///< median of per-repetition fixgate / FileStore
  std::optional<double> vs_memory;
  std::string target;                 ///< e.g. "<= 1.1 vs file", empty when none
  std::optional<bool> met;
};

/// The ratio table for `report`'s runs.
std::vector<Ratio> ratios(const Report& report);

/// Prints the medians and the ratio table.
void print_report(const Report& report, std::ostream& out);

/// Writes everything as JSON; false when the file cannot be written.
bool write_json(const Report& report, const std::string& path);

}  // namespace fixgate::bench
