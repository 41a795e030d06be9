// SPDX-License-Identifier: Apache-2.0
#pragma once
// QuickFIX's MessageStore and Log on top of the journal, so there is one source of truth: sent
// messages (for resends), sequence numbers and session-level traffic all live in journal records
// and are folded back out of them at start-up. No QuickFIX FileStore or file log is used.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/journal/store.hpp"

namespace fixgate::fix {

/// One session's store state as folded from the journal.
struct StoreState {
  std::uint64_t next_sender = 1;
  std::uint64_t reserved_sender = 0;  ///< outbound numbers up to this were durably reserved
  bool closed_cleanly = false;        ///< the last stop journaled the exact next sender number
  std::uint64_t next_target = 1;
  std::int64_t creation_ns = 0;
  std::map<std::uint64_t, std::string> sent;  ///< outbound messages by MsgSeqNum, for resends
  /// The journal holds frame verdicts for this session (fix_verdict / fix_garbage records): the
  /// next expected inbound number comes from them, never from a fix_in alone. Journals written
  /// before verdicts existed fold it from the fix_in records as they did.
  bool has_verdicts = false;
};

/// Folds one journal record into the per-session store states (start-up recovery).
void fold_store_record(std::map<std::string, StoreState>& states, const journal::RecordView& record);

/// Provides journal-backed QuickFIX stores and logs to the SessionManager.
class JournalStores final : public StoreProvider {
 public:
  /// `states` come from fold_store_record over the journal; `now` stamps a brand new session.
  JournalStores(journal::Store& journal, const std::vector<config::Session>& sessions,
                std::map<std::string, StoreState> states, std::function<std::int64_t()> now_ns);
  ~JournalStores() override;
  void* message_store_factory() override;
  void* log_factory() override;
  bool record_outbound(const std::string& session, const std::string& raw) override;
  /// Journals each session's exact next sender number after a clean logout, so the next start
  /// need not skip past the reservation.
  void close_sessions();
  /// Outbound sequence numbers reserved durably at a time (see record_outbound).
  static constexpr std::uint64_t reservation_block = 1000;
  std::pair<std::uint64_t, std::string> delivering(const std::string& session, std::uint64_t msg_seq_num) override;
  void answered_with_reject(const std::string& session, std::uint64_t ref_seq_num, const std::string& what) override;

 private:
  friend class JournalLogFactory;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fixgate::fix
