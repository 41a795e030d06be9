// SPDX-License-Identifier: Apache-2.0
// fixgate-micro-bench's entry point: the command line every fixgate program has (--help, --version,
// a bad argument named with exit 2), with Google Benchmark's own --benchmark_* flags passed through.

#include <iostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/cli/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  fixgate::cli::configure(app, "fixgate-micro-bench");
  app.description("Google Benchmark runs of fixgate's pure parts (order book, risk, journal, FIX, gateway, ops).");
  app.footer("Google Benchmark's flags pass through, in the --flag=value form: --benchmark_filter=REGEX, "
             "--benchmark_repetitions=N, --benchmark_min_time=SECONDS, --benchmark_format=console|json|csv, "
             "--benchmark_out=FILE, --benchmark_out_format=json|console|csv, --benchmark_list_tests.\n"
             "Exit codes: 0 measured, 2 usage (docs/CLI.md).");
  app.allow_extras();
  if (auto done = fixgate::cli::parse(app, argc, argv)) return *done;
  std::vector<std::string> passed{argv[0]};
  for (const auto& extra : app.remaining()) {
    if (!extra.starts_with("--benchmark_")) {
      std::cerr << "fixgate-micro-bench: unknown argument \"" << extra << "\"\n"
                << "run `fixgate-micro-bench --help` for the options\n";
      return fixgate::cli::exit_usage;
    }
    passed.push_back(extra);
  }
  std::vector<char*> benchmark_argv;
  for (auto& word : passed) benchmark_argv.push_back(word.data());
  int benchmark_argc = static_cast<int>(benchmark_argv.size());
  benchmark::Initialize(&benchmark_argc, benchmark_argv.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_argv.data())) return fixgate::cli::exit_usage;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return fixgate::cli::exit_ok;
}
