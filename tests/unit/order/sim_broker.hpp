// SPDX-License-Identifier: Apache-2.0
#pragma once
// A consistent simulated broker for randomized sequence tests: it keeps its own book of the orders
// fixgate sent and answers with the reports FIX 4.4 Appendix D prescribes, including races, resends,
// unsolicited cancels and restatements, trade busts. Everything it says is true (its AvgPx rounded
// the way a broker's double prints), so the order book must never raise a break while following it.

#include <map>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "helpers.hpp"

namespace order_test {

/// One order as the simulated broker holds it.
struct SimOrder {
  std::string current;  ///< ClOrdID last accepted
  std::string order_id;
  Qty qty;
  Qty cum;
  bool acked = false;
  bool done = false;               ///< no more fills expected (filled, rejected, ended)
  std::optional<OrdStatus> ended;  ///< canceled, expired or rejected: final
  struct Pending {
    RequestKind kind = RequestKind::cancel;
    std::string cl_ord_id;
    Qty qty;
    bool acked = false;
  };
  std::optional<Pending> pending;
  struct Fill {
    std::string exec_id;
    Qty qty;
    Price px;
  };
  std::vector<Fill> fills;  ///< fills not busted
  /// AvgPx as brokers compute it: in binary floating point, printed to 15 significant digits.
  WidePrice avg_px() const;
};

/// A broker message: an execution report or a cancel reject.
using BrokerMessage = std::variant<ExecReport, CancelReject>;

class SimBroker {
 public:
  explicit SimBroker(std::uint32_t seed) : rng_(seed) {}

  /// Takes a command the book asked to send.
  void receive(const FixCommand& command);
  /// Picks something the broker does now, if anything is possible; the message to deliver.
  std::optional<BrokerMessage> act();
  /// The simulated broker's order for a ClOrdID (any in its chain).
  const SimOrder* find(const std::string& cl_ord_id) const;
  /// Status the broker reports for `o` now (FIX precedence: pending > filled > partial > new).
  static OrdStatus status_of(const SimOrder& o, bool with_pending = true);
  /// True when the last message returned by act() was a resend.
  bool last_was_resend() const { return last_resend_; }

  std::mt19937& rng() { return rng_; }

 private:
  ExecReport report(SimOrder& o, ExecType type, const std::string& cl_ord_id, const std::string& orig);
  BrokerMessage ack(SimOrder& o);
  BrokerMessage fill(SimOrder& o);
  BrokerMessage answer_pending(SimOrder& o);
  BrokerMessage unsolicited(SimOrder& o);
  BrokerMessage bust(SimOrder& o);
  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  std::mt19937 rng_;
  std::vector<SimOrder> orders_;
  std::map<std::string, std::size_t> by_cl_ord_id_;
  std::vector<BrokerMessage> sent_;
  int exec_seq_ = 0;
  bool last_resend_ = false;
};

}  // namespace order_test
