// SPDX-License-Identifier: Apache-2.0
// Operators' views and commands: the FIX sessions' state, logging a session on or off, setting
// its sequence numbers, reloading limits and routes. Commands are journaled (who, why) before they
// act; their effects journal themselves (Logon/Logout messages, seq_change records, the policy),
// so a replay does nothing for them here and answers are direct, not stream events.
//
// The audit trail: every admin request's outcome (its first answer, a refusal included) and every
// reload from a signal (its source, outcome, and the limits and routes before and after) are
// journaled as `audit` engine events. A replay reads past them: what they record was decided by
// the request and policy records already.

#include <spdlog/spdlog.h>

#include "fixgate/engine/engine.hpp"
#include "fixgate/gateway/codec.hpp"

namespace fixgate::engine {
namespace {

/// The admin requests that change something (views are not audited).
bool audited(const gateway::Request& request) {
  return std::holds_alternative<gateway::KillSwitchRequest>(request) || std::holds_alternative<gateway::SetLimit>(request) ||
         std::holds_alternative<gateway::SessionCommand>(request) || std::holds_alternative<gateway::ReloadPolicy>(request);
}

/// The answers an admin request can end in.
bool admin_answer(const gateway::Event& event) {
  return std::holds_alternative<gateway::Error>(event) || std::holds_alternative<gateway::KillSwitchStatus>(event) ||
         std::holds_alternative<gateway::LimitChanged>(event) || std::holds_alternative<gateway::SessionCommandDone>(event) ||
         std::holds_alternative<gateway::PolicyReloaded>(event);
}

/// A JSON string literal of `text` (quotes, backslashes and control characters escaped).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[(c >> 4) & 0xF]);
      out.push_back(hex[c & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

/// `, "policy_before": {...}, "policy_after": {...}` when the policy changed, else nothing.
std::string policy_change(const std::string& before, const std::string& after) {
  if (before == after) return {};
  return ",\"policy_before\":" + before + ",\"policy_after\":" + after;
}

}  // namespace

bool Engine::require_admin(const gateway::Inbound& inbound) {
  if (admin(inbound.client)) return true;
  answer(inbound, gateway::Error{.code = "not_entitled", .text = "client " + inbound.client + " is not an admin client"});
  return false;
}

void Engine::begin_admin_audit(const gateway::Inbound& inbound) {
  if (replaying_ || !audited(inbound.request)) return;
  // record_input has just journaled the request: its record is the one the outcome answers.
  admin_audit_ = AdminAudit{last_appended_, inbound.client, config::to_json(policy_), false};
}

void Engine::end_admin_audit() { admin_audit_.reset(); }

std::uint64_t Engine::record_admin_outcome(const std::string& client, const gateway::Event& event) {
  if (replaying_ || !admin_audit_ || admin_audit_->recorded || client != admin_audit_->client || !admin_answer(event)) {
    return 0;
  }
  admin_audit_->recorded = true;
  std::string answer = gateway::encode_event({0, client, 0, "", event});
  if (!answer.empty() && answer.back() == '\n') answer.pop_back();
  const bool refused = std::holds_alternative<gateway::Error>(event);
  const std::string payload = "audit {\"request_seq\":" + std::to_string(admin_audit_->request_seq) +
                              ",\"outcome\":" + (refused ? "\"refused\"" : "\"done\"") + ",\"answer\":" + answer +
                              policy_change(admin_audit_->policy_before, config::to_json(policy_)) + "}";
  if (!record_input(journal::RecordKind::engine_event, client, payload, clock_(), nullptr)) return 0;
  return last_appended_;
}

void Engine::take_reload(const PolicyReload& reload, Timestamp now) {
  const std::string before = config::to_json(policy_);
  std::string outcome;
  if (reload.refused) {
    outcome = "\"refused\",\"error\":" + json_string(*reload.refused);
  } else {
    take_policy(reload.policy, now);
    outcome = before == config::to_json(policy_) ? "\"unchanged\"" : "\"changed\"";
  }
  if (replaying_) return;
  // Stream "signal": no upstream client sent it.
  record_input(journal::RecordKind::engine_event, "signal",
               "audit {\"action\":\"reload\",\"source\":" + json_string(reload.source) + ",\"outcome\":" + outcome +
                   policy_change(before, config::to_json(policy_)) + "}",
               now, nullptr);
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
