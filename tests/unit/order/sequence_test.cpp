// SPDX-License-Identifier: Apache-2.0
// Randomized, bounded sequences: upstream requests and a consistent simulated broker (races,
// resends, busts, unsolicited cancels and restatements). Seeds are fixed, so a failure replays.

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "sim_broker.hpp"

using namespace order_test;

namespace {

constexpr std::uint32_t kSequences = 300;
constexpr int kSteps = 250;

std::int64_t pick(std::mt19937& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

/// One random sequence: its book, its broker and every input, for the fold check.
class Sequence {
 public:
  /// With `faults`, some broker reports are corrupted on the way (unknown ids, wrong CumQty).
  explicit Sequence(std::uint32_t seed, bool faults = false) : broker_(seed), faults_(faults) {}

  /// Delivers one broker message in eight late, after a few later ones (a slow path, a replay).
  void delay_some() { delays_ = true; }

  void step() {
    auto roll = pick(broker_.rng(), 0, 9);
    if (roll < 2 && book_.orders().size() < 8)
      send_new();
    else if (roll < 4 && !book_.orders().empty())
      send_cancel_or_replace();
    else if (auto m = broker_.act())
      delays_ ? deliver_late(*m) : deliver(*m);
  }

  const OrderBook& book() const { return book_; }
  const std::vector<Input>& inputs() const { return inputs_; }
  int delivered() const { return delivered_; }
  int faults() const { return injected_; }

 private:
  std::string next_id() { return "c" + std::to_string(++ids_); }

  void send_new() {
    auto r = new_order(next_id(), pick(broker_.rng(), 1, 100));
    inputs_.push_back(r);
    auto sent = book_.on_new(r);
    REQUIRE(sent);
    broker_.receive(*sent);
  }

  void send_cancel_or_replace() {
    const auto orders = book_.orders();
    const Order& o = orders[static_cast<std::size_t>(pick(broker_.rng(), 0, std::ssize(orders) - 1))];
    // Any id the order has carried upstream names it, rejected requests' ids included.
    const auto& link = o.chain[static_cast<std::size_t>(pick(broker_.rng(), 0, std::ssize(o.chain) - 1))];
    if (pick(broker_.rng(), 0, 1) == 0) {
      auto r = cancel(next_id(), link.client_order_id);
      inputs_.push_back(r);
      if (auto sent = book_.on_cancel(r)) broker_.receive(*sent);
    } else {
      auto r = replace(next_id(), link.client_order_id, pick(broker_.rng(), 1, 150));
      inputs_.push_back(r);
      if (auto sent = book_.on_replace(r)) broker_.receive(*sent);
    }
  }

  void deliver(const BrokerMessage& message) {
    if (faults_) return deliver_with_fault(message);
    const BrokerMessage& m = message;
    ++delivered_;
    const std::string& cl = std::visit([](const auto& v) -> const std::string& { return v.cl_ord_id; }, m);
    bool bust = false;
    ReportOutcome out;
    if (const auto* r = std::get_if<ExecReport>(&m)) {
      inputs_.push_back(*r);
      out = book_.on_exec_report(*r);
      bust = r->exec_type == ExecType::trade_cancel;
    } else {
      inputs_.push_back(std::get<CancelReject>(m));
      out = book_.on_cancel_reject(std::get<CancelReject>(m));
    }
    if (out.raised) UNSCOPED_INFO("break " << code(out.raised->kind) << ": " << out.raised->text);
    CHECK_FALSE(out.raised.has_value());
    CHECK(code(out.disposition) == (broker_.last_was_resend() ? "duplicate" : "applied"));
    REQUIRE(out.order != nullptr);
    check_against_broker(*out.order, *broker_.find(cl), bust);
  }

  void deliver_late(const BrokerMessage& m) {
    if (pick(broker_.rng(), 0, 7) == 0) {
      held_.push_back({m, static_cast<int>(pick(broker_.rng(), 1, 6))});
    } else {
      deliver_out_of_order(m);
    }
    for (auto it = held_.begin(); it != held_.end();) {
      if (--it->second > 0) {
        ++it;
        continue;
      }
      auto late = it->first;
      it = held_.erase(it);
      deliver_out_of_order(late);
    }
  }

  // Out of order, the book may rightly raise breaks (a fill after the cancel that overtook it);
  // what must hold is that nothing moves back: a finished order reopens only through a trade
  // bust/correction or an accepted replace, an acknowledged order never returns to pending new,
  // and CumQty falls only through a bust.
  void deliver_out_of_order(const BrokerMessage& m) {
    ++delivered_;
    const std::string& cl = std::visit([](const auto& v) -> const std::string& { return v.cl_ord_id; }, m);
    const Order* before = book_.find_by_cl_ord_id(cl);
    bool was_live = before && before->is_live();
    bool acked = before && before->chain.front().state != LinkState::pending;
    Qty cum_before = before ? before->cum_qty : Qty{};
    ExecType type = ExecType::order_status;
    ReportOutcome out;
    if (const auto* r = std::get_if<ExecReport>(&m)) {
      type = r->exec_type;
      inputs_.push_back(*r);
      out = book_.on_exec_report(*r);
    } else {
      inputs_.push_back(std::get<CancelReject>(m));
      out = book_.on_cancel_reject(std::get<CancelReject>(m));
    }
    if (!out.order || !before) return;
    INFO(name(type) << " " << code(out.disposition) << " now " << name(out.order->status));
    bool may_reopen = type == ExecType::trade_cancel || type == ExecType::trade_correct ||
                      type == ExecType::replaced || type == ExecType::pending_replace;
    if (!was_live && !may_reopen) CHECK_FALSE(out.order->is_live());
    if (acked) CHECK(out.order->status != OrdStatus::pending_new);
    bool bust = type == ExecType::trade_cancel || type == ExecType::trade_correct;
    if (!bust) CHECK(out.order->cum_qty >= cum_before);
    std::set<std::string_view> ids;
    for (const auto& e : out.order->execs) CHECK(ids.insert(out.order->exec_id(e)).second);
  }

  // Corrupts one report in ten; each corruption must come back as a break, never in silence.
  void deliver_with_fault(BrokerMessage m) {
    ++delivered_;
    auto* r = std::get_if<ExecReport>(&m);
    int fault = (r && !broker_.last_was_resend() && r->exec_type != ExecType::restated)
                    ? static_cast<int>(pick(broker_.rng(), 0, 19))
                    : 99;
    auto orders_before = book_.orders().size();
    if (fault == 0) {
      r->cl_ord_id = "ELSEWHERE-" + r->cl_ord_id;
      r->orig_cl_ord_id.clear();
      r->order_id = "NOT-OURS";
    } else if (fault == 1) {
      r->cum_qty += qty(1);
    }
    ReportOutcome out;
    if (r) {
      inputs_.push_back(*r);
      out = book_.on_exec_report(*r);
    } else {
      inputs_.push_back(std::get<CancelReject>(m));
      out = book_.on_cancel_reject(std::get<CancelReject>(m));
    }
    auto kinds = [&] {
      std::set<std::string> k;
      if (out.raised) {
        k.insert(std::string(code(out.raised->kind)));
        for (BreakKind also : out.raised->also) k.insert(std::string(code(also)));
      }
      return k;
    }();
    if (fault == 0) {
      ++injected_;
      CHECK(out.disposition == Disposition::unknown_order);
      CHECK(kinds.contains("unknown_order"));
      CHECK(book_.orders().size() == orders_before);  // no phantom order
    } else if (fault == 1) {
      ++injected_;
    }
    if (r && out.order && out.applied()) {
      // Every report whose CumQty disagrees with the fills applied is reported now, or continues
      // a discrepancy of the same size already reported: never silence. The CumQty compared is
      // the one the order keeps: the highest reported, lowered only by a bust (a lower one is a
      // late report, compared with what the order kept).
      const Order& o = *out.order;
      auto& kept = kept_[o.chain.front().cl_ord_id];
      const bool bust = r->exec_type == ExecType::trade_cancel || r->exec_type == ExecType::trade_correct;
      if (bust || r->cum_qty >= kept) kept = r->cum_qty;
      Qty discrepancy = kept - o.fills_qty;
      auto& reported = reported_[o.chain.front().cl_ord_id];
      if (kinds.contains("cum_qty_mismatch")) reported = discrepancy;
      if (discrepancy.is_zero()) reported = Qty{};
      INFO(name(r->exec_type) << " fault " << fault << " report cum " << r->cum_qty.to_string() << " fills "
                              << o.fills_qty.to_string() << " reported " << reported.to_string());
      if (!discrepancy.is_zero()) CHECK(reported == discrepancy);
    }
    if (out.order) {
      std::set<std::string_view> ids;
      for (const auto& e : out.order->execs) CHECK(ids.insert(out.order->exec_id(e)).second);
    }
  }

  void check_against_broker(const Order& o, const SimOrder& truth, bool bust) {
    if (!broker_.last_was_resend()) {
      // A filled order stays filled when the broker only now acknowledges a cancel it will
      // have to refuse (FIX precedence would say pending cancel; the order cannot trade again).
      bool filled_pending = o.status == OrdStatus::filled && truth.cum == truth.qty &&
                            SimBroker::status_of(truth) == OrdStatus::pending_cancel;
      if (!filled_pending) CHECK(name(o.status) == name(SimBroker::status_of(truth)));
      CHECK(o.order_qty == truth.qty);
      CHECK(o.cum_qty == truth.cum);
    }
    // CumQty never goes down except through a trade bust.
    auto& last = last_cum_[o.chain.front().cl_ord_id];
    if (!bust) CHECK(o.cum_qty >= last);
    last = o.cum_qty;
    // Every fill counted once: the fills applied are what the broker reports as CumQty.
    CHECK(o.fills_qty == o.cum_qty);
    if (o.is_live()) CHECK(o.leaves_qty + o.cum_qty == o.order_qty);
    std::set<std::string> ids;
    for (const auto& e : o.execs) CHECK(ids.insert(std::string(o.exec_id(e))).second);
  }

  SimBroker broker_;
  OrderBook book_{"FG"};
  std::vector<Input> inputs_;
  std::map<std::string, Qty> last_cum_;
  bool faults_ = false;
  bool delays_ = false;
  std::vector<std::pair<BrokerMessage, int>> held_;  ///< late messages and steps left to wait
  std::map<std::string, Qty> reported_;              ///< per order: the CumQty discrepancy last raised
  std::map<std::string, Qty> kept_;                  ///< per order: the CumQty it keeps
  int ids_ = 0;
  int delivered_ = 0;
  int injected_ = 0;
};

}  // namespace

TEST_CASE("random sequences keep every order balanced, count each fill once and never break") {
  int delivered = 0;
  std::uint64_t duplicates = 0;
  std::map<std::string, int> seen;  // what the sequences exercised, so the test cannot go hollow
  for (std::uint32_t seed = 1; seed <= kSequences; ++seed) {
    INFO("seed " << seed);
    Sequence sequence(seed);
    for (int i = 0; i < kSteps; ++i) sequence.step();
    delivered += sequence.delivered();
    duplicates += sequence.book().counters().duplicates;
    CHECK(sequence.book().counters().breaks == 0);
    for (const Order& o : sequence.book().orders()) {
      ++seen[std::string(name(o.status))];
      for (const auto& link : o.chain) {
        if (link.kind != RequestKind::new_order)
          ++seen[std::string(name(link.kind)) +
                 (link.state == LinkState::rejected ? "_rejected" : "_accepted")];
      }
      for (const auto& e : o.execs) ++seen[std::string(name(e.exec_type))];
    }
  }
  CHECK(delivered > 10000);
  CHECK(duplicates > 500);
  for (const char* what : {"filled", "canceled", "expired", "rejected", "partially_filled", "cancel_accepted",
                           "cancel_rejected", "replace_accepted", "replace_rejected", "trade_cancel",
                           "restated", "pending_cancel", "pending_replace"}) {
    INFO(what);
    CHECK(seen[what] > 20);
  }
}

TEST_CASE("rebuilding a book from its inputs reproduces it exactly") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    INFO("seed " << seed);
    Sequence sequence(seed);
    for (int i = 0; i < kSteps; ++i) sequence.step();
    OrderBook again = rebuild("FG", sequence.inputs());
    CHECK(again == sequence.book());
    // Also from a prefix: the fold holds at every point, not only at the end.
    auto half = std::span(sequence.inputs()).first(sequence.inputs().size() / 2);
    CHECK(rebuild("FG", half) == rebuild("FG", half));
    CHECK(again.next_cl_ord_seq() == sequence.book().next_cl_ord_seq());
  }
}

TEST_CASE("corrupted broker reports always raise a break and never create an order") {
  int injected = 0;
  for (std::uint32_t seed = 1; seed <= 100; ++seed) {
    INFO("seed " << seed);
    Sequence sequence(seed, true);
    for (int i = 0; i < kSteps; ++i) sequence.step();
    injected += sequence.faults();
    CHECK(rebuild("FG", sequence.inputs()) == sequence.book());
  }
  CHECK(injected > 300);
}

TEST_CASE("late reports never move an order back, whatever they overtook") {
  std::uint64_t stale = 0;
  for (std::uint32_t seed = 1; seed <= 100; ++seed) {
    INFO("seed " << seed);
    Sequence sequence(seed);
    sequence.delay_some();
    for (int i = 0; i < kSteps; ++i) sequence.step();
    stale += sequence.book().counters().stale;
    CHECK(rebuild("FG", sequence.inputs()) == sequence.book());
  }
  CHECK(stale > 50);  // late reports did arrive after what they should have preceded
}
