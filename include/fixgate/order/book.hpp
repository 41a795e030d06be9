// SPDX-License-Identifier: Apache-2.0
#pragma once
// The order book: every order the engine has sent, driven by upstream requests and broker
// messages. Pure and single-threaded: no I/O, no clock, no threads. Its state is a fold of its
// inputs, so rebuild() over the same inputs gives an equal book, ClOrdIDs included.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fixgate/core/reject.hpp"
#include "fixgate/order/messages.hpp"
#include "fixgate/order/order.hpp"
#include "fixgate/order/outcome.hpp"

namespace fixgate::order {

/// Live and finished orders, indexed by upstream id, FIX ClOrdID and broker OrderID.
class OrderBook {
 public:
  /// `cl_ord_id_prefix` starts every generated ClOrdID ("FG" gives "FG1", "FG2", ...).
  explicit OrderBook(std::string cl_ord_id_prefix = "FG");

  /// Validates a new order and, if accepted, records it and returns the NewOrderSingle to send.
  std::expected<NewOrderSingle, Reject> on_new(const NewOrderRequest& request);
  /// Validates a cancel and, if accepted, marks it pending and returns the OrderCancelRequest.
  std::expected<OrderCancelRequest, Reject> on_cancel(const CancelRequest& request);
  /// Validates a replace and, if accepted, marks it pending and returns the request to send.
  std::expected<OrderCancelReplaceRequest, Reject> on_replace(const ReplaceRequest& request);
  /// Applies an ExecutionReport exactly once.
  ReportOutcome on_exec_report(const ExecReport& report);
  /// Applies an OrderCancelReject: the order leaves its pending state.
  ReportOutcome on_cancel_reject(const CancelReject& reject);
  /// Applies a session or business reject of a request: a new order is rejected, a cancel or
  /// replace refused.
  ReportOutcome on_request_reject(const RequestReject& reject);
  /// Gives up on a request the broker never answered: a cancel/replace is refused (timed out), a
  /// new order stays as it is; either way a request_timeout break.
  ReportOutcome on_timeout(const RequestTimeout& timeout);
  /// The FIX message to send again for the order's unanswered request with this ClOrdID (its
  /// NewOrderSingle while pending new, or its pending cancel/replace), stamped `now`; nullopt when
  /// that request is no longer pending.
  std::optional<FixCommand> resend(std::string_view cl_ord_id, Timestamp now) const;
  /// Applies any input, discarding the result (for rebuilding state from a journal).
  void apply(const Input& input);

  /// The order a client knows by this id (any id in its chain), or null.
  const Order* find(std::string_view client, std::string_view client_order_id) const;
  /// The order that carried this ClOrdID on FIX (any in its chain), or null.
  const Order* find_by_cl_ord_id(std::string_view cl_ord_id) const;
  /// The order the broker knows by this OrderID, or null.
  const Order* find_by_order_id(std::string_view order_id) const;
  /// Orders not yet in a terminal state, optionally of one account, oldest first.
  std::vector<const Order*> live_orders(std::optional<std::string_view> account = {}) const;
  /// Every order, oldest first.
  std::span<const Order> orders() const { return orders_; }
  /// Running totals.
  const Counters& counters() const { return counters_; }
  /// The number the next generated ClOrdID will carry.
  std::uint64_t next_cl_ord_seq() const { return next_seq_; }
  /// The number a ClOrdID this book generated carries; 0 for any other text.
  std::uint64_t cl_ord_seq(std::string_view cl_ord_id) const { return seq_of(cl_ord_id); }
  /// The ClOrdID this book generates with number `seq` (the inverse of cl_ord_seq).
  std::string cl_ord_id_of(std::uint64_t seq) const;

  /// Drops finished orders with nothing pending, to keep memory flat; returns how many. Late
  /// reports for them then count as unknown, so call it at a session boundary (end of day), and
  /// journal it: replay needs it at the same point (apply(EvictDone) does the same).
  std::size_t evict_done();

  /// Same orders, counters and id sequence (indexes are derived, so not compared).
  bool operator==(const OrderBook& other) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;

  std::string next_cl_ord_id();
  std::optional<std::uint32_t> lookup(const Index& index, std::string_view key) const;
  std::optional<std::uint32_t> lookup_cl_ord_id(std::string_view cl_ord_id) const;
  std::uint64_t seq_of(std::string_view cl_ord_id) const;
  static constexpr std::uint32_t kNoOrder = UINT32_MAX;
  struct Located;
  Located locate(const ExecReport& report) const;
  std::expected<std::uint32_t, Reject> live_target(RequestKind kind, std::string_view client,
                                                   std::string_view orig_client_order_id,
                                                   std::string_view client_order_id) const;
  std::uint16_t add_link(std::uint32_t at, RequestKind kind, std::string_view client_order_id);
  void rebuild_indexes();
  Reject refuse(RejectReason reason, std::string text);

  std::string prefix_;
  std::uint64_t next_seq_ = 1;
  std::vector<Order> orders_;
  Index by_client_id_;  ///< client + '\x1f' + client_order_id → order
  // ClOrdIDs are prefix + sequence number, so the sequence indexes them: 4 bytes per ClOrdID
  // instead of a hash-map node, and no string hashing on the hot path of every report.
  std::vector<std::uint32_t> by_seq_;  ///< order of ClOrdID seq_base_ + i, or kNoOrder
  std::uint64_t seq_base_ = 1;
  Index by_order_id_;
  Counters counters_;

  friend class ReportApplier;
};

/// Folds `inputs` into a fresh book: the same inputs always give an equal book.
OrderBook rebuild(std::string cl_ord_id_prefix, std::span<const Input> inputs);

}  // namespace fixgate::order
