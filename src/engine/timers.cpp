// SPDX-License-Identifier: Apache-2.0
// Requests fixgate accepted must reach an end. Every NewOrderSingle, cancel and replace sent waits
// at most the session's pending_request_timeout_seconds for the broker's answer; then the engine
// asks for the order's status, and if the request is still unanswered after as long again it
// gives up on it (order::OrderBook::on_timeout: a request_timeout break; a cancel or replace not
// even acknowledged is refused). Each step is journaled before it acts ("request_timeout status"
// / "request_timeout expired"), so a replay takes the same steps at the same points. After a
// logon the engine sends again what the journal shows never went out before a crash, asks the
// status of every other live order, and restarts the wait for every request still pending.

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
#include "fixgate/core/log_fields.hpp"
#include "fixgate/engine/engine.hpp"

namespace fixgate::engine {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

/// The ClOrdIDs of the order's requests still waiting for the broker: its NewOrderSingle while it
/// is pending new, and its pending cancel/replace.
std::vector<std::string> pending_cl_ord_ids(const order::Order& o) {
  std::vector<std::string> ids;
  if (o.status == OrdStatus::pending_new && o.chain.front().state == order::LinkState::pending)
    ids.push_back(o.chain.front().cl_ord_id);
  if (const order::ChainLink* p = o.pending_link()) ids.push_back(p->cl_ord_id);
  return ids;
}

bool is_pending(const order::Order& o, const std::string& cl_ord_id) {
  for (const auto& id : pending_cl_ord_ids(o)) {
    if (id == cl_ord_id) return true;
  }
  return false;
}

}  // namespace

void Engine::arm_timer(const std::string& session, const std::string& cl_ord_id, bool status_asked) {
  if (replaying_) return;  // timers are live state: a recovered engine arms them at the next logon
  const auto timeout = request_timeouts_.find(session);
  const std::uint64_t seq = book_.cl_ord_seq(cl_ord_id);
  if (timeout == request_timeouts_.end() || seq == 0) return;
  const std::int64_t deadline = clock_().nanos + timeout->second.count() * second_ns;
  timers_[session].push_back(PendingTimer{deadline, seq, status_asked});
  ++timers_armed_;
  if (status_asked)
    status_asked_[seq] = deadline;
  else
    status_asked_.erase(seq);
}

int Engine::poll_timers() {
  if (timers_armed_ == 0 || journal_failure_) return 0;
  const Timestamp now = clock_();
  int fired = 0;
  for (auto& [session, queue] : timers_) {
    while (!queue.empty() && queue.front().deadline_ns <= now.nanos && !backpressured_) {
      const PendingTimer due = queue.front();
      queue.pop_front();
      --timers_armed_;
      fired += on_pending_timer(session, due, now);
    }
  }
  backpressured_ = false;
  return fired;
}

int Engine::on_pending_timer(const std::string& session, const PendingTimer& timer, Timestamp now) {
  const auto asked = status_asked_.find(timer.cl_ord_seq);
  // A later arm of the same request supersedes this entry: its own entry acts.
  const bool current = timer.status_asked ? asked != status_asked_.end() && asked->second == timer.deadline_ns
                                          : asked == status_asked_.end();
  if (!current) return 0;
  const std::string cl_ord_id = book_.cl_ord_id_of(timer.cl_ord_seq);
  const order::Order* order = book_.find_by_cl_ord_id(cl_ord_id);
  // Answered meanwhile, or the session is down: its next logon asks again and restarts the wait.
  if (order == nullptr || !is_pending(*order, cl_ord_id) || !session_up_[session]) {
    if (timer.status_asked) status_asked_.erase(asked);
    return 0;
  }
  take_timeout(cl_ord_id, !timer.status_asked, now);
  if (backpressured_) {
    // Not stored, so not done: the same step again in a second.
    timers_[session].push_front(PendingTimer{now.nanos + second_ns, timer.cl_ord_seq, timer.status_asked});
    ++timers_armed_;
    if (timer.status_asked) status_asked_[timer.cl_ord_seq] = now.nanos + second_ns;
  }
  return 1;
}

// Live from a timer, or from the journal's record of one in a replay.
void Engine::take_timeout(const std::string& cl_ord_id, bool status, Timestamp now) {
  const order::Order* order = book_.find_by_cl_ord_id(cl_ord_id);
  const std::string session = order != nullptr ? order->session : std::string{};
  if (!record_input(journal::RecordKind::engine_event, session,
                    std::string(status ? "request_timeout status " : "request_timeout expired ") + cl_ord_id, now,
                    nullptr)) {
    return;
  }
  if (order == nullptr) return;
  const LogScope about({.session = session, .client = order->client, .client_order_id = order->client_order_id(),
                        .cl_ord_id = cl_ord_id});
  if (status) {
    if (!replaying_) spdlog::warn("session {}: no answer to {} yet: asking the broker for the status of order {}",
                                  session, cl_ord_id, order->cl_ord_id());
    send_fix(session, fix::OrderStatusRequest{order->cl_ord_id(), order->order_id, order->symbol, order->side});
    arm_timer(session, cl_ord_id, true);
    return;
  }
  status_asked_.erase(book_.cl_ord_seq(cl_ord_id));
  const auto timeout = request_timeouts_.count(session) ? request_timeouts_.at(session).count() : 0;
  const std::string reason = "no answer from the broker to " + cl_ord_id + " within " + std::to_string(timeout) +
                             " s, nor to a status request after as long again: treated as refused";
  on_report_outcome(book_.on_timeout({cl_ord_id, now}), Answer{nullptr, reason, std::nullopt, 0}, now);
}

void Engine::reconcile(const std::string& session, Timestamp now) {
  // After every logon, ask the broker where each live order stands: anything missed while the
  // line was down (or while fixgate was down) comes back as an OrderStatus report, and the book
  // raises a break for every difference.
  std::size_t asked = 0;
  for (const order::Order* order : book_.live_orders()) {
    if (order->session != session) continue;
    reconcile_order(*order, now);
    ++asked;
  }
  if (asked > 0 && !replaying_) spdlog::info("session {}: reconciling {} live orders", session, asked);
}

void Engine::reconcile_order(const order::Order& order, Timestamp now) {
  const auto pending = pending_cl_ord_ids(order);
  bool resent = false;
  for (const auto& cl_ord_id : pending) {
    if (!unsent_.contains(cl_ord_id)) continue;
    // Accepted before a crash, never sent: it goes out now as it would have then (send_fix starts
    // its wait). In a replay the set only shrinks when the journal shows the message going out.
    auto command = book_.resend(cl_ord_id, now);
    if (!command) continue;
    if (!replaying_) {
      const LogScope about({.session = order.session, .client = order.client,
                            .client_order_id = order.client_order_id(), .cl_ord_id = cl_ord_id});
      spdlog::warn("session {}: {} was accepted but never sent before the stop: sending it now", order.session,
                   cl_ord_id);
      unsent_.erase(cl_ord_id);
    }
    std::visit([&](auto& message) { send_fix(order.session, std::move(message)); }, *command);
    resent = true;
  }
  if (resent) return;
  send_fix(order.session, fix::OrderStatusRequest{order.cl_ord_id(), order.order_id, order.symbol, order.side});
  for (const auto& cl_ord_id : pending) arm_timer(order.session, cl_ord_id, true);
}

std::string Engine::sent_before(const std::string& session, std::uint64_t msg_seq_num, std::uint64_t before) {
  std::string sent;
  auto scanned = journal_->scan([&](const journal::RecordView& record) {
    if (record.seq >= before) return false;
    if (record.stream != session) return true;
    if (record.kind == journal::RecordKind::seq_change && record.payload == "reset") sent.clear();
    if (record.kind != journal::RecordKind::fix_out || fix_field(record.payload, 43).value_or("N") == "Y") return true;
    if (msg_seq_num_of(record.payload) == msg_seq_num) sent = std::string(record.payload);
    return true;
  });
  if (!scanned) spdlog::error("journal scan for message {} of session {} failed: {}", msg_seq_num, session,
                              scanned.error().to_string());
  return sent;
}

}  // namespace fixgate::engine
