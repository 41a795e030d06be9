// Operators' views and commands: the FIX sessions' state, logging a session on or off, setting
// its sequence numbers, reloading limits and routes. Commands are journaled (who, why) before they
// act; their effects journal themselves (Logon/Logout messages, seq_change records, the policy),
// so a replay does nothing for them here and answers are direct, not stream events.

#include <spdlog/spdlog.h>

#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {

bool Engine::require_admin(const gateway::Inbound& inbound) {
  if (admin(inbound.client)) return true;
  answer(inbound, gateway::Error{.code = "not_entitled", .text = "client " + inbound.client + " is not an admin client"});
  return false;
}

void Engine::on_sessions(const gateway::Inbound& inbound) {
  if (replaying_ || !require_admin(inbound)) return;
  gateway::SessionList list;
  if (outputs_.session_states) list.sessions = outputs_.session_states();
  answer(inbound, std::move(list));
}

void Engine::on_session_command(const gateway::Inbound& inbound, const gateway::SessionCommand& request) {
  if (replaying_ || !require_admin(inbound)) return;
  if (!session_up_.contains(request.session)) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "session",
                                          .text = "no session named " + request.session});
  }
  const std::string action = request.action == gateway::SessionAction::logon    ? "logon"
                             : request.action == gateway::SessionAction::logout ? "logout"
                                                                                : "set_seq";
  if (!outputs_.session_command) {
    return answer(inbound, gateway::Error{.code = "internal_error", .text = "session commands are not available"});
  }
  if (auto done = outputs_.session_command(request); !done) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "session", .text = done.error()});
  }
  spdlog::warn("session {}: {} by {}: {}", request.session, action, inbound.client, request.reason);
  answer(inbound, gateway::SessionCommandDone{request.session, action, request.next_sender_seq, request.next_target_seq,
                                              inbound.client, request.reason});
}

void Engine::on_reload(const gateway::Inbound& inbound, const gateway::ReloadPolicy& request, Timestamp now) {
  if (replaying_ || !require_admin(inbound)) return;
  if (!outputs_.load_policy) {
    return answer(inbound, gateway::Error{.code = "internal_error", .text = "reload is not available"});
  }
  auto policy = outputs_.load_policy();
  if (!policy) return answer(inbound, gateway::Error{.code = "invalid_value", .field = "reason", .text = policy.error()});
  const bool changed = config::to_json(*policy) != config_policy_json_;
  take_policy(*policy, now);
  spdlog::warn("risk limits and routes reloaded by {} ({}): {}", inbound.client, changed ? "changed" : "unchanged",
               request.reason);
  answer(inbound, gateway::PolicyReloaded{changed, inbound.client, request.reason});
}

}  // namespace fixgate::engine
