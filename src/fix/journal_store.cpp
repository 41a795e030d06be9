#include "fixgate/fix/journal_store.hpp"

#include <charconv>
#include <mutex>

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
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
    state = StoreState{};
    state.creation_ns = at;
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

}  // namespace

void fold_store_record(std::map<std::string, StoreState>& states, const journal::RecordView& record) {
  if (record.kind != journal::RecordKind::fix_in && record.kind != journal::RecordKind::fix_out &&
      record.kind != journal::RecordKind::seq_change) {
    return;
  }
  auto& state = states[std::string(record.stream)];
  if (state.creation_ns == 0) state.creation_ns = record.timestamp_ns;
  if (record.kind == journal::RecordKind::seq_change) return apply_seq_change(state, record.payload, record.timestamp_ns);
  if (is_poss_dup(record.payload)) return;  // resends carry old numbers
  const auto seq = static_cast<std::uint64_t>(msg_seq_num_of(record.payload));
  if (seq == 0) return;
  if (record.kind == journal::RecordKind::fix_out) {
    state.next_sender = std::max(state.next_sender, seq + 1);
    state.closed_cleanly = false;
    state.sent[seq] = std::string(record.payload);
  } else {
    state.next_target = std::max(state.next_target, seq + 1);
  }
}

/// The store QuickFIX talks to for one session. QuickFIX serialises calls per session.
class JournalStore final : public FIX::MessageStore {
 public:
  JournalStore(journal::Store& journal, std::string session, StoreState& state, std::mutex& mutex,
               std::function<std::int64_t()>& now)
      : journal_(journal), session_(std::move(session)), state_(state), mutex_(mutex), now_(now) {}

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
  void setNextTargetMsgSeqNum(int value) override { set_seq("target=", state_.next_target, value); }
  // Increments are not journaled: the numbers are folded back from the messages themselves.
  void incrNextSenderMsgSeqNum() override { std::lock_guard lock(mutex_); ++state_.next_sender; }
  void incrNextTargetMsgSeqNum() override { std::lock_guard lock(mutex_); ++state_.next_target; }
  FIX::UtcTimeStamp getCreationTime() const override {
    std::lock_guard lock(mutex_);
    const auto seconds = static_cast<time_t>(state_.creation_ns / 1'000'000'000);
    return FIX::UtcTimeStamp(seconds, static_cast<int>((state_.creation_ns / 1'000'000) % 1000), 3);
  }
  void reset() override {
    std::lock_guard lock(mutex_);
    state_ = StoreState{};
    state_.creation_ns = now_();
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
  std::mutex& mutex_;
  std::function<std::int64_t()>& now_;
};

/// What the Log journaled last on this thread; QuickFIX then calls the application on the same
/// thread, which hands the record's seq to the engine so it can say when it applied it.
thread_local std::uint64_t arrival_seq = 0;
thread_local std::string arrival_raw;

/// Every inbound message goes into the journal the moment it arrives, in wire order, before
/// QuickFIX counts its sequence number; QuickFIX's events go to our log.
class JournalLog final : public FIX::Log {
 public:
  JournalLog(journal::Store* journal, std::string session, std::function<std::int64_t()>& now)
      : journal_(journal), session_(std::move(session)), now_(now) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string& raw) override {
    if (journal_ == nullptr) return;
    arrival_seq = 0;
    arrival_raw = raw;
    if (auto seq = journal_->append(journal::RecordKind::fix_in, session_, raw, now_()); seq) {
      arrival_seq = *seq;
    } else {
      spdlog::critical("fix [{}] journal refused an inbound record: {}", session_, seq.error().to_string());
    }
  }
  // Outbound messages, resends included, are journaled by record_outbound before the write.
  void onOutgoing(const std::string&) override {}
  void onEvent(const std::string& text) override { spdlog::info("fix [{}] {}", session_, text); }

 private:
  journal::Store* journal_;
  std::string session_;
  std::function<std::int64_t()>& now_;
};

class JournalLogFactory final : public FIX::LogFactory {
 public:
  JournalLogFactory(journal::Store& journal, std::map<FIX::SessionID, std::string>& names,
                    std::function<std::int64_t()>& now)
      : journal_(journal), names_(names), now_(now) {}
  FIX::Log* create() override { return new JournalLog(nullptr, "global", now_); }
  FIX::Log* create(const FIX::SessionID& id) override {
    auto it = names_.find(id);
    return new JournalLog(&journal_, it == names_.end() ? id.toString() : it->second, now_);
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  journal::Store& journal_;
  std::map<FIX::SessionID, std::string>& names_;
  std::function<std::int64_t()>& now_;
};

struct JournalStores::Impl final : FIX::MessageStoreFactory {
  journal::Store& journal;
  std::map<FIX::SessionID, std::string> names;
  std::map<std::string, StoreState> states;
  std::mutex mutex;
  std::function<std::int64_t()> now;
  JournalLogFactory logs{journal, names, now};

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
    return new JournalStore(journal, name, state, mutex, now);
  }
  void destroy(FIX::MessageStore* store) override { delete store; }
};

JournalStores::JournalStores(journal::Store& journal, const std::vector<config::Session>& sessions,
                             std::map<std::string, StoreState> states, std::function<std::int64_t()> now_ns)
    : impl_(std::make_unique<Impl>(journal, std::move(now_ns))) {
  impl_->states = std::move(states);
  for (const auto& s : sessions) impl_->names[session_id(s)] = s.name;
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

std::pair<std::uint64_t, std::string> JournalStores::arrival(std::uint64_t msg_seq_num) {
  if (arrival_seq == 0 || msg_seq_num_of(arrival_raw) != msg_seq_num) return {0, {}};
  return {arrival_seq, arrival_raw};
}

void* JournalStores::message_store_factory() { return static_cast<FIX::MessageStoreFactory*>(impl_.get()); }
void* JournalStores::log_factory() { return static_cast<FIX::LogFactory*>(&impl_->logs); }

}  // namespace fixgate::fix
