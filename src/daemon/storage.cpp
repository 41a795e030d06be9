// SPDX-License-Identifier: Apache-2.0
// Opening the journal, standing by, and session ownership (see storage.hpp).

#include "storage.hpp"

#include <cstdlib>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/core/log_fields.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/postgres.hpp"

namespace fixgate::daemon {
namespace {

journal::SyncPolicy to_journal(config::SyncPolicy policy) {
  switch (policy) {
    case config::SyncPolicy::every: return journal::SyncPolicy::every;
    case config::SyncPolicy::none: return journal::SyncPolicy::none;
    case config::SyncPolicy::batch: break;
  }
  return journal::SyncPolicy::batch;
}

OpenResult open_file(const config::Config& config, StoreHooks hooks) {
  journal::Options options;
  options.dir = config.journal.path;
  options.sync = to_journal(config.journal.sync);
  options.segment_bytes = config.journal.segment_bytes;
  options.on_durable = std::move(hooks.on_durable);
  options.on_failure = std::move(hooks.on_failure);
  // Archives, sidecar indexes and signatures are background work: a failure is logged, not fatal.
  if (const auto& a = config.journal.archive) {
    options.archive = journal::ArchiveOptions{a->dir, std::chrono::seconds(a->after_seconds), static_cast<int>(a->level)};
  }
  options.signing_key = config.journal.signing_key_file;
  options.signatures_dir = config.journal.signatures_dir;
  options.on_problem = [](const std::string& problem) { spdlog::warn("{}", problem); };
  auto opened = journal::Journal::open(options);
  if (!opened) {
    spdlog::critical("cannot open journal {}: {}", config.journal.path, opened.error().to_string());
    return {nullptr, cli::exit_storage_fault};
  }
  spdlog::info("{}", (*opened)->recovery().to_string());
  auto storage = std::make_unique<Storage>();
  storage->journal = std::move(*opened);
  return {std::move(storage), 0};
}

OpenResult open_postgres(const config::Config& config, StoreHooks hooks, const std::function<bool()>& stop) {
  const char* dsn_env = std::getenv(config.journal.dsn_env.c_str());
  if (dsn_env == nullptr || *dsn_env == '\0') {
    spdlog::critical("journal.backend postgres: environment variable {} is not set", config.journal.dsn_env);
    return {nullptr, cli::exit_storage_fault};
  }
  const std::string dsn = dsn_env;  // never logged
  // The journal is named after the instance: instances with the same name share one journal and
  // take over from each other; one of them writes at a time.
  const std::string name = config.instance;
  journal::PgOptions options;
  options.dsn = dsn;
  options.name = name;
  options.lock_wait = std::chrono::milliseconds(500);
  options.on_durable = hooks.on_durable;
  options.on_failure = hooks.on_failure;
  options.on_connection = [name](bool up, const std::string& text) {
    if (up) {
      spdlog::info("journal postgres:{}: database connection back", name);
    } else {
      spdlog::error("journal postgres:{}: database connection lost, buffering: {}", name, text);
    }
  };
  bool said_standby = false;
  std::unique_ptr<journal::PgJournal> pg;
  for (;;) {
    auto opened = journal::PgJournal::open(options);
    if (opened) {
      pg = std::move(*opened);
      break;
    }
    const auto& error = opened.error();
    if (error.kind != journal::ErrorKind::locked && error.kind != journal::ErrorKind::io_error) {
      spdlog::critical("cannot open journal postgres:{}: {}", name, error.to_string());
      return {nullptr, cli::exit_storage_fault};
    }
    if (!said_standby) {
      if (error.kind == journal::ErrorKind::locked) {
        spdlog::info("standby: waiting for journal {} (another instance owns it)", name);
      } else {
        spdlog::warn("standby: waiting for journal {}: {}", name, error.to_string());
      }
      said_standby = true;
    }
    if (stop()) return {nullptr, 0};
    if (error.kind != journal::ErrorKind::locked) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  spdlog::info("journal {}: owned by this instance; {}", name, pg->recovery().to_string());
  auto storage = std::make_unique<Storage>();
  storage->journal = std::move(pg);

  // Then every enabled FIX session: only its owner may log it on. The previous owner's locks go
  // with its connections; until the server has noticed a dead one, wait here.
  for (const auto& session : config.sessions) {
    if (!session.enabled) continue;
    const LogScope about({.session = session.name});
    auto lock = journal::SessionLock::open(dsn, session.name);
    if (!lock) {
      spdlog::critical("session {}: cannot open its lock connection: {}", session.name, lock.error().to_string());
      return {nullptr, cli::exit_storage_fault};
    }
    bool said = false;
    for (;;) {
      auto owned = (*lock)->acquire(std::chrono::milliseconds(1000), std::chrono::milliseconds(100),
                                    [&] { return !stop(); });
      if (owned && *owned) break;
      if (!owned) {
        spdlog::critical("session {}: cannot take its lock: {}", session.name, owned.error().to_string());
        return {nullptr, cli::exit_storage_fault};
      }
      if (stop()) return {nullptr, 0};
      if (!said) spdlog::info("standby: waiting for session {} (another instance owns it)", session.name);
      said = true;
    }
    spdlog::info("session {}: owned by this instance (lock backend pid {})", session.name, (*lock)->backend_pid());
    storage->session_locks.push_back(std::move(*lock));
  }
  return {std::move(storage), 0};
}

}  // namespace

void Storage::watch(const std::function<void(const std::string& session)>& on_lost) {
  for (auto& lock : session_locks) {
    const std::string session = lock->session();
    lock->watch(std::chrono::milliseconds(200), [on_lost, session] { on_lost(session); });
  }
}

OpenResult open_storage(const config::Config& config, StoreHooks hooks, const std::function<bool()>& stop) {
  bool stopped = false;  // a stop request is consumed when seen: remember it
  auto stopping = [&] { return stopped || (stopped = stop()); };
  if (config.journal.backend == config::JournalBackend::postgres) return open_postgres(config, std::move(hooks), stopping);
  return open_file(config, std::move(hooks));
}

bool stop_requested() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  const timespec zero{0, 0};
  return sigtimedwait(&set, nullptr, &zero) > 0;
}

}  // namespace fixgate::daemon
