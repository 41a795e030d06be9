// SPDX-License-Identifier: Apache-2.0
#pragma once
// The single writer: one thread owns every order, every client's event stream and the routing
// state. Other threads hand it inputs through post(); it journals each input as it takes it,
// applies it, and holds every answer and every FIX send until the journal says the records behind
// them are durable. The same inputs in the same order give the same state: recovery replays the
// journal through the same handlers with output switched off.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/config/policy.hpp"
#include "fixgate/core/histogram.hpp"
#include "fixgate/core/reject.hpp"
#include "fixgate/fix/messages.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/gateway/protocol.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/store.hpp"
#include "fixgate/order/book.hpp"
#include "fixgate/risk/checks.hpp"
#include "fixgate/route/router.hpp"

namespace fixgate::engine {

/// An application message from a FIX session, with the bytes it arrived as.
struct FixInput {
  std::string session;
  fix::Inbound message;
  std::string raw;
  std::uint64_t journal_seq = 0;  ///< the fix_in record the session layer wrote on arrival; 0: none
};

/// A FIX session logged on or off.
struct SessionChange {
  std::string session;
  bool logged_on = false;
};

/// An order message was gap-filled instead of re-sent because it was stale.
struct NotResent {
  std::string session;
  std::string msg_type;
  std::string cl_ord_id;
};

/// The configuration file's risk limits and routes were reloaded (SIGHUP).
struct PolicyReload {
  config::Policy policy;
  std::string source{};                  ///< who asked, for the audit trail: "SIGHUP from pid 1234 (uid 0)"
  std::optional<std::string> refused{};  ///< the file could not be read: nothing changes, the refusal is journaled
};

using Input = std::variant<gateway::Inbound, FixInput, SessionChange, NotResent, PolicyReload>;

/// Where the engine's outputs go: plain functions, so tests capture them directly.
struct Outputs {
  std::function<void(gateway::Outbound)> deliver;
  std::function<fix::SendStatus(const std::string& session, fix::Outbound)> send;
  /// Admin views and commands on the FIX sessions (the daemon wires them to the session layer).
  std::function<std::vector<gateway::SessionState>()> session_states;
  std::function<std::expected<void, std::string>(const gateway::SessionCommand&)> session_command;
  /// Reads the configuration file's limits and routes again (admin `reload`).
  std::function<std::expected<config::Policy, std::string>()> load_policy;
};

/// A running total written by the engine thread only and read from any thread (the ops HTTP
/// thread renders them): relaxed atomic, so `++` costs one uncontended atomic add.
class StatCounter {
 public:
  StatCounter& operator++() noexcept {
    value_.fetch_add(1, std::memory_order_relaxed);
    return *this;
  }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  operator std::uint64_t() const noexcept { return value(); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// How many RejectReason values there are (dense from 0; the last is duplicate_order).
inline constexpr std::size_t reject_reason_count = static_cast<std::size_t>(RejectReason::duplicate_order) + 1;

/// The upstream requests that change orders.
enum class RequestKind : std::uint8_t { new_order, cancel, replace };
inline constexpr std::size_t request_kind_count = static_cast<std::size_t>(RequestKind::replace) + 1;

/// Every break kind the engine raises, by its code: the order book's (order::BreakKind, in that
/// enum's order) then the engine's own.
inline constexpr std::array<std::string_view, 17> break_kinds{
    "unknown_order",    "overfill",        "cum_qty_mismatch", "leaves_qty_mismatch", "unexpected_state",
    "unknown_exec_ref", "field_mismatch",  "status_mismatch",  "exec_id_conflict",    "id_conflict",
    "unknown_request",  "avg_px_mismatch", "message_reject",   "request_timeout",     "business_reject",
    "unreadable_message", "not_delivered"};

/// Accepted and rejected requests of one RequestKind.
struct RequestCounts {
  StatCounter accepted;
  StatCounter rejected;
};

/// Running totals for operators; safe to read from any thread.
struct Stats {
  StatCounter inputs;
  std::array<RequestCounts, request_kind_count> requests;  ///< by RequestKind
  StatCounter kill_switches;      ///< engaged, by hand or automatically
  StatCounter idempotent_replays;
  StatCounter executions;
  /// Execution reports applied, by configured session name (filled before the engine runs, never
  /// resized after, so any thread may read it).
  std::map<std::string, StatCounter, std::less<>> executions_by_session;
  StatCounter breaks;
  std::array<StatCounter, break_kinds.size()> breaks_by_kind;  ///< by index in break_kinds
  StatCounter journal_errors;
  std::array<StatCounter, reject_reason_count> rejects_by_reason;  ///< request rejects, by RejectReason

  const RequestCounts& of(RequestKind kind) const { return requests[static_cast<std::size_t>(kind)]; }
  /// Seconds from the engine taking a new-order request to its NewOrderSingle being queued on
  /// the FIX session (the journal's durability wait included); accepted orders only.
  Histogram order_latency{latency_buckets_seconds()};
};

/// Turns FIX bytes from the journal back into a message (recovery); provided by the fix layer.
using FixDecoder = std::function<fix::Inbound(const std::string& session, const std::string& raw)>;

class Engine {
 public:
  using Clock = std::function<Timestamp()>;

  /// Runs on `journal` (either backend: journal/store.hpp), which must outlive the engine.
  Engine(const config::Config& config, journal::Store& journal, Outputs outputs, Clock clock,
         FixDecoder decode_fix);
  /// Replay only (the journal tool): reads `journal_dir`, never writes, sends or answers.
  Engine(const config::Config& config, std::filesystem::path journal_dir, FixDecoder decode_fix);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Rebuilds state by replaying the journal (before run()); returns the number of records read.
  /// `also` sees every record of the same pass (the FIX store folds its state from it).
  /// `until_ns` stops the replay before the first record stamped later (replay-only engines).
  std::uint64_t recover(const std::function<void(const journal::RecordView&)>& also = {},
                        std::optional<std::int64_t> until_ns = std::nullopt);
  /// Hands an input to the engine thread; any thread, never blocks on the engine.
  void post(Input input);
  /// One pass of the work loop; returns how much it did (0: idle).
  int do_work();
  /// Runs the work loop until `stop` is set, idling on a condition variable.
  void run(const std::atomic<bool>& stop);
  /// Wakes run() so it sees a stop request.
  void wake();

  /// Engine-thread only.
  const order::OrderBook& book() const { return book_; }
  /// Any thread (relaxed counters).
  const Stats& stats() const { return stats_; }
  /// Any thread: inputs posted and not yet taken by the engine thread (a short lock).
  std::size_t inbox_depth();
  /// Any thread: answers and FIX sends held until the journal makes them durable, as of the
  /// engine thread's last pass.
  std::size_t held_depth() const { return held_depth_.load(std::memory_order_relaxed); }
  /// Kill switches engaged now.
  const risk::KillSwitch& kill_switch() const { return kill_switch_; }
  /// Risk limits and routes in force.
  const config::Policy& policy() const { return policy_; }
  /// The account's live orders as the risk checks see them.
  risk::Exposure exposure(const std::string& account) const { return exposure_.of(account); }
  /// The view of an order a client gets from `status`.
  gateway::OrderSnapshot snapshot(const order::Order& order) const;

 private:
  struct Held {
    std::uint64_t journal_seq = 0;  // released once the journal's durable mark reaches it
    std::variant<gateway::Outbound, std::pair<std::string, fix::Outbound>> action;
    /// A NewOrderSingle: when the engine took its request (Stats::order_latency).
    std::optional<std::chrono::steady_clock::time_point> order_taken;
  };
  struct ClientStream {
    std::uint64_t next_seq = 1;
    std::vector<std::uint64_t> journal_seqs;  // event seq n is journal record journal_seqs[n-1]
    std::deque<std::string> unrecorded;       // recovery: events generated but not yet matched
  };

  int poll_inputs();
  /// Fires the pending-request timers that are due (src/engine/timers.cpp).
  int poll_timers();
  /// Takes one input; false when the journal answered backpressure and it must be taken again.
  bool take_once(Input& input);
  /// Takes again the inputs the journal could not store yet, in order; how many it took.
  int retry_deferred();
  /// Journals the events the journal could not store yet, in order, and holds them.
  int store_unstored();
  int poll_journal();
  void take(Input& input);
  void take_upstream(gateway::Inbound& inbound, Timestamp now);
  void take_fix(FixInput& input, Timestamp now);
  void take_session(const SessionChange& change, Timestamp now);
  void reconcile(const std::string& session, Timestamp now);
  void take_not_resent(const NotResent& input, Timestamp now);
  void take_policy(const config::Policy& policy, Timestamp now);

  void on_hello(const gateway::Inbound& inbound);
  void on_new(const gateway::Inbound& inbound, const gateway::NewOrder& request, Timestamp now);
  void on_cancel(const gateway::Inbound& inbound, const gateway::CancelOrder& request, Timestamp now);
  void on_replace(const gateway::Inbound& inbound, const gateway::ReplaceOrder& request, Timestamp now);
  void on_status(const gateway::Inbound& inbound, const gateway::OrderStatusQuery& request);
  void on_list(const gateway::Inbound& inbound, const gateway::ListOrders& request);
  /// The broker message (or timer) behind a book outcome, for the events it gives the client.
  struct Answer {
    const order::ExecReport* report = nullptr;  ///< when it was an ExecutionReport
    std::string text;                           ///< the broker's Text (58) as sent, or fixgate's reason
    std::optional<int> cxl_rej_reason;          ///< CxlRejReason (102) of a cancel reject
    std::uint64_t record = 0;                   ///< journal record of the inbound message; 0: none
  };
  /// What a broker message or a timer settled, told to the owning client (src/engine/broker.cpp).
  void on_report_outcome(const order::ReportOutcome& outcome, const Answer& answer, Timestamp now);
  void on_message_reject(fix::MessageReject& reject, const FixInput& input, Timestamp now);
  void on_unreadable(const fix::Unreadable& message, const FixInput& input);
  /// Emits a break to the order's owner (every admin client when there is no order) and keeps it
  /// for the order's snapshot.
  void raise_break(const order::Order* order, std::string client_order_id, gateway::Break brk);

  // Requests that must reach an end (src/engine/timers.cpp).
  /// One request waiting for the broker's answer.
  struct PendingTimer {
    std::int64_t deadline_ns = 0;
    std::uint64_t cl_ord_seq = 0;  // the request's ClOrdID, by its number in the book
    bool status_asked = false;     // the second wait: a status request went out
  };

  /// Starts (or restarts) the wait for the broker's answer to the request with this ClOrdID.
  void arm_timer(const std::string& session, const std::string& cl_ord_id, bool status_asked);
  /// One timer ran out: ask the broker for the order's status, or give up on the request.
  int on_pending_timer(const std::string& session, const PendingTimer& timer, Timestamp now);
  void take_timeout(const std::string& cl_ord_id, bool status, Timestamp now);
  /// After a logon: re-sends what never went out, asks the status of every other live order.
  void reconcile_order(const order::Order& order, Timestamp now);
  /// Recovery: the message the session sent as `msg_seq_num` before journal record `before`.
  std::string sent_before(const std::string& session, std::uint64_t msg_seq_num, std::uint64_t before);
  void on_kill_switch(const gateway::Inbound& inbound, const gateway::KillSwitchRequest& request, Timestamp now);
  void on_set_limit(const gateway::Inbound& inbound, const gateway::SetLimit& request);
  // Admin views and session commands (src/engine/admin.cpp).
  void on_sessions(const gateway::Inbound& inbound);
  void on_session_command(const gateway::Inbound& inbound, const gateway::SessionCommand& request);
  void on_reload(const gateway::Inbound& inbound, const gateway::ReloadPolicy& request, Timestamp now);
  /// A reload from a signal: applied like a file change, journaled with its source and outcome.
  void take_reload(const PolicyReload& reload, Timestamp now);
  /// The audit trail of admin requests (admin.cpp): while one is taken, its first answer is
  /// journaled as its outcome (`audit` engine_event) before it goes out.
  void begin_admin_audit(const gateway::Inbound& inbound);
  void end_admin_audit();
  /// Journals the outcome when `event` answers the admin request being taken; the record's seq,
  /// or 0 when it is not such an answer (or there is none, or this is a replay).
  std::uint64_t record_admin_outcome(const std::string& client, const gateway::Event& event);
  /// Answers `not_entitled` and returns false unless the client is an admin.
  bool require_admin(const gateway::Inbound& inbound);

  // Risk, routing policy and kill switches (src/engine/risk.cpp).
  void apply_policy(config::Policy policy);
  /// The limits for one order: the strictest maximum of defaults, account and symbol, the
  /// symbol's market structure (tick table, lot) else the defaults'.
  risk::Limits limits_for(const std::string& account, const std::string& symbol) const;
  /// Last fill price of the symbol, else its configured reference price.
  std::optional<Price> reference_price(const std::string& symbol) const;
  /// Records what the order now contributes to its account's exposure.
  void track(const order::Order& order);
  /// Counts an order reject against its account; engages the automatic kill switch past the limit.
  void count_reject(const std::string& account, Timestamp now);
  /// Engages a kill switch, cancels what it covers and tells every client.
  void engage(risk::Kill kill, const std::string& request_id, Timestamp now);
  /// Sends a cancel for the order if a kill switch covers it and nothing is pending; true if sent.
  bool cancel_if_killed(const order::Order& order, Timestamp now);
  bool admin(const std::string& client) const;

  /// Journals the request; false (and an answer already sent) when the journal refuses it.
  bool record_input(journal::RecordKind kind, const std::string& stream, const std::string& payload, Timestamp now,
                    const gateway::Inbound* answer_to);
  /// Assigns the client's next event seq, journals the event and holds it for delivery.
  void emit(const std::string& client, const std::string& request_id, gateway::Event event);
  /// Answers one connection directly (not part of the client's stream, not journaled).
  void answer(const gateway::Inbound& to, gateway::Event event);
  /// Sends a direct answer, behind whatever is still waiting for the journal.
  void reply(gateway::Outbound out);
  void send_fix(const std::string& session, fix::Outbound message);
  void hold(Held held);
  /// Answers a request "accepted" in the client's stream and remembers it for retries; the event
  /// names the ClOrdID it went out under, so the journal pairs the two.
  void accept_request(const gateway::Inbound& inbound, RequestKind kind, const std::string& client_order_id,
                      const std::string& cl_ord_id);
  void reject_order(const gateway::Inbound& inbound, RequestKind kind, const std::string& client_order_id,
                    Reject reject);
  /// Remembers the first answer to the request being taken, for its retries.
  void remember_answer(const gateway::Inbound& inbound, const std::string& client_order_id, gateway::Event event);
  /// Forgets answers older than the idempotency window (upstream.idempotency_window_hours).
  void forget_old_answers(Timestamp now);
  /// Refuses a request whose client_order_id an earlier, different request introduced.
  void refuse_reused_id(const gateway::Inbound& inbound, const std::string& client_order_id);
  /// Journals (when it changed) and applies what a bearer token grants a client not in the file.
  bool take_grant(const gateway::Inbound& inbound, const gateway::Grant& grant, Timestamp now);
  /// Applies a journaled grant ("grant" engine_event: role, accounts, sessions).
  void apply_grant(const std::string& client, std::string_view encoded);
  /// Whether `session`, named by the client, is one the routes and the client's entitlement allow.
  bool may_name_session(const gateway::Inbound& inbound, const gateway::NewOrder& request) const;
  /// Counts a break under its code (one of break_kinds).
  void count_break(std::string_view kind);
  bool entitled(const std::string& client, const std::string& account) const;
  const config::UpstreamClient* client_config(const std::string& name) const;
  void replay_record(const journal::RecordView& record);
  /// What both public constructors share: `journal` is null in a replay-only engine.
  Engine(const config::Config& config, journal::Store* journal, std::filesystem::path journal_dir, Outputs outputs,
         Clock clock, FixDecoder decode_fix);

  const config::Config& config_;
  journal::Store* journal_;  // null in a replay-only engine
  std::filesystem::path journal_dir_;
  Outputs outputs_;
  Clock clock_;
  FixDecoder decode_fix_;
  order::OrderBook book_;
  route::Router router_;
  config::Policy policy_;
  std::map<std::string, risk::TickTable> tick_tables_;  // policy_'s tables in the checks' form
  std::string config_policy_json_;  // the file's policy as last journaled ("policy config ...")
  risk::ExposureBook exposure_;
  std::unordered_map<std::string, Price> last_fill_px_;
  std::map<std::string, risk::RateWindow> client_rate_;
  std::map<std::string, risk::RateWindow> session_rate_;
  std::map<std::string, risk::RateWindow> account_rejects_;
  risk::DuplicateGuard duplicates_;
  risk::KillSwitch kill_switch_;
  std::uint64_t kill_cancels_ = 0;  // numbers the ClOrdIDs of kill switch cancels
  Stats stats_;
  std::chrono::steady_clock::time_point upstream_taken_;  // when take() began the current upstream request
  std::map<std::string, bool> session_up_;
  std::map<std::string, ClientStream> streams_;
  /// The first answer to a request that introduced a client_order_id, and that request itself.
  struct Answered {
    gateway::Request request;  // only an identical request (its id aside) is a retry
    gateway::Outbound answer;
  };
  std::map<std::string, Answered> answers_;  // client \x1f client_order_id → first answer
  std::deque<std::pair<std::int64_t, std::string>> answer_times_;  // answers_ keys, oldest first
  /// Every client events may go to: the file's, then those known by their bearer tokens' grants.
  std::vector<config::UpstreamClient> clients_ = config_.upstream.clients;
  Timestamp upstream_now_{};  // the time of the upstream request being taken
  std::deque<Held> held_;
  std::atomic<std::size_t> held_depth_{0};  // held_.size() published for held_depth()
  std::uint64_t last_appended_ = 0;
  bool replaying_ = false;
  std::map<std::uint64_t, std::pair<std::string, std::string>> unapplied_;  // recovery: fix_in seq → session, raw
  // Recovery: fix_in records whose verdict says the session layer delivered them, and the sessions
  // whose journal has verdicts at all (before verdicts existed, every fix_in counted as delivered).
  std::set<std::uint64_t> delivered_;
  std::set<std::string> sessions_with_verdicts_;
  // Recovery: ClOrdIDs of orders, cancels and replaces the engine sent that no fix_out record shows
  // going out (yet): what is left when the replay ends never reached the broker, and is sent again
  // at the session's next logon.
  std::set<std::string> unsent_;
  // Requests waiting for the broker, per session, in the order their deadlines fall (one timeout
  // a session): 24 bytes for each request sent within the last timeout, nothing more per order.
  // A request whose status was asked has its second deadline in status_asked_; entries a later
  // arm superseded are skipped when they fall due. Not journaled: what a timer does is
  // (request_timeout records); a recovered engine arms again at the next logon.
  std::map<std::string, std::deque<PendingTimer>, std::less<>> timers_;  // by session
  std::size_t timers_armed_ = 0;                                         // entries in timers_
  std::unordered_map<std::uint64_t, std::int64_t> status_asked_;  // ClOrdID number → its second deadline
  std::map<std::string, std::chrono::seconds> request_timeouts_;  // by session
  // Breaks raised for each order (by its first ClOrdID), for its snapshot: a count and the latest.
  struct OrderBreaks {
    std::uint64_t count = 0;
    std::deque<gateway::OrderBreak> latest;
  };
  std::unordered_map<std::string, OrderBreaks> order_breaks_;
  std::optional<std::string> journal_failure_;  // final: the journal failed for good
  struct AdminAudit {
    std::uint64_t request_seq = 0;  // the upstream_request record of the admin request
    std::string client;
    std::string policy_before;      // to_json(policy_) when it was taken
    bool recorded = false;
  };
  std::optional<AdminAudit> admin_audit_;  // the admin request being taken
  // The journal answered backpressure (PostgreSQL unreachable, its buffer full): not final.
  // Upstream requests are refused (journal_unavailable) meanwhile; broker messages and session
  // changes wait in deferred_ and events in unstored_, in order, until the journal takes them.
  bool backpressured_ = false;       // set by record_input for the input being taken
  bool backpressure_logged_ = false;
  std::deque<Input> deferred_;
  std::deque<gateway::Outbound> unstored_;

  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  std::vector<Input> inbox_;
  std::vector<Input> taking_;
};

}  // namespace fixgate::engine
