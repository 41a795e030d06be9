// SPDX-License-Identifier: Apache-2.0
// What the engine does with what real brokers send: rejects of order messages resolved to the
// request they refer to (also from the journal, after a crash), cancel rejects passed on as the
// broker wrote them, unreadable values that name the order, requests that reach an end (a
// status request, then a break), requests that never went out before a crash, and the views a
// client gets (execution events, status snapshots). Real journal, no sockets (harness.hpp).

#include <catch2/catch.hpp>

#include "fixgate/gateway/codec.hpp"
#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

namespace {

/// Logs SIM on, sends one order "c1" and has the broker acknowledge it; its ClOrdID.
std::string acked_order(Harness& h, const char* qty = "100") {
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1", qty));
  REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
  const auto cl_ord_id = std::get<order::NewOrderSingle>(h.sent[0].second).cl_ord_id;
  h.broker(report(cl_ord_id, "N1", ExecType::new_order, OrdStatus::new_order, "0", qty), "raw-N1");
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 1; }));
  return cl_ord_id;
}

/// Cancels "c1" as "c1-x"; the ClOrdID the cancel went out with.
std::string cancel_sent(Harness& h) {
  const auto before = h.sent.size();
  h.request(gateway::CancelOrder{"c1-x", "c1"});
  REQUIRE(h.run_until([&] { return h.sent.size() == before + 1; }));
  return std::get<order::OrderCancelRequest>(h.sent.back().second).cl_ord_id;
}

/// A session-level Reject as the session layer hands it over: `sent` filled from its store.
fix::MessageReject reject_of(const std::string& type, std::uint64_t ref_seq, const std::string& sent_type,
                             const std::string& sent_cl_ord_id, const std::string& text) {
  fix::MessageReject r;
  r.msg_type = type;
  r.ref_seq_num = ref_seq;
  r.ref_msg_type = sent_type;
  r.text = text;
  r.sent_msg_type = sent_type;
  r.sent_cl_ord_id = sent_cl_ord_id;
  return r;
}

/// Posts a reject as it arrives live, while a replay decodes `raw` without the session layer's
/// lookup (so only the journal's apply marker can tell it what the reject refers to).
void post_reject(Harness& h, fix::MessageReject live, const std::string& raw, std::uint64_t journal_seq = 0) {
  fix::MessageReject decoded = live;
  decoded.sent_msg_type.clear();
  decoded.sent_cl_ord_id.clear();
  h.raw_to_message[raw] = decoded;
  h.engine->post(engine::FixInput{"SIM", std::move(live), raw, journal_seq});
}

template <class Event>
const Event& only(const Harness& h) {
  const auto events = h.events<Event>();
  REQUIRE(events.size() == 1);
  return *events.front();
}

config::Config with_timeout(std::uint32_t seconds) {
  auto c = test_config();
  c.sessions[0].pending_request_timeout_seconds = seconds;
  return c;
}

bool journal_has(Harness& h, const std::string& payload) {
  bool found = false;
  auto scanned = h.journal->scan([&](const journal::RecordView& r) {
    if (r.kind == journal::RecordKind::engine_event && r.payload == payload) found = true;
    return true;
  });
  REQUIRE(scanned.has_value());
  return found;
}

}  // namespace

TEST_CASE("a session Reject of a NewOrderSingle rejects the order with the broker's text, also in a replay") {
  TempDir dir;
  order::OrderBook before;
  std::map<std::string, fix::Inbound> raws;
  {
    Harness h(dir.path);
    h.engine->post(engine::SessionChange{"SIM", true});
    auto market = new_order("c1");
    market.ord_type = OrdType::market;
    market.price.reset();
    h.request(market);
    REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
    const auto cl_ord_id = std::get<order::NewOrderSingle>(h.sent[0].second).cl_ord_id;
    // The executor refuses a market order at the session level (RefSeqNum 5 was our D).
    const std::string raw = "8=FIX.4.4\x01" "35=3\x01" "34=9\x01" "45=5\x01" "58=Value is incorrect (out of range) for this tag\x01";
    post_reject(h, reject_of("3", 5, "D", cl_ord_id, "Value is incorrect (out of range) for this tag"), raw);
    REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 1; }));
    const auto& e = only<gateway::Execution>(h);
    CHECK(e.client_order_id == "c1");
    CHECK(e.exec_type == ExecType::rejected);
    CHECK(e.status == OrdStatus::rejected);
    CHECK(e.text == "Value is incorrect (out of range) for this tag");
    CHECK(e.exec_id.empty());
    CHECK(h.engine->book().find("trader", "c1")->status == OrdStatus::rejected);
    CHECK(h.events<gateway::Break>().empty());
    before = h.engine->book();
    raws = h.raw_to_message;
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path);
  again.raw_to_message = raws;
  again.engine->recover();
  CHECK(again.engine->book() == before);
}

TEST_CASE("a BusinessMessageReject without BusinessRejectRefID refuses the pending replace; the order is not wedged") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  h.request(gateway::ReplaceOrder{"c1-r", "c1", Qty::from_whole(200), std::nullopt});
  REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
  const auto replace_id = std::get<order::OrderCancelReplaceRequest>(h.sent[1].second).cl_ord_id;
  // ordermatch does not support cancel/replace: QuickFIX answers with RefSeqNum and no 379.
  auto reject = reject_of("j", 22, "G", replace_id, "Unsupported Message Type");
  reject.reason = 3;
  // Journaled on arrival by the session layer: the engine's marker refers to that record.
  const std::string raw = "8=FIX.4.2\x01" "35=j\x01" "34=23\x01" "45=22\x01" "58=Unsupported Message Type\x01" "372=G\x01";
  const auto record = h.journal->append(journal::RecordKind::fix_in, "SIM", raw, h.clock_ns);
  REQUIRE(record.has_value());
  post_reject(h, reject, raw, *record);
  REQUIRE(h.run_until([&] { return h.events<gateway::CancelRejected>().size() == 1; }));
  const auto& refused = only<gateway::CancelRejected>(h);
  CHECK(refused.client_order_id == "c1-r");
  CHECK(refused.orig_client_order_id == "c1");
  CHECK(refused.text == "Unsupported Message Type");
  CHECK_FALSE(refused.cxl_rej_reason.has_value());
  CHECK(journal_has(h, "apply_fix " + std::to_string(*record) + " sent G " + replace_id));
  // Nothing pending any more: a cancel goes out.
  h.request(gateway::CancelOrder{"c1-x", "c1"});
  REQUIRE(h.run_until([&] { return h.sent.size() == 3; }));
  CHECK(std::get<order::OrderCancelRequest>(h.sent[2].second).orig_cl_ord_id == cl_ord_id);
}

TEST_CASE("a reject received but not applied before a stop finds its message in the journal at recovery") {
  TempDir dir;
  std::string cl_ord_id;
  std::map<std::string, fix::Inbound> raws;
  const std::string raw = "8=FIX.4.4\x01" "35=3\x01" "34=9\x01" "45=5\x01" "58=Value is incorrect\x01";
  {
    Harness h(dir.path);
    h.engine->post(engine::SessionChange{"SIM", true});
    h.request(new_order("c1"));
    REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
    cl_ord_id = std::get<order::NewOrderSingle>(h.sent[0].second).cl_ord_id;
    // What the session layer journaled: our D as MsgSeqNum 5 (after an unrelated one as 4), then
    // the broker's Reject of 5, which the engine never got to apply.
    REQUIRE(h.journal->append(journal::RecordKind::fix_out, "SIM", "8=FIX.4.4\x01" "35=0\x01" "34=5\x01", h.clock_ns));
    REQUIRE(h.journal->append(journal::RecordKind::seq_change, "SIM", "reset", h.clock_ns));
    REQUIRE(h.journal->append(journal::RecordKind::fix_out, "SIM",
                              "8=FIX.4.4\x01" "35=D\x01" "34=5\x01" "11=" + cl_ord_id + "\x01", h.clock_ns));
    REQUIRE(h.journal->append(journal::RecordKind::fix_in, "SIM", raw, h.clock_ns));
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path);
  fix::MessageReject decoded = reject_of("3", 5, "D", "", "Value is incorrect");
  decoded.sent_msg_type.clear();
  again.raw_to_message[raw] = decoded;
  again.engine->recover();
  REQUIRE(again.run_until([&] { return !again.events<gateway::Execution>().empty(); }));
  CHECK(only<gateway::Execution>(again).exec_type == ExecType::rejected);
  CHECK(again.engine->book().find_by_cl_ord_id(cl_ord_id)->status == OrdStatus::rejected);
}

TEST_CASE("an OrderCancelReject's text and CxlRejReason reach the client unchanged") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  const auto cancel_id = cancel_sent(h);
  order::CancelReject reject;
  reject.cl_ord_id = cancel_id;
  reject.orig_cl_ord_id = cl_ord_id;
  reject.ord_status = OrdStatus::new_order;
  reject.reason = 2;
  reject.text = "Broker: order is locked by the desk";
  h.broker(reject, "raw-CR1");
  REQUIRE(h.run_until([&] { return !h.events<gateway::CancelRejected>().empty(); }));
  const auto& refused = only<gateway::CancelRejected>(h);
  CHECK(refused.client_order_id == "c1-x");
  CHECK(refused.text == "Broker: order is locked by the desk");
  CHECK(refused.cxl_rej_reason == 2);
}

TEST_CASE("a report whose value cannot be read raises one break naming the order, the ExecID and the record") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  fix::Unreadable bad{"8", "tag 31 (LastPx): not a decimal: 1e3", "raw-U1", cl_ord_id, "", "B-" + cl_ord_id, "E7"};
  const auto record = h.journal->append(journal::RecordKind::fix_in, "SIM", "raw-U1", h.clock_ns);
  REQUIRE(record.has_value());
  h.raw_to_message["raw-U1"] = bad;
  h.engine->post(engine::FixInput{"SIM", bad, "raw-U1", *record});
  REQUIRE(h.run_until([&] { return !h.events<gateway::Break>().empty(); }));
  const auto& brk = only<gateway::Break>(h);
  CHECK(brk.client_order_id == "c1");
  CHECK(brk.kind == "unreadable_message");
  CHECK(brk.exec_id == "E7");
  CHECK(brk.record == *record);
  CHECK_THAT(brk.text, Catch::Contains("1e3") && Catch::Contains("not applied"));
  CHECK(h.engine->book().find("trader", "c1")->cum_qty.is_zero());
}

TEST_CASE("one break per inbound message, whatever it broke, carrying its ExecID") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  // CumQty off the fills, LeavesQty off the order and another symbol: three findings, one message.
  auto wrong = report(cl_ord_id, "F1", ExecType::trade, OrdStatus::partially_filled, "30", "60", "10");
  wrong.symbol = "9999";
  h.broker(wrong, "raw-F1");
  REQUIRE(h.run_until([&] { return !h.events<gateway::Break>().empty(); }));
  h.settle(std::chrono::milliseconds(200));
  const auto& brk = only<gateway::Break>(h);
  CHECK(brk.kind == "cum_qty_mismatch");
  CHECK(brk.exec_id == "F1");
  CHECK_THAT(brk.text, Catch::Contains("LeavesQty") && Catch::Contains("9999"));
  CHECK(h.engine->stats().breaks == 1);
}

TEST_CASE("execution events carry the order's symbol and side, the id OrigClOrdID names, and the broker's text") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  const auto cancel_id = cancel_sent(h);
  auto canceled = report(cancel_id, "X1", ExecType::canceled, OrdStatus::canceled, "0", "0");
  canceled.orig_cl_ord_id = cl_ord_id;
  canceled.text = "canceled at your request";
  h.broker(canceled, "raw-X1");
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 2; }));
  const auto& e = *h.events<gateway::Execution>()[1];
  CHECK(e.client_order_id == "c1-x");
  CHECK(e.orig_client_order_id == "c1");
  CHECK(e.symbol == "7203");
  CHECK(e.side == Side::buy);
  CHECK(e.text == "canceled at your request");
  CHECK(gateway::encode_event({0, "trader", 3, "", e}).find("\"orig_client_order_id\":\"c1\"") != std::string::npos);
}

TEST_CASE("the status snapshot shows the current ClOrdID, the requests pending with theirs, fills and breaks") {
  TempDir dir;
  Harness h(dir.path);
  const auto cl_ord_id = acked_order(h);
  h.broker(report(cl_ord_id, "F1", ExecType::trade, OrdStatus::partially_filled, "10", "90", "10"), "raw-F1");
  h.broker(report(cl_ord_id, "F2", ExecType::trade, OrdStatus::partially_filled, "25", "75", "10"), "raw-F2");
  REQUIRE(h.run_until([&] { return h.events<gateway::Break>().size() == 1; }));  // F2: CumQty 25, fills 20
  const auto cancel_id = cancel_sent(h);
  h.request(gateway::OrderStatusQuery{"c1"});
  REQUIRE(h.run_until([&] { return !h.events<gateway::OrderSnapshot>().empty(); }));
  const auto& s = only<gateway::OrderSnapshot>(h);
  CHECK(s.cl_ord_id == cl_ord_id);
  REQUIRE(s.pending_requests.size() == 1);
  CHECK(s.pending_requests[0].kind == "cancel");
  CHECK(s.pending_requests[0].client_order_id == "c1-x");
  CHECK(s.pending_requests[0].cl_ord_id == cancel_id);
  CHECK_FALSE(s.pending_requests[0].acknowledged);
  CHECK(s.fills == 2);
  CHECK(s.break_count == 1);
  REQUIRE(s.breaks.size() == 1);
  CHECK(s.breaks[0].kind == "cum_qty_mismatch");
  CHECK(s.breaks[0].exec_id == "F2");
  const auto line = gateway::encode_event({0, "trader", 0, "", s});
  const auto decoded = gateway::decode_event(line);
  REQUIRE(decoded.has_value());
  const auto& back = std::get<gateway::OrderSnapshot>(decoded->event);
  CHECK(back.pending_requests.size() == 1);
  CHECK(back.breaks.size() == 1);
  CHECK(back.fills == 2);
}

TEST_CASE("a request with no answer in time gets a status request, then a break and is refused, journaled first") {
  TempDir dir;
  order::OrderBook before;
  std::map<std::string, fix::Inbound> raws;
  std::string cancel_id;
  {
    Harness h(dir.path, {}, with_timeout(2));
    acked_order(h);
    cancel_id = cancel_sent(h);
    h.settle(std::chrono::milliseconds(100));
    CHECK(h.sent.size() == 2);  // not yet: time is the engine's clock, and it has not moved
    h.clock_ns += 2'100'000'000;
    REQUIRE(h.run_until([&] { return h.sent.size() == 3; }));
    const auto& status = std::get<fix::OrderStatusRequest>(h.sent[2].second);
    CHECK(status.cl_ord_id != cancel_id);  // the order's own ClOrdID
    CHECK(journal_has(h, "request_timeout status " + cancel_id));
    CHECK(h.events<gateway::CancelRejected>().empty());
    h.clock_ns += 2'100'000'000;
    // Each event is released when its own record is durable: wait for both.
    REQUIRE(h.run_until(
        [&] { return !h.events<gateway::CancelRejected>().empty() && !h.events<gateway::Break>().empty(); }));
    CHECK(only<gateway::CancelRejected>(h).client_order_id == "c1-x");
    CHECK_THAT(only<gateway::CancelRejected>(h).text, Catch::Contains("no answer"));
    const auto& brk = only<gateway::Break>(h);
    CHECK(brk.kind == "request_timeout");
    CHECK(brk.client_order_id == "c1-x");
    CHECK(journal_has(h, "request_timeout expired " + cancel_id));
    CHECK(h.engine->stats().breaks_by_kind[13] == 1);  // request_timeout
    // Given up: a new cancel is accepted.
    h.request(gateway::CancelOrder{"c1-y", "c1"});
    REQUIRE(h.run_until([&] { return h.sent.size() == 4; }));
    before = h.engine->book();
    raws = h.raw_to_message;
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path, {}, with_timeout(2));
  again.raw_to_message = raws;
  again.engine->recover();
  CHECK(again.engine->book() == before);
}

TEST_CASE("an order with no answer in time, acknowledged by the status answer, raises nothing") {
  TempDir dir;
  Harness h(dir.path, {}, with_timeout(2));
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return h.sent.size() == 1; }));
  const auto cl_ord_id = std::get<order::NewOrderSingle>(h.sent[0].second).cl_ord_id;
  h.clock_ns += 2'100'000'000;
  REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
  CHECK(std::holds_alternative<fix::OrderStatusRequest>(h.sent[1].second));
  // The acknowledgement was lost; the status answer (ExecID "0") tells: a break, then nothing more.
  h.broker(report(cl_ord_id, "0", ExecType::order_status, OrdStatus::new_order, "0", "100"), "raw-S1");
  REQUIRE(h.run_until([&] { return h.events<gateway::Break>().size() == 1; }));
  CHECK(only<gateway::Break>(h).kind == "status_mismatch");
  h.clock_ns += 2'100'000'000;
  h.settle(std::chrono::milliseconds(200));
  CHECK(h.events<gateway::Break>().size() == 1);
  CHECK(h.engine->book().find("trader", "c1")->status == OrdStatus::new_order);
}

TEST_CASE("a cancel accepted but never sent before a crash is sent at the next logon; what went out is not") {
  TempDir dir;
  std::string nos_id;
  std::string cancel_id;
  std::map<std::string, fix::Inbound> raws;
  {
    Harness h(dir.path);
    nos_id = acked_order(h);
    h.request(new_order("c2"));
    REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
    const auto second_id = std::get<order::NewOrderSingle>(h.sent[1].second).cl_ord_id;
    h.request(gateway::CancelOrder{"c1-x", "c1"});
    REQUIRE(h.run_until([&] { return h.sent.size() == 3; }));
    cancel_id = std::get<order::OrderCancelRequest>(h.sent[2].second).cl_ord_id;
    // The session layer journaled both orders going out, and crashed before the cancel did.
    for (const auto& id : {nos_id, second_id}) {
      REQUIRE(h.journal->append(journal::RecordKind::fix_out, "SIM", "8=FIX.4.4\x01" "35=D\x01" "34=2\x01" "11=" + id + "\x01",
                                h.clock_ns));
    }
    raws = h.raw_to_message;
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path);
  again.raw_to_message = raws;
  again.engine->recover();
  again.settle(std::chrono::milliseconds(100));
  CHECK(again.sent.empty());  // nothing goes out while the session is down
  again.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(again.run_until([&] { return again.sent.size() == 2; }));
  again.settle(std::chrono::milliseconds(100));
  REQUIRE(again.sent.size() == 2);
  // c1: its cancel again, same ClOrdID; c2 (sent, still pending new): the broker is asked.
  const auto* cancel = std::get_if<order::OrderCancelRequest>(&again.sent[0].second);
  REQUIRE(cancel != nullptr);
  CHECK(cancel->cl_ord_id == cancel_id);
  CHECK(cancel->orig_cl_ord_id == nos_id);
  CHECK(std::holds_alternative<fix::OrderStatusRequest>(again.sent[1].second));
}

TEST_CASE("the pending-request timers wait while the session is down and start again at its logon") {
  TempDir dir;
  Harness h(dir.path, {}, with_timeout(2));
  acked_order(h);
  const auto cancel_id = cancel_sent(h);
  h.engine->post(engine::SessionChange{"SIM", false});
  REQUIRE(h.run_until([&] { return h.events<gateway::SessionStatus>().size() == 2; }));
  h.clock_ns += 5'000'000'000;
  h.settle(std::chrono::milliseconds(200));
  CHECK(h.sent.size() == 2);  // no status request on a session that is down
  CHECK(h.events<gateway::Break>().empty());
  // The logon asks the status of the order at once; that was the first wait's step.
  h.engine->post(engine::SessionChange{"SIM", true});
  REQUIRE(h.run_until([&] { return h.sent.size() == 3; }));
  CHECK(std::holds_alternative<fix::OrderStatusRequest>(h.sent[2].second));
  h.settle(std::chrono::milliseconds(100));
  CHECK(h.events<gateway::Break>().empty());
  h.clock_ns += 2'100'000'000;
  REQUIRE(h.run_until([&] { return !h.events<gateway::Break>().empty(); }));
  CHECK(only<gateway::Break>(h).kind == "request_timeout");
  CHECK(journal_has(h, "request_timeout expired " + cancel_id));
  CHECK(h.sent.size() == 3);  // the status was asked by the logon, not again by the timer
}

TEST_CASE("recovery applies the inbound messages the session layer delivered, never one it queued, rejected or ignored") {
  TempDir dir;
  std::string cl_ord_id;
  std::map<std::string, fix::Inbound> raws;
  {
    Harness h(dir.path);
    cl_ord_id = acked_order(h);
    // What the session layer journaled before a kill -9, none of it applied by the engine yet:
    // F1 queued behind a gap, F2 answered with a Reject, F3 a PossDup it ignored, F4 delivered.
    const auto journaled = [&](const char* exec_id, const char* cum, const char* leaves, const std::string& verdict) {
      const std::string raw = std::string("raw-") + exec_id;
      raws[raw] = report(cl_ord_id, exec_id, ExecType::trade, OrdStatus::partially_filled, cum, leaves, "10");
      const auto record = h.journal->append(journal::RecordKind::fix_in, "SIM", raw, h.clock_ns);
      REQUIRE(record.has_value());
      REQUIRE(h.journal->append(journal::RecordKind::fix_verdict, "SIM", std::to_string(*record) + " " + verdict, h.clock_ns));
    };
    journaled("F1", "10", "90", "queued: MsgSeqNum too high, expecting 3 but received 4");
    journaled("F2", "10", "90", "rejected: Reject Value is incorrect (out of range) for this tag");
    journaled("F3", "10", "90", "ignored: PossDup duplicate (MsgSeqNum 2, expecting 3)");
    journaled("F4", "10", "90", "delivered next=4");
    REQUIRE(h.journal->append(journal::RecordKind::fix_garbage, "SIM", "8=FIX.4.4\x01" "9=5\x01" "35=8\x01" "10=000\x01",
                              h.clock_ns));
    for (const auto& [raw, message] : h.raw_to_message) raws.emplace(raw, message);
    REQUIRE(h.journal->close().has_value());
  }
  Harness again(dir.path);
  again.raw_to_message = raws;
  again.engine->recover();
  REQUIRE(again.run_until([&] { return !again.events<gateway::Execution>().empty(); }));
  again.settle(std::chrono::milliseconds(200));
  const auto executions = again.events<gateway::Execution>();
  REQUIRE(executions.size() == 1);
  CHECK(executions[0]->exec_id == "F4");
  CHECK(again.engine->book().find_by_cl_ord_id(cl_ord_id)->cum_qty == Qty::from_whole(10));
}
