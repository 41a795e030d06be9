// SPDX-License-Identifier: Apache-2.0
#pragma once
// The FIX session layer: every configured session's QuickFIX FIX::Session driven by fixgate's own
// Boost.Asio transport (src/fix/transport.cpp) on one thread; each session has an outbound queue
// the engine fills without waiting, drained on that thread, so a slow or stuck broker line never
// blocks the engine or the other sessions. QuickFIX and Asio types stay behind the pimpl.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <optional>
#include <expected>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/fix/messages.hpp"

namespace fixgate::fix {

/// How the session layer reports to its owner. Called on the transport's thread: copy and return.
struct SessionCallbacks {
  /// An application message arrived: translated, the exact bytes it came as, and the journal
  /// record those bytes were written to on arrival (0 when there is no journal).
  std::function<void(const std::string& session, Inbound message, std::string raw, std::uint64_t journal_seq)>
      on_inbound;
  /// A session logged on (true) or off (false).
  std::function<void(const std::string& session, bool logged_on)> on_session;
  /// The broker asked for a resend of an order message older than the stale age; it was
  /// gap-filled instead of re-sent (msg_type D, F or G; cl_ord_id of that message).
  std::function<void(const std::string& session, const std::string& msg_type, const std::string& cl_ord_id)>
      on_not_resent;
};

/// Where QuickFIX keeps sequence numbers and sent messages; provided by the journal adapter.
class StoreProvider {
 public:
  virtual ~StoreProvider() = default;
  /// Opaque FIX::MessageStoreFactory*; kept untyped so this header stays QuickFIX-free.
  virtual void* message_store_factory() = 0;
  /// Opaque FIX::LogFactory* (may be null).
  virtual void* log_factory() = 0;
  /// Journals an outbound message (sequence number already assigned) and returns once it is
  /// durable: QuickFIX writes the socket right after. False: the journal cannot take it, do not send.
  virtual bool record_outbound(const std::string& session, const std::string& raw) = 0;
  /// QuickFIX hands the inbound message numbered `msg_seq_num` to the application (fromApp or
  /// fromAdmin), straight off the wire or out of its queue behind a gap: the journal record it
  /// arrived in and its exact bytes ({0, ""} when not known). Its verdict, `delivered`, is journaled
  /// when QuickFIX counts its sequence number, right after.
  virtual std::pair<std::uint64_t, std::string> delivering(const std::string& session, std::uint64_t msg_seq_num) = 0;
  /// QuickFIX answers the inbound message numbered `ref_seq_num` with a Reject or a
  /// BusinessMessageReject (`what`: its type and text): journaled as that message's verdict.
  virtual void answered_with_reject(const std::string& session, std::uint64_t ref_seq_num, const std::string& what) = 0;
};

enum class SendStatus { queued, unknown_session, queue_full, stopped };

/// Translates raw FIX bytes received on `session` (journal replay); Unreadable when they do not
/// parse. Needs no running session, so recovery can run before any is created.
Inbound decode(const std::string& session, config::FixVersion version, const std::string& raw);

class SessionManager {
 public:
  /// Builds QuickFIX settings from the config (no .cfg file); throws std::runtime_error on a
  /// setting QuickFIX refuses, before any socket is touched.
  /// Order messages older than `stale_resend_age` are gap-filled, never re-sent, when the broker
  /// asks for a resend: an order from hours ago must not reach the market again.
  SessionManager(std::vector<config::Session> sessions, SessionCallbacks callbacks, StoreProvider* stores,
                 std::chrono::seconds stale_resend_age = std::chrono::seconds(5), std::size_t queue_capacity = 65536);
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  /// Connects every enabled session; returns immediately.
  void start();
  /// Logs every session out cleanly and joins the threads.
  void stop();
  /// Queues a message for the session; the transport's thread sends it. Never waits on the socket.
  SendStatus try_send(const std::string& session, Outbound message);
  /// Whether the session is currently logged on.
  bool is_logged_on(const std::string& session) const;
  /// Next outbound / expected inbound sequence numbers, for admin views.
  std::pair<std::uint64_t, std::uint64_t> sequence_numbers(const std::string& session) const;

  /// One session as an operator sees it.
  struct State {
    std::string name;
    bool enabled = false;  ///< false after logout() until logon(), or when not started
    bool logged_on = false;
    std::uint64_t next_sender_seq = 0;
    std::uint64_t next_target_seq = 0;
    /// FIX messages, admin included, QuickFIX handed to the application as received (fromAdmin,
    /// fromApp) since this process started.
    std::uint64_t messages_in = 0;
    /// FIX messages, admin included, journaled and written to the socket (toAdmin, toApp); a
    /// resent message counts again.
    std::uint64_t messages_out = 0;
    /// TestRequests QuickFIX sent because the counterparty was silent for 1.2 x HeartBtInt.
    std::uint64_t heartbeats_missed = 0;
    /// Messages queued for the transport's thread, not yet handed to QuickFIX.
    std::uint64_t queue_depth = 0;
    /// Sends refused (SendStatus::queue_full) because the queue was at capacity.
    std::uint64_t queue_full = 0;
    /// The counterparty's last Logout or Reject text while not logged on ("Rejected Logon
    /// Attempt", "MsgSeqNum too low, expecting 41 but received 1"); empty when none since start.
    std::string last_error;
    /// The counterparty refused our sequence numbers: no more reconnects until an operator sets
    /// them (set-seq) and logs the session on (logon).
    bool needs_operator = false;
    /// Logouts and Rejects the counterparty answered a logon with, since start.
    std::uint64_t logons_refused = 0;
  };
  std::vector<State> states() const;
  /// Lets the session connect and log on (it stays on until logout()).
  std::expected<void, std::string> logon(const std::string& session);
  /// Sends a Logout with `reason` and keeps the session off until logon().
  std::expected<void, std::string> logout(const std::string& session, const std::string& reason);
  /// Sets the next sequence numbers (journaled by the store); refused while logged on.
  std::expected<void, std::string> set_sequence_numbers(const std::string& session, std::optional<std::uint64_t> next_sender,
                                                        std::optional<std::uint64_t> next_target);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fixgate::fix
