#include "fixgate/ops/health.hpp"

namespace fixgate::ops {

HttpResponse liveness() { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; }

HttpResponse readiness(const ReadinessInput& input) {
  std::string failures;
  std::string notes;
  if (!input.journal_recovered) failures += "journal: not recovered yet\n";
  if (input.journal_failed) failures += "journal: storage fault\n";
  if (!input.journal_connected) {
    failures += "journal: database unreachable, records wait and nothing new is acknowledged\n";
  }
  if (input.stopping) failures += "process: shutting down\n";
  for (const auto& session : input.sessions) {
    if (!session.enabled) {
      notes += "session " + session.name + ": disabled\n";
    } else if (!session.in_schedule) {
      notes += "session " + session.name + ": outside its schedule\n";
    } else if (!session.logged_on) {
      failures += "session " + session.name + ": enabled and inside its schedule but not logged on\n";
    } else {
      notes += "session " + session.name + ": logged on\n";
    }
  }
  if (failures.empty()) return HttpResponse{200, "text/plain; charset=utf-8", "ready\n" + notes};
  return HttpResponse{503, "text/plain; charset=utf-8", "not ready\n" + failures + notes};
}

}  // namespace fixgate::ops
