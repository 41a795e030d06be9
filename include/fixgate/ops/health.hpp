// SPDX-License-Identifier: Apache-2.0
#pragma once
// /healthz and /readyz as pure functions of a snapshot the daemon assembles.
//
// /healthz: the process is alive and its io thread answers: always 200 "ok".
// /readyz: 200 "ready" when the journal has been recovered, the process is not shutting down,
// and every session that should be up now (enabled and inside its schedule) is logged on;
// otherwise 503 "not ready" followed by one line per failing condition, so an operator reading
// the probe output sees why.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fixgate/ops/http_server.hpp"

namespace fixgate::ops {

struct SessionReadiness {
  std::string name;
  bool enabled = true;
  bool in_schedule = true;  ///< Schedule::active(now); true for a session without a schedule
  bool logged_on = false;
  std::string last_error;       ///< the counterparty's last refusal of a logon; may be empty
  bool needs_operator = false;  ///< stopped reconnecting until an operator's set-seq and logon
};

struct ReadinessInput {
  bool journal_recovered = false;
  bool journal_failed = false;  ///< the journal reported a storage fault (Options::on_failure)
  bool journal_connected = true;  ///< storage reachable (false: PostgreSQL connection lost, records wait)
  /// Set when records have waited this long with nothing becoming durable (DurabilityWatch).
  std::optional<std::chrono::seconds> journal_stalled_for;
  std::uint64_t journal_waiting = 0;  ///< records appended but not durable, for the message
  bool stopping = false;    ///< SIGTERM received: drain, take no new traffic
  std::vector<SessionReadiness> sessions;
};

/// Tells whether the journal's durable mark is stuck: records wait and none has become durable
/// for longer than the limit (a disk that hangs, a database that takes writes but never commits).
/// Feed it the journal's marks at each check; not thread-safe (the caller serialises).
class DurabilityWatch {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DurabilityWatch(std::chrono::milliseconds limit) : limit_(limit) {}

  /// How long nothing has become durable while records waited, once that passes the limit;
  /// nullopt otherwise. `last` is read before `durable` (so durable <= last when nothing races).
  std::optional<std::chrono::seconds> observe(Clock::time_point now, std::uint64_t last, std::uint64_t durable);

 private:
  std::chrono::milliseconds limit_;
  std::optional<Clock::time_point> stuck_since_;  ///< when `durable_` was first seen with records waiting
  std::uint64_t durable_ = 0;
};

/// 200, "ok\n".
HttpResponse liveness();

/// 200 "ready\n" plus one line per session that is expected up ("session LSE: logged on"), or 503
/// "not ready\n" plus a line per failing condition, e.g. "journal: not recovered yet",
/// "journal: storage fault", "journal: database unreachable, ...", "process: shutting down",
/// "session LSE: enabled and inside its schedule but not logged on". Sessions that are disabled or
/// outside their schedule are listed as such and never make it fail.
HttpResponse readiness(const ReadinessInput& input);

}  // namespace fixgate::ops
