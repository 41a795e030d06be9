// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where the daemon keeps its state: opens the configured journal (file or PostgreSQL), waits as a
// standby while another instance owns a PostgreSQL journal, and takes the session locks that
// allow this instance, and no other, to log each FIX session on (docs/POSTGRES.md).

#include <signal.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/ownership.hpp"
#include "fixgate/journal/store.hpp"

namespace fixgate::daemon {

/// What the journal tells the daemon, on the journal's writer thread (keep it short).
struct StoreHooks {
  std::function<void(std::uint64_t seq)> on_durable;
  std::function<void(const journal::Error& error)> on_failure;
};

/// The open journal, and for PostgreSQL the ownership of every enabled FIX session.
struct Storage {
  std::unique_ptr<journal::Store> journal;
  std::vector<std::unique_ptr<journal::SessionLock>> session_locks;  // empty for the file journal
  /// Watches every session lock; `on_lost(session)` runs once on a watcher thread when one is gone.
  void watch(const std::function<void(const std::string& session)>& on_lost);
};

/// Opens the configured journal; with `journal.backend: postgres` also waits (standby) until
/// this instance owns the journal and then every enabled session. Checks `stop` (SIGTERM/SIGINT
/// pending) while it waits. Returns the exit code to use when it cannot go on (0: stopped while
/// standing by, 3: storage error), else the storage.
struct OpenResult {
  std::unique_ptr<Storage> storage;
  int exit_code = 0;
};
OpenResult open_storage(const config::Config& config, StoreHooks hooks, const std::function<bool()>& stop);

/// True when SIGTERM or SIGINT is pending (blocked signals); consumes it.
bool stop_requested();

}  // namespace fixgate::daemon
