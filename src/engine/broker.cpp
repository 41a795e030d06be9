// SPDX-License-Identifier: Apache-2.0
// Broker messages: journal, apply to the order book exactly once, tell the owning client.

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
#include "fixgate/core/log_fields.hpp"
#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {
namespace {

bool is_order_message(std::string_view msg_type) { return msg_type == "D" || msg_type == "F" || msg_type == "G"; }

std::string_view reject_name(std::string_view msg_type) {
  return msg_type == "3" ? "session Reject" : "BusinessMessageReject";
}

// The message a reject refers to, as the session layer found it among those it sent, goes into
// the apply marker: replay takes it from there, so it decides as the live engine did
// (spec/journal-format.md, "Engine events").
std::string sent_reference(const fix::Inbound& message) {
  const auto* reject = std::get_if<fix::MessageReject>(&message);
  if (reject == nullptr || reject->sent_msg_type.empty()) return {};
  return "sent " + reject->sent_msg_type + " " + reject->sent_cl_ord_id;
}

constexpr std::size_t kept_breaks = 16;  // per order, for its snapshot

}  // namespace

void Engine::take_fix(FixInput& input, Timestamp now) {
  // The session layer journaled the bytes on arrival (before QuickFIX counted the sequence
  // number); the engine journals when it applies them, so a replay applies them in this order.
  // Session-level messages are the session layer's, but for a Reject (35=3): it may refuse an order.
  const auto type = msg_type_of(input.raw);
  if (!is_session_level(type) || type == "3") {
    const std::string reference = sent_reference(input.message);
    const std::string marker =
        input.journal_seq != 0
            ? "apply_fix " + std::to_string(input.journal_seq) + (reference.empty() ? "" : " " + reference)
            : "apply_raw " + (reference.empty() ? "" : reference + '\x01') + input.raw;
    if (!record_input(journal::RecordKind::engine_event, input.session, marker, now, nullptr)) return;
  }

  std::visit(
      [&](auto& message) {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, order::ExecReport>) {
          message.time = now;
          message.session = input.session;
          on_report_outcome(book_.on_exec_report(message), Answer{&message, message.text, {}, input.journal_seq}, now);
        } else if constexpr (std::is_same_v<T, order::CancelReject>) {
          message.time = now;
          message.session = input.session;
          on_report_outcome(book_.on_cancel_reject(message),
                            Answer{nullptr, message.text, message.reason, input.journal_seq}, now);
        } else if constexpr (std::is_same_v<T, fix::MessageReject>) {
          on_message_reject(message, input, now);
        } else if constexpr (std::is_same_v<T, fix::Unreadable>) {
          on_unreadable(message, input);
        }
      },
      input.message);
}

// A reject names what it refuses by BusinessRejectRefID when it has one, else by RefSeqNum: the
// session layer looked that up among the messages it sent. A refused order message ends in the
// book (the order rejected, the cancel or replace refused); a refused status request settles
// nothing (the pending-request timer still runs); a session-level reject of anything else is the
// session layer's business; a business reject that names nothing fixgate knows is a break.
void Engine::on_message_reject(fix::MessageReject& reject, const FixInput& input, Timestamp now) {
  const std::string& cl_ord_id =
      reject.business_reject_ref_id.empty() ? reject.sent_cl_ord_id : reject.business_reject_ref_id;
  const std::string& refused = reject.sent_msg_type.empty() ? reject.ref_msg_type : reject.sent_msg_type;
  const std::string what = std::string(reject_name(reject.msg_type)) + " of " + (refused.empty() ? "?" : refused) +
                           " " + cl_ord_id + " (RefSeqNum " +
                           (reject.ref_seq_num ? std::to_string(*reject.ref_seq_num) : std::string("none")) +
                           "): " + reject.text;
  if (!replaying_) spdlog::warn("session {}: {}", input.session, what);
  if (refused == "H") return;
  if (cl_ord_id.empty() || !is_order_message(refused)) {
    if (reject.msg_type == "3") return;
    raise_break(nullptr, {}, gateway::Break{{}, "business_reject", "session " + input.session + ": " + what, {},
                                            input.journal_seq});
    return;
  }
  order::RequestReject in{input.session, cl_ord_id, reject.msg_type, reject.text, now};
  on_report_outcome(book_.on_request_reject(in), Answer{nullptr, reject.text, std::nullopt, input.journal_seq}, now);
}

// A message that cannot be read is applied to nothing; the break names the order its ids point to,
// so the owning client hears of it (and its status after the next logon heals the book).
void Engine::on_unreadable(const fix::Unreadable& message, const FixInput& input) {
  const order::Order* order = book_.find_by_cl_ord_id(message.cl_ord_id);
  if (order == nullptr) order = book_.find_by_cl_ord_id(message.orig_cl_ord_id);
  if (order == nullptr && !message.order_id.empty()) order = book_.find_by_order_id(message.order_id);
  if (!replaying_) spdlog::error("session {}: unreadable {} message: {}", input.session, message.msg_type, message.problem);
  std::string text = "session " + input.session + ": message 35=" + message.msg_type;
  if (!message.exec_id.empty()) text += " ExecID " + message.exec_id;
  if (!message.cl_ord_id.empty()) text += " ClOrdID " + message.cl_ord_id;
  text += " cannot be read and was not applied: " + message.problem;
  const std::string client_order_id = order != nullptr ? order->client_order_id() : std::string{};
  raise_break(order, client_order_id,
              gateway::Break{client_order_id, "unreadable_message", std::move(text), message.exec_id, input.journal_seq});
}

void Engine::on_report_outcome(const order::ReportOutcome& outcome, const Answer& answer, Timestamp now) {
  const bool ignored =
      outcome.disposition == order::Disposition::duplicate || outcome.disposition == order::Disposition::stale;
  if (ignored && !replaying_) {
    spdlog::info("{} ignored: {}", answer.report ? "report " + answer.report->exec_id : std::string("broker message"),
                 order::code(outcome.disposition));
  }
  const order::Order* order = outcome.order;
  const std::string client_order_id(outcome.client_order_id);
  if (order != nullptr && outcome.applied()) {
    gateway::Execution e;
    e.client_order_id = client_order_id;
    e.orig_client_order_id = std::string(outcome.orig_client_order_id);
    e.status = order->status;
    e.symbol = order->symbol;
    e.side = order->side;
    e.order_qty = order->order_qty;
    e.cum_qty = order->cum_qty;
    e.leaves_qty = order->leaves_qty;
    e.avg_px = order->avg_px;
    if (const order::ExecReport* report = answer.report) {
      ++stats_.executions;
      if (auto by = stats_.executions_by_session.find(report->session); by != stats_.executions_by_session.end()) {
        ++by->second;
      }
      e.exec_id = report->exec_id;
      e.exec_type = report->exec_type;
      e.last_qty = outcome.fill ? outcome.fill->last_qty : Qty{};
      e.last_px = outcome.fill ? outcome.fill->last_px : WidePrice{};
      e.text = report->text;
      emit(order->client, {}, std::move(e));
    } else if (outcome.order_refused) {
      // A session or business reject of the NewOrderSingle: no ExecID, the broker's text.
      e.exec_type = ExecType::rejected;
      e.text = answer.text;
      emit(order->client, {}, std::move(e));
    }
    if (outcome.resolved && !outcome.resolved->accepted) {
      const std::string kind(order::name(outcome.resolved->kind));
      std::string text = answer.report != nullptr
                             ? "order " + std::string(name(order->status)) + " before the " + kind + " took effect"
                             : answer.text.empty() ? kind + " refused by the broker" : answer.text;
      emit(order->client, {},
           gateway::CancelRejected{std::string(outcome.resolved->client_order_id), order->client_order_id(),
                                   std::move(text), answer.report != nullptr ? std::nullopt : answer.cxl_rej_reason});
    }
    if (outcome.fill) {
      // The risk reference is an 8-decimal Price: the broker's price rounded to it.
      if (auto px = outcome.fill->last_px.to_price()) last_fill_px_[order->symbol] = *px;
    }
    track(*order);
    const bool rejected = outcome.order_refused || (answer.report && answer.report->exec_type == ExecType::rejected);
    if (rejected) count_reject(order->account, now);
    // An order a kill switch covers is cancelled as soon as nothing is pending on it: after a
    // replace settles, or when the status asked for after a logon comes back.
    cancel_if_killed(*order, now);
  }
  if (const auto& brk = outcome.raised) {
    raise_break(order, client_order_id,
                gateway::Break{client_order_id, std::string(order::code(brk->kind)), brk->text, brk->exec_id,
                               answer.record});
  }
}

void Engine::raise_break(const order::Order* order, std::string client_order_id, gateway::Break brk) {
  count_break(brk.kind);
  if (!replaying_) {
    const LogScope about({.client = order != nullptr ? std::string_view(order->client) : std::string_view(),
                          .client_order_id = client_order_id});
    spdlog::warn("break {} ({}): {}", brk.kind, client_order_id, brk.text);
  }
  if (order != nullptr) {
    auto& kept = order_breaks_[order->chain.front().cl_ord_id];
    ++kept.count;
    kept.latest.push_back({brk.kind, brk.exec_id, brk.text});
    if (kept.latest.size() > kept_breaks) kept.latest.pop_front();
    emit(order->client, {}, std::move(brk));
    return;
  }
  // With no order there is no owning client: every admin client hears of the break.
  for (const auto& c : clients_) {
    if (c.role == config::ClientRole::admin) emit(c.name, {}, brk);
  }
}

void Engine::take_not_resent(const NotResent& input, Timestamp now) {
  if (!record_input(journal::RecordKind::engine_event, input.session,
                    "not_resent " + input.msg_type + " " + input.cl_ord_id, now, nullptr)) {
    return;
  }
  const order::Order* order = book_.find_by_cl_ord_id(input.cl_ord_id);
  const std::string what = input.msg_type == "D" ? "order" : input.msg_type == "F" ? "cancel" : "replace";
  const std::string client_order_id = order ? order->client_order_id() : std::string{};
  raise_break(order, client_order_id,
              gateway::Break{client_order_id, "not_delivered",
                             "the broker asked for " + what + " " + input.cl_ord_id + " again on session " +
                                 input.session + "; it was too old to re-send safely and was gap-filled: the broker may not have it",
                             {}, 0});
}

void Engine::count_break(std::string_view kind) {
  ++stats_.breaks;
  for (std::size_t i = 0; i < break_kinds.size(); ++i) {
    if (break_kinds[i] == kind) {
      ++stats_.breaks_by_kind[i];
      return;
    }
  }
  // A kind without a series is a programming error; the total still counts it.
  spdlog::error("break kind {} has no fixgate_breaks_total series", kind);
}

}  // namespace fixgate::engine
