#pragma once
// The single writer: one thread owns every order, every client's event stream and the routing
// state. Other threads hand it inputs through post(); it journals each input as it takes it,
// applies it, and holds every answer and every FIX send until the journal says the records behind
// them are durable. The same inputs in the same order give the same state: recovery replays the
// journal through the same handlers with output switched off.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/fix/messages.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/gateway/protocol.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/reader.hpp"
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

using Input = std::variant<gateway::Inbound, FixInput, SessionChange, NotResent>;

/// Where the engine's outputs go: plain functions, so tests capture them directly.
struct Outputs {
  std::function<void(gateway::Outbound)> deliver;
  std::function<fix::SendStatus(const std::string& session, fix::Outbound)> send;
};

/// Running totals for operators.
struct Stats {
  std::uint64_t inputs = 0;
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t idempotent_replays = 0;
  std::uint64_t executions = 0;
  std::uint64_t breaks = 0;
  std::uint64_t journal_errors = 0;
};

/// Turns FIX bytes from the journal back into a message (recovery); provided by the fix layer.
using FixDecoder = std::function<fix::Inbound(const std::string& session, const std::string& raw)>;

class Engine {
 public:
  using Clock = std::function<Timestamp()>;

  Engine(const config::Config& config, journal::Journal& journal, Outputs outputs, Clock clock,
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
  const Stats& stats() const { return stats_; }
  /// The view of an order a client gets from `status`.
  gateway::OrderSnapshot snapshot(const order::Order& order) const;

 private:
  struct Held {
    std::uint64_t journal_seq = 0;  // released once the journal's durable mark reaches it
    std::variant<gateway::Outbound, std::pair<std::string, fix::Outbound>> action;
  };
  struct ClientStream {
    std::uint64_t next_seq = 1;
    std::vector<std::uint64_t> journal_seqs;  // event seq n is journal record journal_seqs[n-1]
    std::deque<std::string> unrecorded;       // recovery: events generated but not yet matched
  };

  int poll_inputs();
  int poll_journal();
  void take(Input& input);
  void take_upstream(gateway::Inbound& inbound, Timestamp now);
  void take_fix(FixInput& input, Timestamp now);
  void take_session(const SessionChange& change, Timestamp now);
  void reconcile(const std::string& session);
  void take_not_resent(const NotResent& input, Timestamp now);

  void on_hello(const gateway::Inbound& inbound);
  void on_new(const gateway::Inbound& inbound, const gateway::NewOrder& request, Timestamp now);
  void on_cancel(const gateway::Inbound& inbound, const gateway::CancelOrder& request, Timestamp now);
  void on_replace(const gateway::Inbound& inbound, const gateway::ReplaceOrder& request, Timestamp now);
  void on_status(const gateway::Inbound& inbound, const gateway::OrderStatusQuery& request);
  void on_list(const gateway::Inbound& inbound, const gateway::ListOrders& request);
  void on_report_outcome(const order::ReportOutcome& outcome, const order::ExecReport* report);

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
  /// Answers a request "accepted" in the client's stream and remembers it for retries.
  void accept_request(const gateway::Inbound& inbound, const std::string& client_order_id);
  void reject_order(const gateway::Inbound& inbound, const std::string& client_order_id, Reject reject);
  bool entitled(const std::string& client, const std::string& account) const;
  const config::UpstreamClient* client_config(const std::string& name) const;
  risk::Limits limits_for(const std::string& account) const;
  void replay_record(const journal::RecordView& record);

  const config::Config& config_;
  journal::Journal* journal_;  // null in a replay-only engine
  std::filesystem::path journal_dir_;
  Outputs outputs_;
  Clock clock_;
  FixDecoder decode_fix_;
  order::OrderBook book_;
  route::Router router_;
  Stats stats_;
  std::map<std::string, bool> session_up_;
  std::map<std::string, ClientStream> streams_;
  std::map<std::string, gateway::Outbound> answers_;  // client \x1f client_order_id → first answer
  std::deque<Held> held_;
  std::uint64_t last_appended_ = 0;
  bool replaying_ = false;
  std::map<std::uint64_t, std::pair<std::string, std::string>> unapplied_;  // recovery: fix_in seq → session, raw
  std::optional<std::string> journal_failure_;

  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  std::vector<Input> inbox_;
  std::vector<Input> taking_;
};

}  // namespace fixgate::engine
