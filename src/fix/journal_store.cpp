// SPDX-License-Identifier: Apache-2.0
#include "fixgate/fix/journal_store.hpp"

#include <charconv>
#include <mutex>

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
#include "fixgate/fix/framing.hpp"
#include "settings.hpp"

namespace fixgate::fix {
namespace {

bool is_poss_dup(std::string_view raw) { return fix_field(raw, 43).value_or("N") == "Y"; }

std::uint64_t number(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

/// seq_change payloads: "reset", "sender=N", "target=N".
void apply_seq_change(StoreState& state, std::string_view payload, std::int64_t at) {
  if (payload == "reset") {
    const bool has_verdicts = state.has_verdicts;
    state = StoreState{};
    state.creation_ns = at;
    state.has_verdicts = has_verdicts;
  } else if (payload == "closed") {
    state.closed_cleanly = true;
  } else if (payload.starts_with("reserve=")) {
    state.reserved_sender = number(payload.substr(8));
    state.closed_cleanly = false;
  } else if (payload.starts_with("sender=")) {
    state.next_sender = number(payload.substr(7));
  } else if (payload.starts_with("target=")) {
    state.next_target = number(payload.substr(7));
  }
}

/// The "next=N" of a fix_verdict payload ("<record> delivered next=N"), or 0.
std::uint64_t next_expected_of(std::string_view verdict) {
  const auto at = verdict.find(" next=");
  if (at == std::string_view::npos) return 0;
  auto rest = verdict.substr(at + 6);
  return number(rest.substr(0, rest.find(' ')));
}

}  // namespace

void fold_store_record(std::map<std::string, StoreState>& states, const journal::RecordView& record) {
  if (record.kind != journal::RecordKind::fix_in && record.kind != journal::RecordKind::fix_out &&
      record.kind != journal::RecordKind::seq_change && record.kind != journal::RecordKind::fix_verdict &&
      record.kind != journal::RecordKind::fix_garbage) {
    return;
  }
  auto& state = states[std::string(record.stream)];
  if (state.creation_ns == 0) state.creation_ns = record.timestamp_ns;
  if (record.kind == journal::RecordKind::seq_change) return apply_seq_change(state, record.payload, record.timestamp_ns);
  if (record.kind == journal::RecordKind::fix_garbage) {
    state.has_verdicts = true;
    return;
  }
  if (record.kind == journal::RecordKind::fix_verdict) {
    // The number after the last message the session layer accepted in order: a message journaled
    // but queued behind a gap, rejected or ignored does not move it, so a gap is asked for again.
    state.has_verdicts = true;
    if (const auto next = next_expected_of(record.payload); next != 0) state.next_target = next;
    return;
  }
  if (is_poss_dup(record.payload)) return;  // resends carry old numbers
  const auto seq = static_cast<std::uint64_t>(msg_seq_num_of(record.payload));
  if (seq == 0) return;
  if (record.kind == journal::RecordKind::fix_out) {
    state.next_sender = std::max(state.next_sender, seq + 1);
    state.closed_cleanly = false;
    state.sent[seq] = std::string(record.payload);
  } else if (!state.has_verdicts) {
    state.next_target = std::max(state.next_target, seq + 1);
  }
}

/// One inbound frame journaled as fix_in whose sequence number QuickFIX has not counted yet.
struct Arrival {
  std::uint64_t record = 0;   ///< its fix_in record
  std::uint64_t msg_seq = 0;  ///< its MsgSeqNum
  bool poss_dup = false;
  bool judged = false;        ///< a verdict for it is in the journal
  std::string raw;
};

/// What the session layer has done with the frames of one session so far; used on that session's
/// QuickFIX thread (and by admin changes of the numbers), always under the stores' mutex.
struct Verdicts {
  journal::Store& journal;
  std::string session;
  std::string begin_string;
  std::function<std::int64_t()>& now;
  std::uint64_t current = 0;                  ///< MsgSeqNum of the frame QuickFIX is working on; 0: none
  std::map<std::uint64_t, Arrival> uncounted;  ///< by MsgSeqNum
  std::uint64_t delivering = 0;               ///< record QuickFIX handed to the application, not yet counted

  /// A frame came off the wire: judged for framing, journaled as fix_in or as fix_garbage. The
  /// frame before it that got no verdict was dropped by QuickFIX: journaled as ignored.
  void arrived(const std::string& raw, std::uint64_t next_expected) {
    judge_current_as_ignored(next_expected);
    if (auto problem = framing_problem(raw, begin_string)) {
      spdlog::warn("fix [{}] garbage on the line ({}): journaled as fix_garbage, not as a message", session, *problem);
      append(journal::RecordKind::fix_garbage, raw);
      return;
    }
    const auto record = append(journal::RecordKind::fix_in, raw);
    if (record == 0) return;
    const auto msg_seq = static_cast<std::uint64_t>(msg_seq_num_of(raw));
    uncounted[msg_seq] = Arrival{record, msg_seq, is_poss_dup(raw), false, raw};
    current = msg_seq;
    // Bounded: frames QuickFIX never counts (Logouts past a gap, ignored ones ahead of it) go
    // when the session counts past them; a counterparty that never fills its gap cannot grow this.
    constexpr std::size_t kept_uncounted = 10'000;
    while (uncounted.size() > kept_uncounted) uncounted.erase(uncounted.begin());
  }
  /// Whether QuickFIX may count `expected` now. QuickFIX 1.15 counts a Logout whatever its
  /// MsgSeqNum: a counterparty's Logout past a gap would move the expected number over the gap and
  /// the message lost in it would never be asked for. Such a Logout is judged here and not counted.
  bool may_count(std::uint64_t expected) {
    if (uncounted.contains(expected)) return true;
    auto it = uncounted.find(current);
    if (it == uncounted.end() || msg_type_of(it->second.raw) != "5") return true;
    it->second.judged = true;
    if (delivering == it->second.record) delivering = 0;
    verdict(it->second.record, "delivered, not counted: Logout MsgSeqNum " + std::to_string(it->second.msg_seq) +
                                   " while expecting " + std::to_string(expected) + " (the gap is asked for at the next logon)");
    return false;
  }
  /// The frame's number was counted: the next expected is `next`.
  void counted(std::uint64_t accepted, std::uint64_t next) {
    std::uint64_t record = 0;
    bool delivered = false;
    if (auto it = uncounted.find(accepted); it != uncounted.end()) {
      record = it->second.record;
      delivered = record == delivering;
      it->second.judged = true;
      if (delivered) delivering = 0;
    }
    verdict(record, std::string(delivered ? "delivered" : "accepted") + " next=" + std::to_string(next));
    uncounted.erase(uncounted.begin(), uncounted.upper_bound(accepted));
    if (current <= accepted) current = 0;
  }
  /// The next expected number was set (a SequenceReset, an operator): a message handed to the
  /// application on the way was delivered.
  void set_next(std::uint64_t next) {
    if (delivering != 0) {
      for (auto& [seq, arrival] : uncounted) {
        if (arrival.record == delivering) arrival.judged = true;
      }
      verdict(delivering, "delivered next=" + std::to_string(next));
      delivering = 0;
    }
    uncounted.erase(uncounted.begin(), uncounted.lower_bound(next));
  }
  void queued(const std::string& text) {
    auto it = uncounted.find(current);
    if (it == uncounted.end() || it->second.judged) return;
    it->second.judged = true;
    verdict(it->second.record, "queued: " + text);
  }
  void rejected(std::uint64_t ref_seq, const std::string& what) {
    if (auto it = uncounted.find(ref_seq); it != uncounted.end()) {
      it->second.judged = true;
      verdict(it->second.record, "rejected: " + what);
    }
  }
  void judge_current_as_ignored(std::uint64_t next_expected) {
    auto it = uncounted.find(current);
    current = 0;
    if (it == uncounted.end() || it->second.judged) return;
    it->second.judged = true;
    std::string why = "ignored";
    if (it->second.msg_seq < next_expected) {
      why += it->second.poss_dup ? ": PossDup duplicate" : ": MsgSeqNum too low";
      why += " (MsgSeqNum " + std::to_string(it->second.msg_seq) + ", expecting " + std::to_string(next_expected) + ")";
      verdict(it->second.record, why);
      uncounted.erase(it);
      return;
    }
    verdict(it->second.record, why);
  }
  void reset() {
    uncounted.clear();
    current = 0;
    delivering = 0;
  }

 private:
  void verdict(std::uint64_t record, const std::string& text) {
    append(journal::RecordKind::fix_verdict, std::to_string(record) + " " + text);
  }
  std::uint64_t append(journal::RecordKind kind, const std::string& payload) {
    auto seq = journal.append(kind, session, payload, now());
    if (!seq) {
      spdlog::critical("fix [{}] journal refused an inbound {} record: {}", session, journal::name(kind),
                       seq.error().to_string());
      return 0;
    }
    return *seq;
  }
};

/// The store QuickFIX talks to for one session. QuickFIX serialises calls per session.
class JournalStore final : public FIX::MessageStore {
 public:
  JournalStore(journal::Store& journal, std::string session, StoreState& state, Verdicts& verdicts, std::mutex& mutex,
               std::function<std::int64_t()>& now)
      : journal_(journal), session_(std::move(session)), state_(state), verdicts_(verdicts), mutex_(mutex), now_(now) {}

  // The bytes were journaled (and made durable) by record_outbound before QuickFIX wrote them;
  // here they are only kept for resends. A Logon that resets sequence numbers is the exception:
  // QuickFIX renumbers it after the reset, so the renumbered copy is journaled too.
  bool set(int seq, const std::string& message) override {
    std::lock_guard lock(mutex_);
    state_.sent[static_cast<std::uint64_t>(seq)] = message;
    if (msg_type_of(message) == "A" && fix_field(message, 141).value_or("N") == "Y") {
      return append(journal::RecordKind::fix_out, message);
    }
    return true;
  }
  void get(int begin, int end, std::vector<std::string>& out) const override {
    std::lock_guard lock(mutex_);
    out.clear();
    for (auto it = state_.sent.lower_bound(static_cast<std::uint64_t>(begin));
         it != state_.sent.end() && it->first <= static_cast<std::uint64_t>(end); ++it) {
      out.push_back(it->second);
    }
  }
  int getNextSenderMsgSeqNum() const override { std::lock_guard lock(mutex_); return static_cast<int>(state_.next_sender); }
  int getNextTargetMsgSeqNum() const override { std::lock_guard lock(mutex_); return static_cast<int>(state_.next_target); }
  void setNextSenderMsgSeqNum(int value) override { set_seq("sender=", state_.next_sender, value); }
  void setNextTargetMsgSeqNum(int value) override {
    set_seq("target=", state_.next_target, value);
    std::lock_guard lock(mutex_);
    verdicts_.set_next(static_cast<std::uint64_t>(value));
  }
  // Outbound increments are not journaled: the numbers are folded back from the messages themselves.
  void incrNextSenderMsgSeqNum() override { std::lock_guard lock(mutex_); ++state_.next_sender; }
  // QuickFIX counts an inbound number only for a message it accepted in order: that is the frame's
  // verdict, journaled with the next expected number the fold takes after a restart.
  void incrNextTargetMsgSeqNum() override {
    std::lock_guard lock(mutex_);
    if (!verdicts_.may_count(state_.next_target)) return;
    const auto accepted = state_.next_target++;
    verdicts_.counted(accepted, state_.next_target);
  }
  FIX::UtcTimeStamp getCreationTime() const override {
    std::lock_guard lock(mutex_);
    const auto seconds = static_cast<time_t>(state_.creation_ns / 1'000'000'000);
    return FIX::UtcTimeStamp(seconds, static_cast<int>((state_.creation_ns / 1'000'000) % 1000), 3);
  }
  void reset() override {
    std::lock_guard lock(mutex_);
    state_ = StoreState{};
    state_.creation_ns = now_();
    state_.has_verdicts = true;
    verdicts_.reset();
    append(journal::RecordKind::seq_change, "reset");
  }
  void refresh() override {}

 private:
  void set_seq(const char* which, std::uint64_t& field, int value) {
    std::lock_guard lock(mutex_);
    field = static_cast<std::uint64_t>(value);
    append(journal::RecordKind::seq_change, which + std::to_string(value));
  }
  bool append(journal::RecordKind kind, const std::string& payload) {
    auto seq = journal_.append(kind, session_, payload, now_());
    if (!seq) spdlog::critical("fix [{}] journal refused a record: {}", session_, seq.error().to_string());
    return seq.has_value();
  }

  journal::Store& journal_;
  std::string session_;
  StoreState& state_;
  Verdicts& verdicts_;
  std::mutex& mutex_;
  std::function<std::int64_t()>& now_;
};

/// Every inbound frame goes into the journal the moment it arrives, in wire order, before
/// QuickFIX counts its sequence number: as fix_in when it is a well-framed message, as fix_garbage
/// when not. QuickFIX's events go to our log; the one saying a message was queued behind a gap is
/// that message's verdict.
class JournalLog final : public FIX::Log {
 public:
  JournalLog(std::string session, Verdicts* verdicts, StoreState* state, std::mutex* mutex)
      : session_(std::move(session)), verdicts_(verdicts), state_(state), mutex_(mutex) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string& raw) override {
    if (verdicts_ == nullptr) return;
    std::lock_guard lock(*mutex_);
    verdicts_->arrived(raw, state_->next_target);
  }
  // Outbound messages, resends included, are journaled by record_outbound before the write.
  void onOutgoing(const std::string&) override {}
  void onEvent(const std::string& text) override {
    spdlog::info("fix [{}] {}", session_, text);
    if (verdicts_ != nullptr && text.starts_with("MsgSeqNum too high")) {
      std::lock_guard lock(*mutex_);
      verdicts_->queued(text);
    }
  }

 private:
  std::string session_;
  Verdicts* verdicts_;
  StoreState* state_;
  std::mutex* mutex_;
};

class JournalLogFactory;

struct JournalStores::Impl final : FIX::MessageStoreFactory {
  journal::Store& journal;
  std::map<FIX::SessionID, std::string> names;
  std::map<std::string, StoreState> states;
  std::mutex mutex;
  std::function<std::int64_t()> now;
  std::map<std::string, std::unique_ptr<Verdicts>> verdicts;  // by session name
  std::unique_ptr<JournalLogFactory> logs;

  Impl(journal::Store& j, std::function<std::int64_t()> clock) : journal(j), now(std::move(clock)) {}

  FIX::MessageStore* create(const FIX::SessionID& id) override {
    std::lock_guard lock(mutex);
    auto it = names.find(id);
    const auto name = it == names.end() ? id.toString() : it->second;
    auto& state = states[name];
    if (state.creation_ns == 0) state.creation_ns = now();
    if (!state.closed_cleanly && state.reserved_sender >= state.next_sender) {
      // The last run stopped without logging out: messages up to the reservation may have gone
      // out without reaching the journal. Carrying on past them never reuses a number; the
      // counterparty asks for the gap and we fill it.
      spdlog::warn("fix [{}] last stop was not clean: next sender seq moves from {} past the reservation to {}", name,
                   state.next_sender, state.reserved_sender + 1);
      state.next_sender = state.reserved_sender + 1;
    }
    spdlog::info("fix [{}] store restored: next sender seq {}, next target seq {}, {} messages kept for resend", name,
                 state.next_sender, state.next_target, state.sent.size());
    return new JournalStore(journal, name, state, verdicts_of(name), mutex, now);
  }
  void destroy(FIX::MessageStore* store) override { delete store; }

  Verdicts& verdicts_of(const std::string& name) {
    auto& v = verdicts[name];
    if (!v) v.reset(new Verdicts{journal, name, "FIX.4.4", now});
    return *v;
  }
};

class JournalLogFactory final : public FIX::LogFactory {
 public:
  explicit JournalLogFactory(JournalStores::Impl& stores) : stores_(stores) {}
  FIX::Log* create() override { return new JournalLog("global", nullptr, nullptr, nullptr); }
  FIX::Log* create(const FIX::SessionID& id) override {
    std::lock_guard lock(stores_.mutex);
    auto it = stores_.names.find(id);
    const auto name = it == stores_.names.end() ? id.toString() : it->second;
    return new JournalLog(name, &stores_.verdicts_of(name), &stores_.states[name], &stores_.mutex);
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  JournalStores::Impl& stores_;
};

JournalStores::JournalStores(journal::Store& journal, const std::vector<config::Session>& sessions,
                             std::map<std::string, StoreState> states, std::function<std::int64_t()> now_ns)
    : impl_(std::make_unique<Impl>(journal, std::move(now_ns))) {
  impl_->states = std::move(states);
  impl_->logs = std::make_unique<JournalLogFactory>(*impl_);
  for (const auto& s : sessions) {
    impl_->names[session_id(s)] = s.name;
    impl_->verdicts_of(s.name).begin_string = s.version == config::FixVersion::fix42 ? "FIX.4.2" : "FIX.4.4";
  }
}

JournalStores::~JournalStores() = default;

// Outbound bytes are journaled before QuickFIX writes them, without waiting for the disk: the
// order behind a NewOrderSingle is already durable (the engine holds the send until it is). What
// must never be lost is the sequence number, so numbers are reserved durably a block at a time;
// after an unclean stop the store starts past the reservation. One durable wait per block instead
// of one per message keeps a session's outbound rate off the fsync latency.
bool JournalStores::record_outbound(const std::string& session, const std::string& raw) {
  auto appended = impl_->journal.append(journal::RecordKind::fix_out, session, raw, impl_->now());
  if (!appended) {
    spdlog::critical("fix [{}] journal refused an outbound message, not sending: {}", session,
                     appended.error().to_string());
    return false;
  }
  const auto seq = static_cast<std::uint64_t>(msg_seq_num_of(raw));
  if (is_poss_dup(raw) || seq == 0) return true;
  std::uint64_t reserve_to = 0;
  {
    std::lock_guard lock(impl_->mutex);
    if (seq <= impl_->states[session].reserved_sender) return true;
    reserve_to = seq + reservation_block - 1;
  }
  auto reserved = impl_->journal.append(journal::RecordKind::seq_change, session,
                                        "reserve=" + std::to_string(reserve_to), impl_->now());
  if (!reserved) {
    spdlog::critical("fix [{}] journal refused a sequence reservation, not sending: {}", session,
                     reserved.error().to_string());
    return false;
  }
  // Bounded: a journal that cannot sync within this time is treated as failed for this message.
  auto durable = impl_->journal.wait_durable(*reserved, std::chrono::seconds(5));
  if (!durable) {
    spdlog::critical("fix [{}] sequence reservation not durable, not sending: {}", session,
                     durable.error().to_string());
    return false;
  }
  std::lock_guard lock(impl_->mutex);
  auto& state = impl_->states[session];
  state.reserved_sender = std::max(state.reserved_sender, reserve_to);
  return true;
}

void JournalStores::close_sessions() {
  std::lock_guard lock(impl_->mutex);
  for (auto& [name, state] : impl_->states) {
    if (auto seq = impl_->journal.append(journal::RecordKind::seq_change, name, "closed", impl_->now()); !seq) {
      spdlog::error("fix [{}] could not journal the clean stop: {}", name, seq.error().to_string());
    }
  }
}

std::pair<std::uint64_t, std::string> JournalStores::delivering(const std::string& session, std::uint64_t msg_seq_num) {
  std::lock_guard lock(impl_->mutex);
  auto& verdicts = impl_->verdicts_of(session);
  auto it = verdicts.uncounted.find(msg_seq_num);
  if (it == verdicts.uncounted.end()) return {0, {}};
  verdicts.delivering = it->second.record;
  return {it->second.record, it->second.raw};
}

void JournalStores::answered_with_reject(const std::string& session, std::uint64_t ref_seq_num, const std::string& what) {
  std::lock_guard lock(impl_->mutex);
  impl_->verdicts_of(session).rejected(ref_seq_num, what);
}

void* JournalStores::message_store_factory() { return static_cast<FIX::MessageStoreFactory*>(impl_.get()); }
void* JournalStores::log_factory() { return static_cast<FIX::LogFactory*>(impl_->logs.get()); }

}  // namespace fixgate::fix
