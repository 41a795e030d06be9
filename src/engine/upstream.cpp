// SPDX-License-Identifier: Apache-2.0
// Upstream requests: idempotency, entitlement, risk, routing, then the order book.

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "fixgate/engine/engine.hpp"
#include "fixgate/gateway/codec.hpp"
#include "fixgate/journal/reader.hpp"

namespace fixgate::engine {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

std::string answer_key(const std::string& client, const std::string& client_order_id) {
  return client + '\x1f' + client_order_id;
}

/// The client_order_id a state-changing request introduces (the key of its idempotent answer).
const std::string* introduced_id(const gateway::Request& request) {
  if (const auto* r = std::get_if<gateway::NewOrder>(&request)) return &r->client_order_id;
  if (const auto* r = std::get_if<gateway::CancelOrder>(&request)) return &r->client_order_id;
  if (const auto* r = std::get_if<gateway::ReplaceOrder>(&request)) return &r->client_order_id;
  return nullptr;
}

bool changes_state(const gateway::Request& request) {
  return introduced_id(request) != nullptr || std::holds_alternative<gateway::KillSwitchRequest>(request) ||
         std::holds_alternative<gateway::SetLimit>(request) || std::holds_alternative<gateway::SessionCommand>(request) ||
         std::holds_alternative<gateway::ReloadPolicy>(request);
}

/// "<role> <n> account... <m> session...": identifiers hold no spaces, so the words split cleanly.
std::string encode_grant(const gateway::Grant& grant) {
  std::string text = grant.admin ? "admin" : "trader";
  for (const auto* list : {&grant.accounts, &grant.sessions}) {
    text += ' ' + std::to_string(list->size());
    for (const auto& name : *list) text += ' ' + name;
  }
  return text;
}

}  // namespace

void Engine::take_upstream(gateway::Inbound& inbound, Timestamp now) {
  upstream_now_ = now;
  if (const auto* id = introduced_id(inbound.request)) {
    forget_old_answers(now);
    if (auto it = answers_.find(answer_key(inbound.client, *id)); it != answers_.end()) {
      if (it->second.request != inbound.request) {
        // Another request under a used id: refused, and journaled like any request, so a replay
        // and an audit see the same refusal. The first answer stays the one retries get.
        if (!record_input(journal::RecordKind::upstream_request, inbound.client,
                          gateway::encode_request(inbound.request, inbound.request_id), now, &inbound)) {
          return;
        }
        return refuse_reused_id(inbound, *id);
      }
      // A retried request gets the answer the first one got, never a second order.
      ++stats_.idempotent_replays;
      if (replaying_ || !outputs_.deliver || inbound.connection == 0) return;
      // The first answer may never have become durable: repeating it then would acknowledge
      // what is not stored.
      if (journal_failure_ || !unstored_.empty()) {
        return answer(inbound, gateway::Error{.code = "journal_unavailable",
                                              .text = "journal unavailable: " +
                                                      journal_failure_.value_or("its answers are not stored yet")});
      }
      auto again = it->second.answer;
      again.connection = inbound.connection;
      again.request_id = inbound.request_id;
      reply(std::move(again));
      return;
    }
  }
  // Every request that can change state is journaled before it is acted on; queries are not.
  if (changes_state(inbound.request) &&
      !record_input(journal::RecordKind::upstream_request, inbound.client,
                    gateway::encode_request(inbound.request, inbound.request_id), now, &inbound)) {
    return;
  }
  begin_admin_audit(inbound);
  std::visit(
      [&](const auto& request) {
        using T = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<T, gateway::Hello>) on_hello(inbound);
        if constexpr (std::is_same_v<T, gateway::NewOrder>) on_new(inbound, request, now);
        if constexpr (std::is_same_v<T, gateway::CancelOrder>) on_cancel(inbound, request, now);
        if constexpr (std::is_same_v<T, gateway::ReplaceOrder>) on_replace(inbound, request, now);
        if constexpr (std::is_same_v<T, gateway::OrderStatusQuery>) on_status(inbound, request);
        if constexpr (std::is_same_v<T, gateway::ListOrders>) on_list(inbound, request);
        if constexpr (std::is_same_v<T, gateway::KillSwitchRequest>) on_kill_switch(inbound, request, now);
        if constexpr (std::is_same_v<T, gateway::SetLimit>) on_set_limit(inbound, request);
        if constexpr (std::is_same_v<T, gateway::ListSessions>) on_sessions(inbound);
        if constexpr (std::is_same_v<T, gateway::SessionCommand>) on_session_command(inbound, request);
        if constexpr (std::is_same_v<T, gateway::ReloadPolicy>) on_reload(inbound, request, now);
        // Answered behind every earlier answer to the connection (see gateway::Barrier).
        if constexpr (std::is_same_v<T, gateway::Barrier>) answer(inbound, gateway::Error{.code = request.echo});
      },
      inbound.request);
  end_admin_audit();
}

bool Engine::take_grant(const gateway::Inbound& inbound, const gateway::Grant& grant, Timestamp now) {
  const std::string encoded = encode_grant(grant);
  if (const auto* known = client_config(inbound.client)) {
    if (gateway::Grant{known->accounts, known->role == config::ClientRole::admin, known->sessions} == grant) return true;
  }
  // Entitlements decide orders, so a replay must see them where they changed: journaled first.
  if (!record_input(journal::RecordKind::engine_event, inbound.client, "grant " + encoded, now, &inbound)) return false;
  apply_grant(inbound.client, encoded);
  spdlog::info("client {} holds a bearer token granting {}", inbound.client, encoded);
  return true;
}

void Engine::apply_grant(const std::string& client, std::string_view encoded) {
  std::vector<std::string> words;
  for (std::size_t at = 0; at <= encoded.size();) {
    const auto space = std::min(encoded.find(' ', at), encoded.size());
    words.emplace_back(encoded.substr(at, space - at));
    at = space + 1;
  }
  config::UpstreamClient c;
  c.name = client;
  c.role = !words.empty() && words[0] == "admin" ? config::ClientRole::admin : config::ClientRole::trader;
  std::size_t at = 1;
  for (auto* list : {&c.accounts, &c.sessions}) {
    std::size_t n = 0;
    if (at < words.size()) std::from_chars(words[at].data(), words[at].data() + words[at].size(), n);
    for (std::size_t i = 0; i < n && at + 1 + i < words.size(); ++i) list->push_back(words[at + 1 + i]);
    at += n + 1;
  }
  // A name in the file keeps the file's entitlements (the gateway never grants one a token).
  for (const auto& file_client : config_.upstream.clients) {
    if (file_client.name == client) return;
  }
  auto it = std::ranges::find(clients_, client, &config::UpstreamClient::name);
  if (it == clients_.end()) {
    clients_.push_back(std::move(c));
  } else {
    *it = std::move(c);
  }
}

void Engine::on_hello(const gateway::Inbound& inbound) {
  if (replaying_) return;
  const auto& hello = std::get<gateway::Hello>(inbound.request);
  if (hello.grant && !take_grant(inbound, *hello.grant, upstream_now_)) return;
  auto& stream = streams_[inbound.client];
  // Welcome first: the gateway starts this connection's live stream on it, so replayed events
  // (sent next, directly) and live ones (released later by this thread) arrive in seq order.
  outputs_.deliver({inbound.connection, inbound.client, 0, inbound.request_id,
                    gateway::Welcome{inbound.client, stream.next_seq}});
  if (!hello.resume_from) return;
  // Compared before any arithmetic: the client's number may be anything up to 2^64-1.
  const std::uint64_t last = stream.journal_seqs.size();
  if (*hello.resume_from > last) {
    return answer(inbound, gateway::Error{.code = "invalid_value", .field = "resume_from",
                                          .text = "resume_from " + std::to_string(*hello.resume_from) +
                                                  " is past the last event seq " + std::to_string(last)});
  }
  if (*hello.resume_from == last) return;  // nothing missed
  // Replay only what has already been released; what is still held goes out to this
  // connection with everyone else's when the journal makes it durable.
  std::uint64_t released = journal_->durable_seq();
  if (!held_.empty()) released = std::min(released, held_.front().journal_seq - 1);
  journal::ReadOptions options;
  options.from_seq = stream.journal_seqs[*hello.resume_from];  // the record of seq resume_from + 1
  std::uint64_t replayed = 0;
  auto scanned = journal_->scan(
      [&](const journal::RecordView& record) {
        if (record.seq > released) return false;
        if (record.kind != journal::RecordKind::upstream_event || record.stream != inbound.client) return true;
        auto event = gateway::decode_event(record.payload.substr(0, record.payload.size() - 1));
        if (!event) return true;
        event->connection = inbound.connection;
        event->client = inbound.client;
        outputs_.deliver(std::move(*event));
        ++replayed;
        return true;
      },
      options);
  if (!scanned) spdlog::error("resume for {} failed: {}", inbound.client, scanned.error().to_string());
  spdlog::info("client {} resumed from {}: {} events replayed", inbound.client, *hello.resume_from, replayed);
}

void Engine::accept_request(const gateway::Inbound& inbound, RequestKind kind, const std::string& client_order_id,
                            const std::string& cl_ord_id) {
  ++stats_.requests[static_cast<std::size_t>(kind)].accepted;
  gateway::Accepted event{client_order_id, cl_ord_id};
  remember_answer(inbound, client_order_id, event);
  emit(inbound.client, inbound.request_id, std::move(event));
}

void Engine::reject_order(const gateway::Inbound& inbound, RequestKind kind, const std::string& client_order_id,
                          Reject reject) {
  ++stats_.requests[static_cast<std::size_t>(kind)].rejected;
  if (const auto r = static_cast<std::size_t>(reject.reason); r < stats_.rejects_by_reason.size()) {
    ++stats_.rejects_by_reason[r];
  }
  if (!replaying_) {
    spdlog::info("order {}/{} rejected: {} ({})", inbound.client, client_order_id, code(reject.reason), reject.text);
  }
  gateway::Rejected event{client_order_id, reject.reason, std::move(reject.text), std::move(reject.limit),
                          std::move(reject.limit_value)};
  remember_answer(inbound, client_order_id, event);
  emit(inbound.client, inbound.request_id, std::move(event));
}

void Engine::remember_answer(const gateway::Inbound& inbound, const std::string& client_order_id,
                             gateway::Event event) {
  auto key = answer_key(inbound.client, client_order_id);
  answers_.insert_or_assign(
      key, Answered{inbound.request,
                    {0, inbound.client, streams_[inbound.client].next_seq, inbound.request_id, std::move(event)}});
  answer_times_.emplace_back(upstream_now_.nanos, std::move(key));
}

void Engine::forget_old_answers(Timestamp now) {
  // Decided by request time alone, so a replay forgets exactly what the live run had forgotten.
  const std::int64_t window_ns =
      static_cast<std::int64_t>(config_.upstream.idempotency_window_hours) * 3600 * second_ns;
  while (!answer_times_.empty() && now.nanos - answer_times_.front().first >= window_ns) {
    answers_.erase(answer_times_.front().second);
    answer_times_.pop_front();
  }
}

void Engine::refuse_reused_id(const gateway::Inbound& inbound, const std::string& client_order_id) {
  const RequestKind kind = std::holds_alternative<gateway::NewOrder>(inbound.request)      ? RequestKind::new_order
                           : std::holds_alternative<gateway::CancelOrder>(inbound.request) ? RequestKind::cancel
                                                                                           : RequestKind::replace;
  ++stats_.requests[static_cast<std::size_t>(kind)].rejected;
  ++stats_.rejects_by_reason[static_cast<std::size_t>(RejectReason::duplicate_client_order_id)];
  if (!replaying_) {
    spdlog::info("request {}/{} refused: the id was used by a different request", inbound.client, client_order_id);
  }
  emit(inbound.client, inbound.request_id,
       gateway::Rejected{client_order_id, RejectReason::duplicate_client_order_id,
                         "client_order_id " + client_order_id +
                             " was used by a different request; this request was not processed",
                         "", ""});
}

void Engine::on_new(const gateway::Inbound& inbound, const gateway::NewOrder& request, Timestamp now) {
  if (journal_failure_) {
    return reject_order(inbound, RequestKind::new_order, request.client_order_id, {RejectReason::journal_unavailable, *journal_failure_});
  }
  if (!entitled(inbound.client, request.account)) {
    return reject_order(inbound, RequestKind::new_order, request.client_order_id,
                        {RejectReason::not_entitled, "client " + inbound.client + " may not trade account " + request.account});
  }
  // Every refusal from here on counts towards the account's automatic kill switch.
  auto refuse = [&](Reject reject) {
    const bool killed = reject.reason == RejectReason::kill_switch;
    reject_order(inbound, RequestKind::new_order, request.client_order_id, std::move(reject));
    if (!killed) count_reject(request.account, now);
  };
  auto killed = [&](const risk::Kill& kill) {
    return Reject{RejectReason::kill_switch,
                  "kill switch on " + (kill.scope == risk::KillScope::all ? std::string("everything")
                                                                           : std::string(risk::name(kill.scope)) + " " + kill.target) +
                      " engaged by " + kill.by + ": " + kill.reason,
                  "kill_switch", std::string(risk::name(kill.scope))};
  };
  if (const auto* kill = kill_switch_.blocking(request.account, {})) return refuse(killed(*kill));

  const auto reference = reference_price(request.symbol);
  const auto limits = limits_for(request.account, request.symbol);
  const risk::OrderView view{request.account, request.symbol, request.qty, request.price};
  const Price adds = risk::open_notional(request.qty, request.price, reference);
  if (auto checked = risk::check_order(view, limits, exposure_.of(request.account), reference, {1, adds}); !checked) {
    return refuse(std::move(checked.error()));
  }
  if (auto seen = duplicates_.recent(request.account, request.symbol, request.side, request.qty, request.price, now.nanos)) {
    return refuse({RejectReason::duplicate_order,
                   "duplicate_window_ms: the same order (account, symbol, side, qty, price) was accepted " +
                       std::to_string((now.nanos - *seen) / 1'000'000) + " ms ago",
                   "duplicate_window_ms", std::to_string(policy_.risk.duplicate_window_ms)});
  }
  const auto& throttle = policy_.risk.throttle;
  auto& client_window = client_rate_.try_emplace(inbound.client, throttle.client_orders_per_second, second_ns).first->second;
  if (!client_window.allows(now.nanos)) {
    return refuse({RejectReason::rate_limited,
                   "client_orders_per_second: client " + inbound.client + " sent " +
                       std::to_string(throttle.client_orders_per_second) + " orders in the last second",
                   "client_orders_per_second", std::to_string(throttle.client_orders_per_second)});
  }

  // A session that is down or killed is skipped for new orders; with none left, no_route.
  auto available = [&](const std::string& s) { return session_up_[s] && kill_switch_.find(risk::KillScope::session, s) == nullptr; };
  std::string session;
  if (request.session) {
    // One answer whether the session does not exist, the routes do not allow it or the client
    // may not name it: the text confirms no session name.
    if (!may_name_session(inbound, request)) {
      return refuse({RejectReason::not_entitled, "client " + inbound.client +
                                                     " may not name that session for this account and symbol"});
    }
    if (const auto* kill = kill_switch_.find(risk::KillScope::session, *request.session)) return refuse(killed(*kill));
    if (!session_up_[*request.session]) {
      return refuse({RejectReason::no_route, "session " + *request.session + " is not logged on"});
    }
    session = *request.session;
  } else {
    auto decision = router_.select(request.account, request.symbol, request.market.value_or(""),
                                   [&](std::string_view s) { return available(std::string(s)); });
    if (!decision.session) return refuse({RejectReason::no_route, decision.explanation});
    session = *decision.session;
  }
  auto& session_window = session_rate_.try_emplace(session, throttle.session_orders_per_second, second_ns).first->second;
  if (!session_window.allows(now.nanos)) {
    return refuse({RejectReason::rate_limited,
                   "session_orders_per_second: session " + session + " carried " +
                       std::to_string(throttle.session_orders_per_second) + " new orders in the last second",
                   "session_orders_per_second", std::to_string(throttle.session_orders_per_second)});
  }
  order::NewOrderRequest in{inbound.client, request.client_order_id, request.account, request.symbol, request.side,
                            request.ord_type, request.tif, request.qty, request.price, request.stop_price,
                            request.expire_time, session, now};
  in.exec_inst = request.exec_inst.value_or("");
  auto accepted = book_.on_new(in);
  if (!accepted) return refuse(accepted.error());
  client_window.record(now.nanos);
  session_window.record(now.nanos);
  duplicates_.record(request.account, request.symbol, request.side, request.qty, request.price, now.nanos);
  track(*book_.find(inbound.client, request.client_order_id));
  // The order goes to the session's queue before the client hears "accepted" (both wait for the
  // same durable mark), so an acknowledged order is never one that was not on its way out.
  const std::string cl_ord_id = accepted->cl_ord_id;
  send_fix(session, std::move(*accepted));
  accept_request(inbound, RequestKind::new_order, request.client_order_id, cl_ord_id);
}

void Engine::on_cancel(const gateway::Inbound& inbound, const gateway::CancelOrder& request, Timestamp now) {
  // Cancels are never blocked by limits or kill switches: they only reduce risk. They go to the
  // session that holds the order, so that session must be up to carry one.
  if (const order::Order* order = book_.find(inbound.client, request.orig_client_order_id);
      order != nullptr && order->is_live() && !session_up_[order->session]) {
    return reject_order(inbound, RequestKind::cancel, request.client_order_id,
                        {RejectReason::no_route, "session " + order->session + " holding the order is not logged on"});
  }
  auto accepted = book_.on_cancel({inbound.client, request.client_order_id, request.orig_client_order_id, now});
  if (!accepted) return reject_order(inbound, RequestKind::cancel, request.client_order_id, accepted.error());
  const std::string session = accepted->session;
  const std::string cl_ord_id = accepted->cl_ord_id;
  send_fix(session, std::move(*accepted));
  accept_request(inbound, RequestKind::cancel, request.client_order_id, cl_ord_id);
}

void Engine::on_replace(const gateway::Inbound& inbound, const gateway::ReplaceOrder& request, Timestamp now) {
  const order::Order* order = book_.find(inbound.client, request.orig_client_order_id);
  if (order != nullptr && order->is_live()) {
    if (const auto* kill = kill_switch_.blocking(order->account, order->session)) {
      return reject_order(inbound, RequestKind::replace, request.client_order_id,
                          {RejectReason::kill_switch, "kill switch engaged by " + kill->by + ": " + kill->reason,
                           "kill_switch", std::string(risk::name(kill->scope))});
    }
    if (!session_up_[order->session]) {
      return reject_order(inbound, RequestKind::replace, request.client_order_id,
                          {RejectReason::no_route, "session " + order->session + " holding the order is not logged on"});
    }
    // The replacement is checked as the order it becomes; towards open notional only the
    // difference counts, and it adds no open order.
    const Qty new_qty = request.qty ? *request.qty : order->order_qty;
    const std::optional<Price> new_price = request.price ? request.price : order->price;
    const auto reference = reference_price(order->symbol);
    const Qty new_leaves = new_qty > order->cum_qty ? new_qty - order->cum_qty : Qty{};
    const Price before = risk::open_notional(order->leaves_qty, order->price, reference);
    const Price after = risk::open_notional(new_leaves, new_price, reference);
    if (auto checked = risk::check_order({order->account, order->symbol, new_qty, new_price},
                                         limits_for(order->account, order->symbol), exposure_.of(order->account),
                                         reference, {0, after - before});
        !checked) {
      const std::string account = order->account;
      reject_order(inbound, RequestKind::replace, request.client_order_id, std::move(checked.error()));
      return count_reject(account, now);
    }
  }
  auto accepted = book_.on_replace(
      {inbound.client, request.client_order_id, request.orig_client_order_id, request.qty, request.price, now});
  if (!accepted) return reject_order(inbound, RequestKind::replace, request.client_order_id, accepted.error());
  const std::string session = accepted->session;
  const std::string cl_ord_id = accepted->cl_ord_id;
  send_fix(session, std::move(*accepted));
  accept_request(inbound, RequestKind::replace, request.client_order_id, cl_ord_id);
}

void Engine::on_status(const gateway::Inbound& inbound, const gateway::OrderStatusQuery& request) {
  const order::Order* order = book_.find(inbound.client, request.client_order_id);
  if (order == nullptr) {
    return answer(inbound, gateway::Error{.code = "unknown_order",
                                          .field = "client_order_id",
                                          .text = "no order " + request.client_order_id + " for client " + inbound.client});
  }
  answer(inbound, snapshot(*order));
}

void Engine::on_list(const gateway::Inbound& inbound, const gateway::ListOrders& request) {
  gateway::OrderList list;
  std::optional<std::string_view> account;
  if (request.account) account = *request.account;
  for (const order::Order* order : book_.live_orders(account)) {
    if (order->client == inbound.client || client_config(inbound.client)->role == config::ClientRole::admin) {
      list.orders.push_back(snapshot(*order));
    }
  }
  answer(inbound, std::move(list));
}

const config::UpstreamClient* Engine::client_config(const std::string& name) const {
  for (const auto& c : clients_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool Engine::may_name_session(const gateway::Inbound& inbound, const gateway::NewOrder& request) const {
  const std::string& wanted = *request.session;
  if (!session_up_.contains(wanted)) return false;
  const auto* c = client_config(inbound.client);
  if (c == nullptr || std::ranges::none_of(c->sessions, [&](const std::string& s) { return s == "*" || s == wanted; })) {
    return false;
  }
  // The routes allow it when the rule that decides this order lists it; the predicate is how
  // the router shows its candidates, so it answers "not up" to see them all.
  bool listed = false;
  router_.select(request.account, request.symbol, request.market.value_or(""), [&](std::string_view s) {
    listed = listed || s == wanted;
    return false;
  });
  return listed;
}

bool Engine::entitled(const std::string& client, const std::string& account) const {
  const auto* c = client_config(client);
  if (c == nullptr) return false;
  for (const auto& a : c->accounts) {
    if (a == "*" || a == account) return true;
  }
  return false;
}

}  // namespace fixgate::engine
