// SPDX-License-Identifier: Apache-2.0
#include "options.hpp"

#include <cstdlib>
#include <string>

#include "fixgate/cli/command_line.hpp"

#include "fixgate/core/spec_dir.hpp"

namespace fixgate::bench {

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

std::expected<Options, int> parse_options(int argc, char** argv) {
  Options o;
  o.fixgate_bin = env_or("FIXGATE_BIN", FIXGATE_BENCH_FIXGATE_BIN);
  o.simulator_bin = env_or("SIMULATOR_BIN", FIXGATE_BENCH_SIMULATOR_BIN);
  o.spec_dir = fixgate::spec_dir().string();
  o.work_base = env_or("TMPDIR", "/tmp");
  CLI::App app;
  cli::configure(app, "fixgate-bench");
  app.description(
      "Starts fixgate-simulator and fixgate on 127.0.0.1, drives orders through fixgate's upstream socket, and "
      "measures a bare QuickFIX initiator (FileStore and MemoryStore) against the same simulator in the same run, "
      "interleaved. Prints medians and the fixgate / baseline ratios.");
  app.footer("Exit codes: 0 measured, 1 a run failed, 2 usage (docs/CLI.md).");
  auto* orders = app.add_option("--orders", o.orders, "orders per measured run (default 5000)")
                     ->check(cli::whole_number(1))
                     ->type_name("N");
  auto* window = app.add_option("--window", o.window,
                                "orders in flight in the throughput phase (default 100; latency is W=1)")
                     ->check(cli::whole_number(1))
                     ->type_name("W");
  auto* repetitions = app.add_option("--repetitions", o.repetitions, "interleaved repetitions, medians reported (default 5)")
                          ->check(cli::whole_number(1))
                          ->type_name("R");
  auto* warmup = app.add_option("--warmup", o.warmup, "orders discarded before each target's first run (default 500)")
                     ->check(cli::whole_number(0))
                     ->type_name("N");
  std::string sync;
  app.add_option("--sync", sync,
                 "fixgate journal sync for both phases (default: latency with none, throughput with batch)")
      ->check(CLI::IsMember({"none", "batch", "every"}));
  // postgres: the daemon reads the DSN from FIXGATE_PG_DSN, which the bench's children inherit
  // (tools/bench/pg_e2e.sh starts a throwaway cluster and sets it).
  app.add_option("--backend", o.backend, "fixgate journal backend: file (default) or postgres (needs FIXGATE_PG_DSN)")
      ->check(CLI::IsMember({"file", "postgres"}));
  std::string only;
  app.add_option("--only", only, "one phase only (default both)")
      ->check(CLI::IsMember({"latency", "throughput"}));
  bool no_baseline = false;
  app.add_flag("--no-baseline", no_baseline, "measure fixgate only (no ratios)");
  app.add_option("--json", o.json_path, "write every figure and every repetition as JSON")->type_name("FILE");
  app.add_flag("--quick", o.quick, "tiny runs (smoke test): 200 orders, W=20, 1 repetition, no warm-up");
  app.add_flag("--keep", o.keep, "keep the work directory (child logs, journals) and print its path");
  app.add_option("--work-dir", o.work_base, "parent of the temporary work directory (default $TMPDIR or /tmp)")
      ->type_name("DIR");
  app.add_option("--fixgate", o.fixgate_bin, "fixgate binary (default $FIXGATE_BIN, else the one built alongside)")
      ->type_name("PATH");
  app.add_option("--simulator", o.simulator_bin,
                 "fixgate-simulator binary (default $SIMULATOR_BIN, else built alongside)")
      ->type_name("PATH");
  app.add_option("--spec-dir", o.spec_dir, "FIX data dictionaries (default: found like fixgate's, docs/OPERATIONS.md)")->type_name("DIR");
  if (auto done = cli::parse(app, argc, argv)) return std::unexpected(*done);
  if (!sync.empty()) o.latency_sync = o.throughput_sync = sync;
  if (!only.empty()) o.phases = only == "latency" ? Phases::latency : Phases::throughput;
  o.baseline = !no_baseline;
  // --quick sets small sizes, but explicit numbers still win.
  if (o.quick) {
    if (orders->count() == 0) o.orders = 200;
    if (window->count() == 0) o.window = 20;
    if (repetitions->count() == 0) o.repetitions = 1;
    if (warmup->count() == 0) o.warmup = 0;
  }
  return o;
}

}  // namespace fixgate::bench
