// Broker messages: journal, apply to the order book exactly once, tell the owning client.

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {

void Engine::take_fix(FixInput& input, Timestamp now) {
  // The session layer journaled the bytes on arrival (before QuickFIX counted the sequence
  // number); the engine journals when it applies them, so a replay applies them in this order.
  const bool session_level = is_session_level(msg_type_of(input.raw));
  if (!session_level) {
    const bool recorded = input.journal_seq != 0
                              ? record_input(journal::RecordKind::engine_event, input.session,
                                             "apply_fix " + std::to_string(input.journal_seq), now, nullptr)
                              : record_input(journal::RecordKind::engine_event, input.session, "apply_raw " + input.raw,
                                             now, nullptr);
    if (!recorded) return;
  }

  std::visit(
      [&](auto& message) {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, order::ExecReport>) {
          message.time = now;
          message.session = input.session;
          on_report_outcome(book_.on_exec_report(message), &message, now);
        } else if constexpr (std::is_same_v<T, order::CancelReject>) {
          message.time = now;
          message.session = input.session;
          on_report_outcome(book_.on_cancel_reject(message), nullptr, now);
        } else if constexpr (std::is_same_v<T, fix::MessageReject>) {
          const std::string& ref_id =
              message.business_reject_ref_id.empty() ? message.sent_cl_ord_id : message.business_reject_ref_id;
          if (!replaying_) {
            spdlog::warn("session {}: {} reject of {} {}: {}", input.session, message.msg_type, message.ref_msg_type,
                         ref_id, message.text);
          }
          if (session_level) return;  // logged and counted by the session layer; not a stream event
          const order::Order* order = book_.find_by_cl_ord_id(ref_id);
          count_break("business_reject");
          gateway::Break brk{order ? order->client_order_id() : std::string{}, "business_reject",
                             "broker refused " + message.ref_msg_type + " " + ref_id + ": " + message.text};
          if (order != nullptr) {
            emit(order->client, {}, std::move(brk));
          } else {
            for (const auto& c : clients_) {
              if (c.role == config::ClientRole::admin) emit(c.name, {}, brk);
            }
          }
        } else if constexpr (std::is_same_v<T, fix::Unreadable>) {
          count_break("unreadable_message");
          if (!replaying_) spdlog::error("session {}: unreadable {} message: {}", input.session, message.msg_type, message.problem);
          for (const auto& c : clients_) {
            if (c.role == config::ClientRole::admin) {
              emit(c.name, {}, gateway::Break{{}, "unreadable_message", input.session + ": " + message.problem});
            }
          }
        }
      },
      input.message);
}

void Engine::on_report_outcome(const order::ReportOutcome& outcome, const order::ExecReport* report, Timestamp now) {
  if (outcome.disposition == order::Disposition::duplicate || outcome.disposition == order::Disposition::stale) {
    if (!replaying_) {
      spdlog::info("report {} ignored: {}", report ? report->exec_id : std::string("cancel reject"),
                   order::code(outcome.disposition));
    }
    return;
  }
  const order::Order* order = outcome.order;
  // With no order there is no owning client: every admin client hears of the break.
  std::vector<std::string> recipients;
  if (order != nullptr) {
    recipients.push_back(order->client);
  } else {
    for (const auto& c : clients_) {
      if (c.role == config::ClientRole::admin) recipients.push_back(c.name);
    }
  }
  const std::string client_order_id(outcome.client_order_id);
  if (order != nullptr && outcome.applied()) {
    if (report != nullptr) {
      ++stats_.executions;
      if (auto by = stats_.executions_by_session.find(report->session); by != stats_.executions_by_session.end()) {
        ++by->second;
      }
      gateway::Execution e;
      e.client_order_id = client_order_id;
      e.exec_id = report->exec_id;
      e.exec_type = report->exec_type;
      e.status = order->status;
      e.order_qty = order->order_qty;
      e.cum_qty = order->cum_qty;
      e.leaves_qty = order->leaves_qty;
      e.last_qty = outcome.fill ? outcome.fill->last_qty : Qty{};
      e.last_px = outcome.fill ? outcome.fill->last_px : WidePrice{};
      e.avg_px = order->avg_px;
      e.text = report->text;
      emit(order->client, {}, std::move(e));
    }
    if (outcome.resolved && !outcome.resolved->accepted) {
      emit(order->client, {},
           gateway::CancelRejected{std::string(outcome.resolved->client_order_id), order->client_order_id(),
                                   report == nullptr
                                       ? std::string(order::name(outcome.resolved->kind)) + " refused by broker"
                                       : "order " + std::string(name(order->status)) + " before the " +
                                             std::string(order::name(outcome.resolved->kind)) + " took effect"});
    }
  }
  if (order != nullptr && outcome.applied()) {
    // The risk reference is an 8-decimal Price: the broker's price rounded to it.
    if (outcome.fill) {
      if (auto px = outcome.fill->last_px.to_price()) last_fill_px_[order->symbol] = *px;
    }
    track(*order);
    if (report != nullptr && report->exec_type == ExecType::rejected) count_reject(order->account, now);
    // An order a kill switch covers is cancelled as soon as nothing is pending on it: after a
    // replace settles, or when the status asked for after a logon comes back.
    cancel_if_killed(*order, now);
  }
  for (const auto& brk : outcome.breaks) {
    count_break(order::code(brk.kind));
    if (!replaying_) spdlog::warn("break {}: {}", order::code(brk.kind), brk.text);
    for (const auto& client : recipients) {
      emit(client, {}, gateway::Break{client_order_id, std::string(order::code(brk.kind)), brk.text});
    }
  }
}

}  // namespace fixgate::engine

namespace fixgate::engine {

void Engine::take_not_resent(const NotResent& input, Timestamp now) {
  if (!record_input(journal::RecordKind::engine_event, input.session,
                    "not_resent " + input.msg_type + " " + input.cl_ord_id, now, nullptr)) {
    return;
  }
  count_break("not_delivered");
  const order::Order* order = book_.find_by_cl_ord_id(input.cl_ord_id);
  const std::string what = input.msg_type == "D" ? "order" : input.msg_type == "F" ? "cancel" : "replace";
  gateway::Break brk{order ? order->client_order_id() : std::string{}, "not_delivered",
                     "the broker asked for " + what + " " + input.cl_ord_id + " again on session " + input.session +
                         "; it was too old to re-send safely and was gap-filled: the broker may not have it"};
  if (order != nullptr) {
    emit(order->client, {}, std::move(brk));
    return;
  }
  for (const auto& c : clients_) {
    if (c.role == config::ClientRole::admin) emit(c.name, {}, brk);
  }
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
