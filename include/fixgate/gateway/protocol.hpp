// SPDX-License-Identifier: Apache-2.0
#pragma once
// The upstream protocol as plain structs: what the gateway decodes from JSON lines and hands to
// the engine, and what the engine hands back to be encoded. No Asio or JSON types here.
// The wire format is specified in spec/upstream-protocol.md.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/reject.hpp"
#include "fixgate/core/types.hpp"
#include "fixgate/core/wide_price.hpp"

namespace fixgate::gateway {

/// Identifies one upstream connection inside the gateway (not the client's name).
using ConnectionId = std::uint64_t;

/// What a bearer token (JWT) grants its client, taken from its claims by the gateway.
struct Grant {
  std::vector<std::string> accounts;  ///< "*": all
  bool admin = false;
  std::vector<std::string> sessions;  ///< sessions it may name explicitly; "*": all
  bool operator==(const Grant&) const = default;
};

struct Hello {
  std::string client;
  std::string token;
  std::optional<std::uint64_t> resume_from;  ///< last event seq the client saw
  /// Set by the gateway for a bearer-token login, never read from the wire: the client is not in
  /// the configuration and these are its entitlements.
  std::optional<Grant> grant{};
  bool operator==(const Hello&) const = default;
};

struct NewOrder {
  std::string client_order_id;
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  OrdType ord_type = OrdType::limit;
  TimeInForce tif = TimeInForce::day;
  Qty qty;
  std::optional<Price> price;       ///< required for limit and stop_limit
  std::optional<Price> stop_price;  ///< required for stop and stop_limit
  std::optional<std::string> market;   ///< ExDestination
  std::optional<std::string> session;  ///< explicit route, if entitled
  std::optional<std::string> exec_inst{};     ///< ExecInst (18): FIX values separated by spaces
  std::optional<Timestamp> expire_time{};     ///< ExpireTime (126): required for gtd, refused otherwise
  bool operator==(const NewOrder&) const = default;
};

struct CancelOrder {
  std::string client_order_id;       ///< the new id of this cancel request
  std::string orig_client_order_id;  ///< the order to cancel
  bool operator==(const CancelOrder&) const = default;
};

struct ReplaceOrder {
  std::string client_order_id;       ///< the new id of the replacement
  std::string orig_client_order_id;
  std::optional<Qty> qty;
  std::optional<Price> price;
  bool operator==(const ReplaceOrder&) const = default;
};

struct OrderStatusQuery {
  std::string client_order_id;
  bool operator==(const OrderStatusQuery&) const = default;
};

struct ListOrders {
  std::optional<std::string> account;
  bool operator==(const ListOrders&) const = default;
};

/// Admin: engage ("kill") or release a kill switch. Engaging blocks new orders in scope and
/// cancels every live order in it; only an explicit release lifts it.
struct KillSwitchRequest {
  bool engage = true;
  std::string scope;   ///< "all", "account" or "session" (checked by the decoder)
  std::string target;  ///< the account or session; empty for all
  std::string reason;  ///< why, for the journal and every client
  bool operator==(const KillSwitchRequest&) const = default;
};

/// Admin: set or remove one risk limit at run time.
struct SetLimit {
  std::string scope;                 ///< "defaults", "account" or "symbol" (checked by the decoder)
  std::string target;                ///< the account or symbol; empty for defaults
  std::string limit;                 ///< e.g. "max_order_qty"; checked by the engine
  std::optional<std::string> value;  ///< none: remove the limit
  std::string reason;
  bool operator==(const SetLimit&) const = default;
};

/// Admin: the FIX sessions with their state and sequence numbers.
struct ListSessions {
  bool operator==(const ListSessions&) const = default;
};

/// Admin: what an operator can do to one FIX session.
enum class SessionAction : std::uint8_t { logon, logout, set_seq };

/// Admin: log a session on or off, or set its next sequence numbers (which needs confirm: true,
/// since it changes what the counterparty expects).
struct SessionCommand {
  SessionAction action = SessionAction::logon;
  std::string session;
  std::optional<std::uint64_t> next_sender_seq;  ///< set_seq only
  std::optional<std::uint64_t> next_target_seq;  ///< set_seq only
  std::string reason;
  bool operator==(const SessionCommand&) const = default;
};

/// Admin: reload risk limits and routes from the configuration file.
struct ReloadPolicy {
  std::string reason;
  bool operator==(const ReloadPolicy&) const = default;
};

/// Gateway-internal, never on the wire: the engine answers it with an `error` whose code is
/// `echo`, behind every earlier answer to the connection. The gateway sends its own answers
/// (decoding errors, the final line after a framing error) once that echo is back, so a
/// connection's answers keep the order of its requests.
struct Barrier {
  std::string echo;
  bool operator==(const Barrier&) const = default;
};

using Request = std::variant<Hello, NewOrder, CancelOrder, ReplaceOrder, OrderStatusQuery, ListOrders,
                             KillSwitchRequest, SetLimit, ListSessions, SessionCommand, ReloadPolicy, Barrier>;

/// A decoded request with the connection it came from and the client's optional correlation id.
struct Inbound {
  ConnectionId connection = 0;
  std::string client;      ///< authenticated client name; the gateway forwards nothing else before hello
  std::string request_id;  ///< echoed in the answer ("id" on the wire), may be empty
  Request request;
};

// ---- events (engine → client) ----

struct Accepted {
  std::string client_order_id;
  std::string cl_ord_id{};  ///< the ClOrdID the request went to the broker under (journaled pairing)
};

struct Rejected {
  std::string client_order_id;
  RejectReason reason = RejectReason::internal_error;
  std::string text;
  std::string limit;        ///< the risk check that refused, e.g. "max_order_qty"
  std::string limit_value;  ///< the limit it hit
};

struct Execution {
  std::string client_order_id;
  std::string orig_client_order_id{};  ///< the order's id the report's OrigClOrdID names; empty when none
  std::string exec_id;               ///< empty for a session/business reject of the order (no ExecID)
  ExecType exec_type = ExecType::new_order;
  OrdStatus status = OrdStatus::new_order;
  std::string symbol{};
  std::optional<Side> side{};
  Qty order_qty;
  Qty cum_qty;
  Qty leaves_qty;
  Qty last_qty;
  WidePrice last_px;  ///< as the broker reported it (up to 18 decimals)
  WidePrice avg_px;   ///< as the broker last reported it (up to 18 decimals)
  std::string text;
};

struct CancelRejected {
  std::string client_order_id;       ///< the cancel/replace request's id
  std::string orig_client_order_id;
  std::string text;                  ///< the broker's Text (58) as sent, or why fixgate gave up waiting
  std::optional<int> cxl_rej_reason{};  ///< CxlRejReason (102) as sent, when the broker gave one
};

/// One break per inbound message (or timer), naming the order and the message it came from.
struct Break {
  std::string client_order_id;  ///< may be empty for a report about an unknown order
  std::string kind;             ///< stable code, e.g. "overfill", "unknown_order", "cum_qty_mismatch"
  std::string text;             ///< every discrepancy the message showed, "; "-separated
  std::string exec_id{};        ///< ExecID of the report it came from; empty for other messages
  std::uint64_t record = 0;     ///< journal record of the inbound FIX message (fix_in); 0: none
};

struct SessionStatus {
  std::string session;
  bool up = false;
};

/// A kill switch engaged or released (sent to every client).
struct KillSwitchStatus {
  std::string scope;
  std::string target;
  bool engaged = true;
  std::string by;      ///< the admin client, or "auto" for a breach
  std::string reason;
  std::uint32_t cancels = 0;  ///< cancels sent when it was engaged
};

/// One FIX session as an operator sees it.
struct SessionState {
  std::string session;
  bool enabled = true;
  bool logged_on = false;
  std::uint64_t next_sender_seq = 0;
  std::uint64_t next_target_seq = 0;
  std::string last_error;       ///< the counterparty's last Logout/Reject text refusing a logon; may be empty
  bool needs_operator = false;  ///< not reconnecting until an operator's set-seq and logon
};

/// Answer to `sessions`.
struct SessionList {
  std::vector<SessionState> sessions;
};

/// An operator's session command was carried out (sent to every admin client).
struct SessionCommandDone {
  std::string session;
  std::string action;  ///< "logon", "logout" or "set_seq"
  std::optional<std::uint64_t> next_sender_seq;
  std::optional<std::uint64_t> next_target_seq;
  std::string by;
  std::string reason;
};

/// Risk limits and routes were reloaded from the file (sent to every admin client).
struct PolicyReloaded {
  bool changed = false;  ///< false: the file's policy was already in force
  std::string by;        ///< admin client, or "signal" for SIGHUP
  std::string reason;
};

/// A risk limit changed at run time (sent to every admin client).
struct LimitChanged {
  std::string scope;
  std::string target;
  std::string limit;
  std::optional<std::string> value;  ///< none: removed
  std::string by;
  std::string reason;
};

/// A request of an order still waiting for the broker's answer.
struct PendingRequestView {
  std::string kind;             ///< "new_order", "cancel" or "replace"
  std::string client_order_id;  ///< the request's upstream id
  std::string cl_ord_id;        ///< the ClOrdID it was sent with
  bool acknowledged = false;    ///< the broker said PendingCancel / PendingReplace
};

/// A break raised for an order, as its snapshot lists it.
struct OrderBreak {
  std::string kind;
  std::string exec_id;
  std::string text;
};

/// Answer to status / list: a snapshot of one order.
struct OrderSnapshot {
  std::string client_order_id;
  std::string account;
  std::string symbol;
  Side side = Side::buy;
  OrdStatus status = OrdStatus::pending_new;
  Qty order_qty;
  Qty cum_qty;
  Qty leaves_qty;
  WidePrice avg_px;  ///< as the broker last reported it
  std::optional<Price> price;
  std::vector<std::string> fix_chain;      ///< ClOrdIDs used on the FIX side, oldest first
  std::optional<std::string> pending;      ///< "cancel" or "replace" when one is outstanding
  std::string cl_ord_id{};                 ///< the ClOrdID the order goes by now (the last accepted)
  std::vector<PendingRequestView> pending_requests{};  ///< every request still unanswered (new order included)
  std::uint64_t fills = 0;                 ///< fills applied, net of busts
  std::uint64_t break_count = 0;           ///< breaks raised for the order
  std::vector<OrderBreak> breaks{};        ///< the latest of them (at most 16), oldest first
};

struct OrderList {
  std::vector<OrderSnapshot> orders;
};

/// A request that could not be decoded; the connection stays open.
struct Error {
  std::string code;   ///< e.g. "invalid_json", "unknown_field", "wrong_type", "missing_field"
  std::string field;  ///< offending field, when there is one
  std::string text;
  std::optional<std::uint64_t> offset;  ///< byte offset in the line, for invalid_json
};

struct Welcome {
  std::string client;
  std::uint64_t next_seq = 1;
};

using Event = std::variant<Accepted, Rejected, Execution, CancelRejected, Break, SessionStatus,
                           OrderSnapshot, OrderList, Error, Welcome, KillSwitchStatus, LimitChanged,
                           SessionList, SessionCommandDone, PolicyReloaded>;

/// An event addressed to a client. Stream events (order lifecycle, breaks, session status) carry
/// the client's sequence number; direct answers (errors, snapshots) carry seq 0 and are not replayed.
struct Outbound {
  ConnectionId connection = 0;  ///< 0: deliver to every live connection of `client`
  std::string client;
  std::uint64_t seq = 0;
  std::string request_id;
  Event event;
};

}  // namespace fixgate::gateway
