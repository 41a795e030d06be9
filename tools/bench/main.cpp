// SPDX-License-Identifier: Apache-2.0
// fixgate-bench: every performance number of fixgate comes from here (docs/PERFORMANCE.md).
// One invocation starts the simulator, a bare QuickFIX initiator per store kind (in this process)
// and fixgate, then runs the same orders through each, interleaved repetition by repetition, so a
// noisy machine weighs on fixgate and its baseline alike.

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "fixgate/cli/exit_codes.hpp"
#include "child.hpp"
#include "machine.hpp"
#include "options.hpp"
#include "quickfix_driver.hpp"
#include "report.hpp"
#include "upstream_driver.hpp"

namespace fixgate::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* token_env = "FIXGATE_BENCH_TOKEN";
constexpr const char* client_name = "bench";

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string comp_id_for(const std::string& sync) {
  std::string id = "FG_";
  for (char c : sync) id += static_cast<char>(c - 'a' + 'A');
  return id;
}

std::uint16_t port_from(const std::string& text) {
  const auto colon = text.rfind(':');
  const int port = std::atoi(text.c_str() + (colon == std::string::npos ? 0 : colon + 1));
  if (port <= 0 || port > 65535) throw BenchError("cannot read a port from '" + text + "'");
  return static_cast<std::uint16_t>(port);
}

/// A running fixgate with its journal policy, and the bench's upstream connection to it.
struct Fixgate {
  std::string sync;
  std::unique_ptr<Child> process;
  std::unique_ptr<UpstreamDriver> client;
};

/// The exchange simulator and both baselines, shared by every phase.
class Bench {
 public:
  Bench(const Options& options, std::string work_dir) : o_(options), work_(std::move(work_dir)) {
    token_ = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns());
  }

  Report run() {
    Report report;
    report.machine = describe_machine(work_);
    report.started_utc = utc_now_iso();
    report.orders = o_.orders;
    report.window = o_.window;
    report.repetitions = o_.repetitions;
    report.warmup = o_.warmup;
    report.latency_sync = o_.phases == Phases::throughput ? "" : o_.latency_sync;
    report.throughput_sync = o_.phases == Phases::latency ? "" : o_.throughput_sync;
    report.backend = o_.backend;

    std::vector<std::string> syncs;
    if (o_.phases != Phases::throughput) syncs.push_back(o_.latency_sync);
    if (o_.phases != Phases::latency && (syncs.empty() || syncs.front() != o_.throughput_sync)) {
      syncs.push_back(o_.throughput_sync);
    }
    start_simulator(syncs);
    if (o_.baseline) {
      std::cout << "starting bare QuickFIX initiators (FileStore, MemoryStore)" << std::endl;
      file_ = std::make_unique<QuickfixDriver>(StoreKind::file, "BENCHQF", sim_port_, o_.spec_dir, work_);
      memory_ = std::make_unique<QuickfixDriver>(StoreKind::memory, "BENCHQM", sim_port_, o_.spec_dir, work_);
    }
    Fixgate fixgate;
    if (o_.phases != Phases::throughput) {
      fixgate = start_fixgate(o_.latency_sync);
      run_phase("latency", 1, fixgate, report);
    }
    if (o_.phases != Phases::latency) {
      if (fixgate.sync != o_.throughput_sync) {
        stop_fixgate(fixgate);
        fixgate = start_fixgate(o_.throughput_sync);
      }
      run_phase("throughput", o_.window, fixgate, report);
    }
    stop_fixgate(fixgate);
    file_.reset();
    memory_.reset();
    simulator_->stop();
    return report;
  }

 private:
  void start_simulator(const std::vector<std::string>& syncs) {
    std::vector<std::string> args = {o_.simulator_bin, "--listen", "127.0.0.1:0", "--dictionary-dir", o_.spec_dir,
                                     "--store-dir", work_ + "/simulator-store", "--fill", "full"};
    for (const auto& sync : syncs) args.insert(args.end(), {"--session", "FIX.4.4:" + comp_id_for(sync)});
    args.insert(args.end(), {"--session", "FIX.4.4:BENCHQF", "--session", "FIX.4.4:BENCHQM"});
    simulator_ = std::make_unique<Child>("fixgate-simulator", args, std::vector<std::string>{},
                                         work_ + "/simulator.out", work_ + "/simulator.log");
    sim_port_ = port_from(simulator_->wait_for("listening ", true, std::chrono::seconds(10)));
    std::cout << "simulator listening on 127.0.0.1:" << sim_port_ << std::endl;
  }

  std::string write_config(const std::string& sync) {
    const std::string path = work_ + "/fixgate-" + sync + ".yaml";
    std::ofstream f(path);
    f << "instance: bench-" << sync << "\n"
      << "logging: {level: info, format: text}\n"
      << "journal:\n"
      << "  backend: " << o_.backend << "\n"
      << "  path: " << work_ << "/journal-" << sync << "\n"
      << "  sync: " << sync << "\n"
      << "upstream:\n"
      << "  tcp: [\"127.0.0.1:0\"]\n"
      // The default per-client limit (10,000/s) would cap the throughput phase, not fixgate.
      << "  max_requests_per_second: 10000000\n"
      << "  clients:\n"
      << "    - {name: " << client_name << ", token_env: " << token_env << ", accounts: [" << order_content::account
      << "], role: trader}\n"
      << "sessions:\n"
      << "  - name: SIM\n"
      << "    fix_version: \"4.4\"\n"
      << "    sender_comp_id: " << comp_id_for(sync) << "\n"
      << "    target_comp_id: SIM\n"
      << "    connect: 127.0.0.1:" << sim_port_ << "\n"
      << "    heartbeat_seconds: 30\n"
      << "    reconnect_seconds: 1\n"
      << "    data_dictionary: " << o_.spec_dir << "/FIX44.xml\n"
      << "routes:\n"
      << "  - {sessions: [SIM]}\n";
    if (!f) throw BenchError("cannot write " + path);
    return path;
  }

  Fixgate start_fixgate(const std::string& sync) {
    Fixgate g;
    g.sync = sync;
    const std::string config = write_config(sync);
    g.process = std::make_unique<Child>("fixgate", std::vector<std::string>{o_.fixgate_bin, "--config", config},
                                        std::vector<std::string>{std::string(token_env) + "=" + token_},
                                        work_ + "/fixgate-" + sync + ".out", work_ + "/fixgate-" + sync + ".log");
    const auto port =
        port_from(g.process->wait_for("upstream listening on ", false, std::chrono::seconds(20)));
    g.process->wait_for("session SIM logged on", false, std::chrono::seconds(20));
    g.client = std::make_unique<UpstreamDriver>(port, client_name, token_);
    std::cout << "fixgate (journal sync " << sync << ") logged on, upstream 127.0.0.1:" << port << std::endl;
    return g;
  }

  void stop_fixgate(Fixgate& g) {
    if (!g.process) return;
    g.client.reset();
    const int status = g.process->stop(std::chrono::seconds(20));
    if (status != 0) std::cerr << "fixgate-bench: warning: fixgate exited with status " << status << "\n";
    g.process.reset();
  }

  /// CPU seconds so far of each process that does work in a run of `target`.
  std::map<std::string, double> cpu_sample(const std::string& target, const Fixgate& g) const {
    std::map<std::string, double> cpu;
    if (target == "fixgate") cpu["fixgate"] = cpu_seconds(g.process->pid());
    cpu["simulator"] = cpu_seconds(simulator_->pid());
    cpu["client"] = cpu_seconds(::getpid());
    return cpu;
  }

  DriverOutcome drive(const std::string& target, Fixgate& g, const RunSpec& spec) {
    if (target == "fixgate") return g.client->run(spec);
    return (target == "quickfix-file" ? file_ : memory_)->run(spec);
  }

  void run_phase(const std::string& phase, std::size_t window, Fixgate& g, Report& report) {
    std::vector<std::string> order = {"fixgate"};
    if (o_.baseline) order.insert(order.end(), {"quickfix-file", "quickfix-memory"});
    const std::string tag = phase.substr(0, 3);
    if (o_.warmup > 0) {
      std::cout << phase << ": warm-up, " << o_.warmup << " orders per target" << std::endl;
      for (const auto& target : order) {
        (void)drive(target, g, RunSpec{tag + "w-", o_.warmup, window});
      }
    }
    for (std::size_t rep = 1; rep <= o_.repetitions; ++rep) {
      std::cout << phase << " " << rep << "/" << o_.repetitions << ":";
      // Rotate who goes first, so no target always runs right after another's burst.
      for (std::size_t k = 0; k < order.size(); ++k) {
        const std::string& target = order[(k + rep - 1) % order.size()];
        RunSpec spec{tag + std::to_string(rep) + "-", o_.orders, window};
        const auto before = cpu_sample(target, g);
        const auto outcome = drive(target, g, spec);
        // Let trailing work (journal writes of the last events) land in this run's account.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto after = cpu_sample(target, g);
        RunResult r;
        r.target = target;
        r.phase = phase;
        r.sync = target == "fixgate" ? g.sync : "";
        r.repetition = rep;
        r.orders = spec.orders;
        r.window = window;
        r.filled = outcome.filled;
        r.rejected = outcome.rejected;
        summarize(outcome.times, target == "fixgate", r);
        for (const auto& [name, seconds] : after) {
          r.cpu_us_per_order[name] = (seconds - before.at(name)) * 1e6 / static_cast<double>(spec.orders);
        }
        std::cout << "  " << target << " " << static_cast<long>(r.orders_per_second) << "/s p50 "
                  << static_cast<long>(r.fill.p50) << "us" << std::flush;
        report.runs.push_back(std::move(r));
      }
      std::cout << std::endl;
    }
  }

  const Options& o_;
  std::string work_;
  std::string token_;
  std::unique_ptr<Child> simulator_;
  std::uint16_t sim_port_ = 0;
  std::unique_ptr<QuickfixDriver> file_;
  std::unique_ptr<QuickfixDriver> memory_;
};

std::string make_work_dir(const std::string& base) {
  std::string pattern = (fs::path(base) / "fixgate-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw BenchError("cannot create a work directory under " + base);
  return pattern;
}

int run(const Options& options) {
  const std::string work = make_work_dir(options.work_base);
  bool ok = false;
  try {
    Report report = Bench(options, work).run();
    print_report(report, std::cout);
    if (!options.json_path.empty()) {
      if (!write_json(report, options.json_path)) throw BenchError("cannot write " + options.json_path);
      std::cout << "\nwrote " << options.json_path << "\n";
    }
    ok = true;
    for (const auto& r : report.runs) {
      if (r.filled != r.orders) {
        std::cerr << "fixgate-bench: " << r.target << " " << r.phase << " repetition " << r.repetition << ": "
                  << r.filled << " of " << r.orders << " orders filled, " << r.rejected << " rejected\n";
        ok = false;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "fixgate-bench: " << e.what() << "\n";
  }
  if (ok && !options.keep) {
    std::error_code ec;
    fs::remove_all(work, ec);
  } else {
    std::cerr << "fixgate-bench: work directory kept: " << work << "\n";
  }
  return ok ? cli::exit_ok : cli::exit_failure;
}

}  // namespace
}  // namespace fixgate::bench

int main(int argc, char** argv) {
  auto options = fixgate::bench::parse_options(argc, argv);
  if (!options) return options.error();
  return fixgate::bench::run(*options);
}
