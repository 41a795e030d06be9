// SPDX-License-Identifier: Apache-2.0
#pragma once
// fixgate-bench's command line.

#include <cstddef>
#include <expected>
#include <string>

namespace fixgate::bench {

/// Which phases a run measures.
enum class Phases { both, latency, throughput };

/// Everything the command line chooses; defaults finish in about two minutes on 2 cores.
struct Options {
  std::size_t orders = 5000;            ///< orders per measured run, both phases
  std::size_t window = 100;             ///< orders in flight in the throughput phase
  std::size_t repetitions = 5;          ///< interleaved repetitions; medians are reported
  std::size_t warmup = 500;             ///< orders sent and discarded before each target's first run
  std::string latency_sync = "none";    ///< fixgate journal sync policy for the latency phase
  std::string throughput_sync = "batch";  ///< ... and for the throughput phase
  std::string backend = "file";         ///< fixgate journal backend
  Phases phases = Phases::both;
  bool baseline = true;                 ///< run the bare-QuickFIX baseline too
  bool keep = false;                    ///< keep the work directory (logs, journals)
  bool quick = false;                   ///< tiny runs for the smoke test
  std::string json_path;                ///< write every figure here when set
  std::string fixgate_bin;
  std::string simulator_bin;
  std::string spec_dir;
  std::string work_base;                ///< parent of the temporary work directory
};

/// Parses argv. When the program is done (--help, --version, a usage error, all printed) the
/// exit code to return instead.
std::expected<Options, int> parse_options(int argc, char** argv);

}  // namespace fixgate::bench
