// SPDX-License-Identifier: Apache-2.0
// fixgate: the daemon. Loads and validates the config (before touching any socket), opens and
// recovers the journal, replays it into the engine, then starts the upstream gateway and the FIX
// sessions. SIGTERM/SIGINT: stop taking requests, log every session out, drain, sync, exit 0.

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/config/config.hpp"
#include "fixgate/config/policy.hpp"
#include "fixgate/core/log_fields.hpp"
#include "fixgate/engine/engine.hpp"
#include "fixgate/fix/journal_store.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/gateway/server.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/ops/logging.hpp"
#include "check.hpp"
#include "ops_wiring.hpp"
#include "storage.hpp"

namespace {

struct Options {
  std::string config_path;
  bool check_only = false;
  std::optional<fixgate::config::LogFormat> log_format;
};

/// Declares the daemon's options on `app`, to be read into `options` once parsed.
void declare_options(CLI::App& app, Options& options, std::string& log_format) {
  app.description("The FIX order-routing engine: validates upstream orders, checks risk, routes them to FIX "
                  "sessions and journals every message first.");
  app.add_option("--config", options.config_path, "YAML configuration (see docs/CONFIG.md)")
      ->required()
      ->type_name("FILE");
  app.add_flag("--check", options.check_only,
               "validate the configuration, the paths it names and the listeners it exposes, and exit "
               "(0: valid, 2: invalid)");
  app.add_option("--log-format", log_format, "override logging.format")
      ->check(CLI::IsMember({"text", "json"}));
  app.footer("Exit codes: 0 stopped cleanly, 1 fatal error, 2 invalid configuration or arguments, 3 journal "
             "storage fault, 5 ownership lost to another instance (docs/CLI.md).");
}

fixgate::Timestamp wall_clock() {
  return {std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

/// The file's limits and routes, read again (SIGHUP, admin `reload`); the rest of the file needs a
/// restart and is only validated.
std::expected<fixgate::config::Policy, std::string> load_policy(const std::string& path) {
  auto loaded = fixgate::config::load_file(path);
  if (!loaded) return std::unexpected("reload refused, nothing changed: " + loaded.error().to_string());
  return fixgate::config::Policy{loaded->risk, loaded->routes};
}

/// Blocks SIGTERM/SIGINT/SIGHUP/SIGUSR1 in every thread (call before starting any); run() waits for them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);   // reload: limits and routes from the file
  sigaddset(&set, SIGUSR1);  // reopen the log file (logrotate)
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int run(const fixgate::config::Config& config) {
  using namespace fixgate;
  const sigset_t stop_signals = block_stop_signals();

  // The file journal, or the PostgreSQL journal and the session locks: a standby instance waits
  // in open_storage until it owns them (src/daemon/storage.cpp).
  std::atomic<engine::Engine*> engine_ptr{nullptr};
  // "ready" (taking requests) and "all sessions up" are two facts, each logged when it holds;
  // declared before the sessions, whose callback counts them, so they outlive it.
  std::size_t enabled_sessions = 0;
  for (const auto& s : config.sessions) enabled_sessions += s.enabled ? 1 : 0;
  std::mutex sessions_up_mutex;
  std::set<std::string> sessions_up;
  // Set when another instance took the journal or a session over: the exit code then says so
  // (5), so an orchestrator restarts this one as a standby instead of treating it as finished.
  static std::atomic<bool> ownership_lost{false};
  daemon::StoreHooks hooks;
  hooks.on_durable = [&](std::uint64_t) {
    if (auto* e = engine_ptr.load(std::memory_order_acquire)) e->wake();
  };
  hooks.on_failure = [&](const journal::Error& error) {
    spdlog::critical("journal storage fault: {}", error.to_string());
    // `locked`: another instance has taken the journal over; this one must stop.
    if (error.kind == journal::ErrorKind::locked) {
      ownership_lost = true;
      kill(getpid(), SIGTERM);
    }
    if (auto* e = engine_ptr.load(std::memory_order_acquire)) e->wake();
  };
  auto storage = daemon::open_storage(config, std::move(hooks), daemon::stop_requested);
  if (!storage.storage) return storage.exit_code;
  journal::Store& journal = *storage.storage->journal;

  // Declared in this order so the sessions (whose QuickFIX initiators hold stores) go first.
  std::unique_ptr<fix::JournalStores> stores;
  std::unique_ptr<gateway::Server> gateway_server;
  std::unique_ptr<fix::SessionManager> sessions;
  engine::Outputs outputs;
  outputs.deliver = [&](gateway::Outbound out) { gateway_server->deliver(std::move(out)); };
  outputs.send = [&](const std::string& session, fix::Outbound message) {
    return sessions->try_send(session, std::move(message));
  };
  outputs.session_states = [&] {
    std::vector<gateway::SessionState> states;
    for (auto& s : sessions->states()) {
      states.push_back({s.name, s.enabled, s.logged_on, s.next_sender_seq, s.next_target_seq, s.last_error, s.needs_operator});
    }
    return states;
  };
  outputs.session_command = [&](const gateway::SessionCommand& c) -> std::expected<void, std::string> {
    switch (c.action) {
      case gateway::SessionAction::logon: return sessions->logon(c.session);
      case gateway::SessionAction::logout: return sessions->logout(c.session, c.reason);
      case gateway::SessionAction::set_seq: return sessions->set_sequence_numbers(c.session, c.next_sender_seq, c.next_target_seq);
    }
    return std::unexpected(std::string("unknown session command"));
  };
  outputs.load_policy = [&] { return load_policy(config.source); };
  std::map<std::string, config::FixVersion> versions;
  for (const auto& s : config.sessions) versions[s.name] = s.version;
  auto engine = std::make_unique<engine::Engine>(
      config, journal, outputs, wall_clock, [&](const std::string& session, const std::string& raw) {
        auto it = versions.find(session);
        return fix::decode(session, it == versions.end() ? config::FixVersion::fix44 : it->second, raw);
      });
  // One pass over the journal rebuilds both the engine and the FIX stores' sequence numbers.
  std::map<std::string, fix::StoreState> store_states;
  engine->recover([&](const journal::RecordView& record) { fix::fold_store_record(store_states, record); });
  stores = std::make_unique<fix::JournalStores>(journal, config.sessions, std::move(store_states),
                                                [] { return wall_clock().nanos; });

  fix::SessionCallbacks callbacks;
  callbacks.on_inbound = [&](const std::string& session, fix::Inbound message, std::string raw,
                             std::uint64_t journal_seq) {
    if (auto* e = engine_ptr.load(std::memory_order_acquire)) {
      e->post(engine::FixInput{session, std::move(message), std::move(raw), journal_seq});
    }
  };
  callbacks.on_session = [&](const std::string& session, bool up) {
    if (auto* e = engine_ptr.load(std::memory_order_acquire)) e->post(engine::SessionChange{session, up});
    std::lock_guard lock(sessions_up_mutex);
    const bool changed = up ? sessions_up.insert(session).second : sessions_up.erase(session) > 0;
    if (changed && up && sessions_up.size() == enabled_sessions) {
      spdlog::info("sessions up: all {} enabled session(s) logged on", enabled_sessions);
    }
  };
  callbacks.on_not_resent = [&](const std::string& session, const std::string& msg_type, const std::string& cl_ord_id) {
    if (auto* e = engine_ptr.load(std::memory_order_acquire)) e->post(engine::NotResent{session, msg_type, cl_ord_id});
  };
  try {
    sessions = std::make_unique<fix::SessionManager>(config.sessions, callbacks, stores.get(),
                                                     std::chrono::seconds(config.journal.stale_resend_seconds));
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return cli::exit_usage;
  }
  engine_ptr.store(engine.get(), std::memory_order_release);

  gateway_server = std::make_unique<gateway::Server>(config.upstream, [&](gateway::Inbound inbound) {
    engine_ptr.load(std::memory_order_acquire)->post(std::move(inbound));
  });
  try {
    gateway_server->start();  // logs each bound address
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return cli::exit_usage;
  }
  // Metrics, /healthz, /readyz (ops.http) and session schedules; stopped before what it reads.
  std::unique_ptr<daemon::OpsRuntime> ops_runtime;
  try {
    ops_runtime = std::make_unique<daemon::OpsRuntime>(
        daemon::OpsSources{config, *engine, journal, *sessions, *gateway_server});
    ops_runtime->apply_schedules();  // before sessions->start(): outside its schedule a session never connects
    ops_runtime->start();            // logs "ops http listening on HOST:PORT"
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return cli::exit_usage;
  }

  std::atomic<bool> stop{false};
  std::thread engine_thread([&] { engine->run(stop); });
  storage.storage->watch([](const std::string& session) {
    const LogScope about({.session = session});
    spdlog::critical("session {}: ownership lost (its lock is gone): logging out and stopping", session);
    ownership_lost = true;
    kill(getpid(), SIGTERM);
  });
  sessions->start();
  // Ready means taking requests; the sessions log on in their own time ("sessions up" above).
  spdlog::info("fixgate {} ready: taking requests; {} session(s) configured, {} enabled, logging on; journal {} (sync {})",
               config.instance, config.sessions.size(), enabled_sessions, journal.where(),
               config.journal.sync == config::SyncPolicy::batch ? "batch"
               : config.journal.sync == config::SyncPolicy::every ? "every" : "none");

  int signal_number = 0;
  for (;;) {
    siginfo_t info{};
    signal_number = sigwaitinfo(&stop_signals, &info);
    if (signal_number < 0) continue;  // EINTR
    if (signal_number == SIGUSR1) {
      // logrotate has moved the file: write to a new one under the configured name.
      if (auto reopened = ops::reopen_log_file(); !reopened) {
        spdlog::error("SIGUSR1: {}; still writing to the old file", reopened.error());
      } else if (*reopened) {
        spdlog::info("SIGUSR1: log file {} reopened", config.logging.file);
      }
      continue;
    }
    if (signal_number != SIGHUP) break;
    // Who sent it goes into the journal's audit trail (si_pid is 0 when the kernel cannot say).
    const std::string sender = info.si_pid > 0 ? fmt::format("pid {} (uid {})", info.si_pid, info.si_uid)
                                               : std::string("an unknown sender");
    auto policy = load_policy(config.source);
    // Posted before it is logged: whoever reads the line may rely on the reload being queued.
    engine::PolicyReload reload;
    reload.source = "SIGHUP from " + sender;
    if (!policy) {
      reload.refused = policy.error();
      engine->post(std::move(reload));  // journals the refusal
      spdlog::error("SIGHUP: {} (sent by {})", policy.error(), sender);
      continue;
    }
    reload.policy = std::move(*policy);
    engine->post(std::move(reload));
    spdlog::info("SIGHUP: reloading risk limits and routes from {} (sent by {})", config.source, sender);
  }
  spdlog::info("received {}, shutting down", strsignal(signal_number));
  ops_runtime->set_stopping();  // /readyz answers 503 from now on; schedules stop acting

  // Order matters: no new requests, then clean FIX logouts, then let the engine release what the
  // journal has made durable, then close the journal (final sync).
  gateway_server->stop();
  sessions->stop();
  stores->close_sessions();
  stop = true;
  engine->wake();
  engine_thread.join();
  ops_runtime->stop();
  engine_ptr.store(nullptr);
  const auto closed = journal.close();
  // Ownership first: a journal another instance took over also fails its close (`locked`), and
  // the orchestrator must see 5 (restart as a standby), not 3 (storage fault).
  if (ownership_lost) {
    spdlog::warn("fixgate stopped after losing ownership to another instance (exit 5)");
    return cli::exit_ownership_lost;
  }
  if (!closed) {
    spdlog::critical("journal close failed: {}", closed.error().to_string());
    return cli::exit_storage_fault;
  }
  spdlog::info("fixgate stopped cleanly");
  return cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fixgate::cli;
  CLI::App app;
  configure(app, "fixgate");
  Options options;
  std::string log_format;
  declare_options(app, options, log_format);
  if (auto done = parse(app, argc, argv)) return *done;
  if (!log_format.empty()) {
    options.log_format = log_format == "json" ? fixgate::config::LogFormat::json : fixgate::config::LogFormat::text;
  }
  auto loaded = fixgate::config::load_file(options.config_path);
  if (!loaded) {
    std::cerr << "fixgate: invalid configuration: " << loaded.error().to_string() << "\n";
    return exit_usage;
  }
  auto config = std::move(*loaded);
  if (options.log_format) config.logging.format = *options.log_format;
  if (options.check_only) {
    const auto report = fixgate::daemon::check_deployment(config);
    for (const auto& note : report.notes) std::cout << note << "\n";
    for (const auto& problem : report.problems) std::cerr << "fixgate: " << problem << "\n";
    if (!report.problems.empty()) return exit_usage;
    std::cout << "configuration " << options.config_path << " is valid\n";
    return exit_ok;
  }
  try {
    fixgate::ops::setup_logging(config.logging);
    return run(config);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return exit_failure;
  }
}
