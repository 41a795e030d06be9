// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/health.hpp"

namespace fixgate::ops {

std::optional<std::chrono::seconds> DurabilityWatch::observe(Clock::time_point now, std::uint64_t last,
                                                            std::uint64_t durable) {
  if (durable >= last || durable != durable_ || !stuck_since_) {
    // Nothing waits, or the mark moved: start over from here.
    durable_ = durable;
    stuck_since_ = durable >= last ? std::nullopt : std::optional(now);
    return std::nullopt;
  }
  const auto stuck = now - *stuck_since_;
  if (stuck <= limit_) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(stuck);
}

HttpResponse liveness() { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; }

HttpResponse readiness(const ReadinessInput& input) {
  std::string failures;
  std::string notes;
  if (!input.journal_recovered) failures += "journal: not recovered yet\n";
  if (input.journal_failed) failures += "journal: storage fault\n";
  if (!input.journal_connected) {
    failures += "journal: database unreachable, records wait and nothing new is acknowledged\n";
  } else if (input.journal_stalled_for) {
    failures += "journal: nothing made durable for " + std::to_string(input.journal_stalled_for->count()) + " s while " +
                std::to_string(input.journal_waiting) + " records wait\n";
  }
  if (input.stopping) failures += "process: shutting down\n";
  for (const auto& session : input.sessions) {
    const std::string why = session.last_error.empty() ? "" : " (counterparty: " + session.last_error + ")";
    if (session.needs_operator) {
      failures += "session " + session.name + ": needs an operator (set-seq, then logon)" + why + "\n";
    } else if (!session.enabled) {
      notes += "session " + session.name + ": disabled\n";
    } else if (!session.in_schedule) {
      notes += "session " + session.name + ": outside its schedule\n";
    } else if (!session.logged_on) {
      failures += "session " + session.name + ": enabled and inside its schedule but not logged on" + why + "\n";
    } else {
      notes += "session " + session.name + ": logged on\n";
    }
  }
  if (failures.empty()) return HttpResponse{200, "text/plain; charset=utf-8", "ready\n" + notes};
  return HttpResponse{503, "text/plain; charset=utf-8", "not ready\n" + failures + notes};
}

}  // namespace fixgate::ops
