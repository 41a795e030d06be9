// SPDX-License-Identifier: Apache-2.0
#pragma once
// The simulated venue: a book of the orders it acknowledged and the rules that work them. It runs
// on the transport's single thread. Requests and fill steps are queued with a due time and taken
// in that order by do_work(), so a fill delay never blocks the session and a fill that fell due
// before a cancel or replace arrived goes out before it, on the order as it was then.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "options.hpp"
#include "prices.hpp"
#include "recorder.hpp"

namespace fixgate::sim {

/// The clock reports are scheduled on.
using Clock = std::chrono::steady_clock;

/// Sends one application message on a session; false when it could not be sent now.
using SendFn = std::function<bool(const FIX::SessionID&, FIX::Message&)>;

/// What to do with orders, from the command line.
struct Behaviour {
  FillMode fill_mode = FillMode::full;
  int partial_fills = 1;
  std::chrono::milliseconds fill_delay{0};
  std::vector<std::string> reject_symbols;
  std::vector<std::string> reject_accounts;
  std::vector<SimPrice> fill_prices;  ///< of successive fills, the last repeating; empty: the limit price
  Modes modes;
};

/// Records every fill among a session's stored outbound messages that the recorder lacks; returns
/// how many it recorded. A fill is sent (stored) before it is recorded, so a simulator killed in between has a
/// fill on the wire, or waiting for resend, that its execution files miss: run at start-up, this
/// makes the files match what the counterparty has received or will receive.
std::size_t record_stored_fills(const FIX::SessionID& session, const std::vector<std::string>& stored,
                                Recorder& recorder);

/// Order book and matching rules of the simulator.
class Exchange {
 public:
  /// `id_prefix` makes ExecIDs and OrderIDs unique across restarts (the start time).
  Exchange(Behaviour behaviour, Recorder& recorder, SendFn send, std::string id_prefix);

  /// Takes one inbound application message, to be worked in arrival order by do_work(). Throws
  /// what makes QuickFIX answer at the session level: FIX::IncorrectTagValue (a Reject, 35=3) for
  /// a --session-reject rule, FIX::UnsupportedMessageType (a BusinessMessageReject, 35=j) for a
  /// --business-reject rule or a message type the exchange does not serve.
  void on_message(const FIX::Message& msg, const FIX::SessionID& session);
  /// Works every request and fill step due by `now`; returns how many it took.
  int do_work(Clock::time_point now);
  /// When the next queued request or fill step falls due, if any.
  std::optional<Clock::time_point> next_due() const;

 private:
  struct Order {
    FIX::SessionID session;
    std::string order_id;
    std::string cl_ord_id;
    std::string account;
    std::string symbol;
    std::string side;
    std::string ord_type;
    std::string time_in_force;
    std::optional<SimPrice> price;
    Qty qty;
    Qty cum;
    Notional value;  // Σ LastPx × LastQty, for the AvgPx
    char status = '0';
    int fills_left = 0;
    int fills_done = 0;
    std::string ack_exec_id;        // of the New report
    std::string last_fill_exec_id;  // of the latest fill
  };
  struct Pending {
    Clock::time_point due;
    std::uint64_t seq = 0;                // FIFO among equal due times
    std::string fill_order_id;            // non-empty: a fill step for this order
    std::optional<FIX::Message> request;  // otherwise an inbound request
    FIX::SessionID session;
  };
  struct LaterFirst {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };

  void work(const FIX::Message& msg, const FIX::SessionID& session, Clock::time_point at);
  void on_new_order(const FIX::Message& msg, const FIX::SessionID& session, Clock::time_point at);
  void on_cancel(const FIX::Message& msg, const FIX::SessionID& session);
  void on_replace(const FIX::Message& msg, const FIX::SessionID& session);
  void on_status(const FIX::Message& msg, const FIX::SessionID& session);
  void fill_step(Order& order, Clock::time_point at);
  const CancelRejectRule* cancel_reject_rule(Request request) const;

  Order* find(const FIX::SessionID& session, const std::string& cl_ord_id,
              const std::string& order_id);
  bool cl_ord_id_used(const FIX::SessionID& session, const std::string& cl_ord_id) const;
  void index(const Order& order);
  std::string reject_reason_for(const Order& order) const;

  FIX::Message report(const Order& order, char exec_type);
  FIX::Message status_report(const Order& order);
  FIX::Message cancel_reject(const FIX::SessionID& session, const FIX::Message& request,
                             const Order* order, char response_to, int reason,
                             const std::string& text);
  void send(const FIX::SessionID& session, FIX::Message msg);
  void queue_fill(const Order& order, Clock::time_point due);
  SimPrice fill_price_for(const Order& order) const;
  std::string next_exec_id();

  Behaviour behaviour_;
  PriceWriter prices_;
  Recorder& recorder_;
  SendFn send_;
  std::string id_prefix_;
  std::uint64_t exec_seq_ = 0;
  std::uint64_t order_seq_ = 0;
  std::uint64_t pending_seq_ = 0;
  std::unordered_map<std::string, Order> orders_;         // by OrderID
  std::unordered_map<std::string, std::string> by_clid_;  // session|ClOrdID -> OrderID
  std::priority_queue<Pending, std::vector<Pending>, LaterFirst> pending_;
};

/// True for the FIX 4.4 dialect (ExecType F for trades, no ExecTransType).
bool is_fix44(const FIX::SessionID& session);

}  // namespace fixgate::sim
