// SPDX-License-Identifier: Apache-2.0
#pragma once
// One order as the book tracks it: what the client asked for, what the broker last said, the chain
// of ClOrdIDs it has carried on FIX, and every execution seen for it (so none is applied twice).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/types.hpp"
#include "fixgate/core/wide_price.hpp"

namespace fixgate::order {

/// What kind of upstream request created a link in the ClOrdID chain.
enum class RequestKind : std::uint8_t { new_order, cancel, replace };

/// Where the broker stands on a request: no answer yet, accepted, refused, or no answer in time
/// (fixgate gave up waiting and told the client it was refused; a late answer is still applied).
enum class LinkState : std::uint8_t { pending, accepted, rejected, timed_out };

/// Stable lower-case name ("new_order", "cancel", "replace").
std::string_view name(RequestKind kind);

/// ExecInst (18) values as a set. Each value is one character, 0-9, A-Z or a-z, so 62 bits hold
/// any combination: 8 bytes in the order instead of a string, and the same set however the client
/// ordered or repeated its values.
class ExecInstSet {
 public:
  /// Values separated by single spaces ("6 G"); empty text is the empty set; nullopt names no set.
  static std::optional<ExecInstSet> parse(std::string_view spaced);
  /// The values in 0-9, A-Z, a-z order separated by spaces; empty for the empty set.
  std::string to_string() const;
  bool empty() const { return bits_ == 0; }
  bool operator==(const ExecInstSet&) const = default;

 private:
  std::uint64_t bits_ = 0;
};

/// One request sent on FIX for this order: its ClOrdID and the upstream id it answers to.
struct ChainLink {
  std::string cl_ord_id;        ///< ClOrdID the book generated for the request
  std::string client_order_id;  ///< the upstream client's id for the same request
  RequestKind kind = RequestKind::new_order;
  LinkState state = LinkState::pending;
  bool operator==(const ChainLink&) const = default;
};

/// The one cancel or replace the order may have outstanding.
struct PendingRequest {
  RequestKind kind = RequestKind::cancel;
  std::uint16_t link = 0;      ///< index into Order::chain
  std::optional<Qty> qty;      ///< replace: requested order quantity
  std::optional<Price> price;  ///< replace: requested limit price
  bool acknowledged = false;   ///< the broker sent PendingCancel / PendingReplace for it
  bool operator==(const PendingRequest&) const = default;
};

/// One ExecID seen for the order. Fills keep their quantity and price so a TradeCancel or
/// TradeCorrect that refers to them (ExecRefID) can take them back exactly. The ExecID text lives
/// in Order::exec_ids, so a record is 32 bytes with no allocation of its own.
struct ExecRecord {
  std::uint32_t id_offset = 0;  ///< where the ExecID starts in Order::exec_ids
  std::uint16_t id_size = 0;    ///< its length (ExecIDs longer than 65535 are cut, never seen in FIX)
  ExecType exec_type = ExecType::new_order;
  bool busted = false;  ///< canceled or superseded by a correction
  Qty last_qty;
  WidePrice last_px;
  bool operator==(const ExecRecord&) const = default;
};

/// An order in the book.
struct Order {
  std::string client;  ///< upstream client that owns the order
  std::string account;
  std::string symbol;
  std::string session;   ///< FIX session it was routed to
  std::string order_id;  ///< broker OrderID (37), empty until the broker gives one
  Side side = Side::buy;
  OrdType ord_type = OrdType::limit;
  TimeInForce tif = TimeInForce::day;
  OrdStatus status = OrdStatus::pending_new;
  bool fills_value_lost = false;  ///< a fill's value did not fit in fills_value: no own average
  bool avg_px_disagrees = false;  ///< the broker's AvgPx last differed from the fills' (raised once)
  Qty order_qty;
  std::optional<Price> price;
  std::optional<Price> stop_price;
  std::optional<Timestamp> expire_time;
  ExecInstSet exec_inst;  ///< ExecInst (18) as requested; restated on every replace and resend
  Qty cum_qty;        ///< as the broker last reported it
  Qty leaves_qty;     ///< as the broker last reported it
  WidePrice avg_px;   ///< as the broker last reported it
  Qty fills_qty;           ///< Σ of the fills applied here, net of busts: what CumQty ought to be
  Int128 fills_value = 0;  ///< Σ LastPx × LastQty of those fills (10^-22 units), for an exact average
  Qty cum_discrepancy;     ///< broker CumQty − fills_qty last reported as a break (raised once per change)
  Timestamp created;
  Timestamp updated;
  std::uint16_t current = 0;  ///< index in `chain` of the link the broker last accepted
  std::optional<PendingRequest> pending;
  std::vector<ChainLink> chain;   ///< every request sent on FIX for the order, oldest first
  std::vector<ExecRecord> execs;  ///< every ExecID applied, in arrival order
  std::string exec_ids;           ///< their ExecIDs, back to back

  /// The ClOrdID the order currently goes by on FIX (OrigClOrdID of the next request).
  const std::string& cl_ord_id() const { return chain[current].cl_ord_id; }
  /// The upstream id the order currently goes by (the last accepted replacement's, or the original).
  const std::string& client_order_id() const { return chain[current].client_order_id; }
  /// True while the order can still trade: not filled, canceled, rejected or expired, and not
  /// done for the day unless it is a GTC/GTD order with quantity left (restated next morning).
  bool is_live() const {
    switch (status) {
      case OrdStatus::filled:
      case OrdStatus::canceled:
      case OrdStatus::rejected:
      case OrdStatus::expired:
      case OrdStatus::replaced:
        return false;
      case OrdStatus::done_for_day:
        return (tif == TimeInForce::gtc || tif == TimeInForce::gtd) && !leaves_qty.is_zero();
      default:
        return true;
    }
  }
  /// True once the order is over for good or for the day, but not merely filled (a filled order
  /// may still be replaced to a larger quantity, FIX 4.4 Appendix D C.1.c).
  bool is_ended() const { return !is_live() && status != OrdStatus::filled; }
  /// The outstanding cancel/replace link, if any.
  const ChainLink* pending_link() const { return pending ? &chain[pending->link] : nullptr; }
  /// The ExecID of one of this order's records.
  std::string_view exec_id(const ExecRecord& e) const {
    return std::string_view(exec_ids).substr(e.id_offset, e.id_size);
  }
  /// The record of this ExecID if it was already applied to the order, else null.
  const ExecRecord* find_exec(std::string_view exec_id) const;
  /// True when this ExecID was already applied to the order.
  bool has_exec(std::string_view exec_id) const { return find_exec(exec_id) != nullptr; }
  /// Fills applied and not busted (Trade and TradeCorrect records).
  std::size_t fill_count() const;
  /// Average price of the fills applied here (exact, from fills_value), independent of the broker's.
  WidePrice own_avg_px() const { return wide_average(fills_value, fills_qty); }
  bool operator==(const Order&) const = default;
};

}  // namespace fixgate::order
