// SPDX-License-Identifier: Apache-2.0
#pragma once
// The daemon's operations side: one metrics registry fed from the engine, the journal, the FIX
// sessions and the upstream gateway; the ops HTTP server (/metrics, /healthz, /readyz) when
// `ops.http` is configured; and the once-a-second schedule pass that logs scheduled sessions on
// and out and resets their sequence numbers when a new reset period began.
//
// Lifetime: construct after the engine, the journal, the session manager and the gateway exist;
// stop() (or the destructor) before any of them is destroyed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fixgate/config/config.hpp"
#include "fixgate/engine/engine.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/gateway/server.hpp"
#include "fixgate/journal/store.hpp"
#include "fixgate/ops/health.hpp"
#include "fixgate/ops/http_server.hpp"
#include "fixgate/ops/metrics.hpp"
#include "fixgate/ops/schedule.hpp"

namespace fixgate::daemon {

struct OpsSources {
  const config::Config& config;
  engine::Engine& engine;
  journal::Store& journal;
  fix::SessionManager& sessions;
  gateway::Server& gateway;
};

class OpsRuntime {
 public:
  /// Builds the schedules (loading their zones) and registers every metric. Throws
  /// std::runtime_error naming the session when a schedule cannot be built.
  explicit OpsRuntime(OpsSources sources);
  ~OpsRuntime();
  OpsRuntime(const OpsRuntime&) = delete;
  OpsRuntime& operator=(const OpsRuntime&) = delete;

  /// One schedule pass now, on the calling thread: call before SessionManager::start() so a
  /// session outside its schedule never connects.
  void apply_schedules();
  /// Serves ops.http (logs "ops http listening on HOST:PORT"; throws std::runtime_error when the
  /// bind fails) and starts the schedule thread. Marks the journal recovered: call once the
  /// engine has replayed it and runs.
  void start();
  /// SIGTERM: /readyz answers 503 "process: shutting down" from now on.
  void set_stopping() { stopping_.store(true, std::memory_order_relaxed); }
  /// Stops the schedule thread and the HTTP server; idempotent.
  void stop();

  const ops::Registry& registry() const { return registry_; }
  ops::ReadinessInput readiness_input();

 private:
  void register_metrics();
  void schedule_loop();
  std::optional<fix::SessionManager::State> state_of(const std::string& session) const;
  bool in_schedule(const std::string& session, ops::Instant now) const;

  OpsSources src_;
  std::map<std::string, ops::Schedule> schedules_;
  ops::Registry registry_;
  std::unique_ptr<ops::HttpServer> http_;
  std::atomic<bool> recovered_{false};
  // Readiness fails when records wait and nothing becomes durable for this long.
  std::mutex durability_mutex_;
  ops::DurabilityWatch durability_{std::chrono::seconds(5)};
  std::atomic<bool> stopping_{false};

  // Schedule thread state (apply_schedules runs under schedule_mutex_).
  std::mutex schedule_mutex_;
  std::condition_variable schedule_cv_;
  bool schedule_stop_ = false;
  std::thread schedule_thread_;
  std::map<std::string, bool> seen_logged_on_;
  std::map<std::string, ops::Instant> last_logon_;
  std::map<std::string, ops::Counter*> seq_resets_;
};

}  // namespace fixgate::daemon
