// SPDX-License-Identifier: Apache-2.0
#include "fixgate/fix/session_manager.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "fixgate/core/fix_text.hpp"
#include "settings.hpp"
#include "translate.hpp"
#include "transport.hpp"

namespace fixgate::fix {
namespace {

/// QuickFIX's event log goes to our log; message traffic is journaled by the store adapter.
class EventLog final : public FIX::Log {
 public:
  explicit EventLog(std::string session) : session_(std::move(session)) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string&) override {}
  void onOutgoing(const std::string&) override {}
  void onEvent(const std::string& text) override { spdlog::info("fix [{}] {}", session_, text); }

 private:
  std::string session_;
};

class EventLogFactory final : public FIX::LogFactory {
 public:
  explicit EventLogFactory(std::map<FIX::SessionID, std::string> names) : names_(std::move(names)) {}
  FIX::Log* create() override { return new EventLog("global"); }
  FIX::Log* create(const FIX::SessionID& id) override {
    auto it = names_.find(id);
    return new EventLog(it == names_.end() ? id.toString() : it->second);
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  std::map<FIX::SessionID, std::string> names_;
};

}  // namespace

/// One configured session: its settings and its outbound queue, drained on the transport's thread.
struct Slot {
  config::Session config;
  FIX::SessionID id;
  std::unique_ptr<FIX::SessionSettings> settings;
  bool active = false;  // enabled in the configuration: the transport runs it
  std::mutex mutex;
  std::deque<Outbound> queue;
  bool stopping = false;
  bool drain_posted = false;  // under mutex: a drain is queued on the transport's thread
  std::atomic<bool> logged_on{false};
  // Counted on QuickFIX's threads, read by ops at a scrape: relaxed atomics.
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> heartbeats_missed{0};
  std::atomic<std::uint64_t> queue_full{0};  // sends refused because the queue was at capacity
  std::atomic<std::uint64_t> logons_refused{0};
  std::atomic<bool> needs_operator{false};
  mutable std::mutex error_mutex;
  std::string last_error;  // under error_mutex
};

namespace {

void count(std::atomic<std::uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

/// Whether QuickFIX 1.15's Session::sendRaw writes a message it has passed to toAdmin/toApp:
/// Logon, Logout, ResendRequest and SequenceReset always; anything else only while logged on
/// (otherwise it is only stored, for a later resend).
bool written_now(const std::string& msg_type, bool logged_on) {
  return logged_on || msg_type == "A" || msg_type == "5" || msg_type == "2" || msg_type == "4";
}

}  // namespace

class Application final : public FIX::Application {
 public:
  Application(std::map<FIX::SessionID, Slot*>& slots, SessionCallbacks& callbacks, StoreProvider*& stores,
              std::chrono::seconds& stale_resend_age)
      : slots_(slots), callbacks_(callbacks), stores_(stores), stale_resend_age_(stale_resend_age) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override { set_state(id, true); }
  void onLogout(const FIX::SessionID& id) override { set_state(id, false); }
  // QuickFIX 1.15 writes the socket before it calls the store's set(); toAdmin/toApp run after the
  // sequence number is assigned and before the write, so this is where "journal first" holds.
  void toAdmin(FIX::Message& message, const FIX::SessionID& id) override {
    Slot* slot = slot_of(id);
    if (slot != nullptr) add_identity(message, slot->config);
    if (!record(message, id)) throw FIX::IOException("journal unavailable: message not sent");
    if (slot == nullptr) return;
    const std::string type = message.getHeader().getField(35);
    if (type == "3") note_reject(message, *slot);
    if (written_now(type, slot->logged_on)) count(slot->messages_out);
    // QuickFIX sends a TestRequest only from its timer, when nothing arrived for 1.2 x HeartBtInt.
    if (type == "1") count(slot->heartbeats_missed);
  }
  void toApp(FIX::Message& message, const FIX::SessionID& id) override {
    if (is_stale_order_resend(message)) {
      const auto& header = message.getHeader();
      const std::string type = header.getField(35);
      const std::string cl_ord_id = message.isSetField(11) ? message.getField(11) : "";
      auto it = slots_.find(id);
      const std::string name = it == slots_.end() ? id.toString() : it->second->config.name;
      spdlog::warn("fix [{}] resend of {} {} (seq {}) is older than {} s: gap-filled, not re-sent", name, type, cl_ord_id,
                   header.getField(34), stale_resend_age_.count());
      if (callbacks_.on_not_resent) callbacks_.on_not_resent(name, type, cl_ord_id);
      throw FIX::DoNotSend();  // QuickFIX then gap-fills over it
    }
    if (Slot* slot = slot_of(id)) add_identity(message, slot->config);
    if (!record(message, id)) throw FIX::DoNotSend();
    // A resend (PossDup) is written whatever the state; anything else only while logged on.
    const auto& header = message.getHeader();
    const bool resend = header.isSetField(43) && header.getField(43) == "Y";
    if (Slot* slot = slot_of(id); slot != nullptr && !resend && header.getField(35) == "j") note_reject(message, *slot);
    if (Slot* slot = slot_of(id); slot != nullptr && (resend || slot->logged_on)) count(slot->messages_out);
  }
  void fromAdmin(const FIX::Message& message, const FIX::SessionID& id) override {
    Slot* slot = slot_of(id);
    if (slot != nullptr) count(slot->messages_in);
    const auto& header = message.getHeader();
    if (slot != nullptr && header.isSetField(35)) {
      const std::string type = header.getField(35);
      if ((type == "5" || type == "3") && !slot->logged_on) refused_logon(message, *slot);
    }
    if (header.isSetField(35) && header.getField(35) == "3") {
      deliver(message, id);
    } else if (slot != nullptr && stores_ != nullptr) {
      stores_->delivering(slot->config.name, msg_seq_num(message));  // the session layer's own: its verdict only
    }
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) override {
    if (Slot* slot = slot_of(id)) count(slot->messages_in);
    deliver(message, id);
  }

 private:
  Slot* slot_of(const FIX::SessionID& id) const {
    auto it = slots_.find(id);
    return it == slots_.end() ? nullptr : it->second;
  }
  // QuickFIX calls onLogout after every failed logon attempt too: the owner (and through it every
  // client) hears of a change once, not once per retry.
  void set_state(const FIX::SessionID& id, bool up) {
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    if (it->second->logged_on.exchange(up) == up) return;
    if (up) it->second->needs_operator = false;
    if (callbacks_.on_session) callbacks_.on_session(it->second->config.name, up);
  }

  /// The counterparty answered our Logon with a Logout or a Reject: its text is the reason the
  /// session is down. Sequence numbers it refuses cannot be fixed by retrying: the session stops
  /// reconnecting and waits for an operator.
  void refused_logon(const FIX::Message& message, Slot& slot) {
    const std::string text = message.isSetField(58) ? message.getField(58) : std::string("(no Text)");
    const std::string type = message.getHeader().getField(35) == "5" ? "Logout" : "Reject";
    count(slot.logons_refused);
    {
      std::lock_guard lock(slot.error_mutex);
      slot.last_error = type + ": " + text;
    }
    spdlog::warn("fix [{}] the counterparty refused the logon: {}: {}", slot.config.name, type, text);
    if (text.find("MsgSeqNum too low") == std::string::npos) return;
    slot.needs_operator = true;
    if (FIX::Session* session = FIX::Session::lookupSession(slot.id)) session->logout();  // no more reconnects
    spdlog::error("fix [{}] needs an operator: the counterparty expects higher sequence numbers than ours ({}). "
                  "Not reconnecting. Agree the numbers with the counterparty, then run the admin commands "
                  "`set-seq {} --next-sender N --confirm --reason ...` and `logon {} --reason ...` (fixgate-client)",
                  slot.config.name, text, slot.config.name, slot.config.name);
  }
  void deliver(const FIX::Message& message, const FIX::SessionID& id) {
    auto it = slots_.find(id);
    if (it == slots_.end() || !callbacks_.on_inbound) return;
    const std::string& name = it->second->config.name;
    Inbound inbound = from_fix(message, it->second->config.version);
    if (auto* report = std::get_if<order::ExecReport>(&inbound)) report->session = name;
    if (auto* reject = std::get_if<order::CancelReject>(&inbound)) reject->session = name;
    if (auto* reject = std::get_if<MessageReject>(&inbound)) refer_to_sent(*reject, sent_message(id, reject->ref_seq_num));
    std::uint64_t journal_seq = 0;
    std::string raw;
    if (stores_ != nullptr) std::tie(journal_seq, raw) = stores_->delivering(name, msg_seq_num(message));
    if (raw.empty()) raw = message.toString();  // a message QuickFIX queued and replayed later
    callbacks_.on_inbound(name, std::move(inbound), std::move(raw), journal_seq);
  }

  /// The configured SubIDs on every message, the credentials on the Logon. Set here, before the
  /// message is journaled and written; the journal stores 554 as asterisks (journal/redact.cpp).
  static void add_identity(FIX::Message& message, const config::Session& session) {
    auto& header = message.getHeader();
    if (!session.sender_sub_id.empty()) header.setField(50, session.sender_sub_id);
    if (!session.target_sub_id.empty()) header.setField(57, session.target_sub_id);
    if (header.getField(35) != "A") return;
    if (!session.username.empty()) message.setField(553, session.username);
    if (!session.password.empty()) message.setField(554, session.password);
  }

  static std::uint64_t msg_seq_num(const FIX::Message& message) {
    const auto& header = message.getHeader();
    return header.isSetField(34) ? std::stoull(header.getField(34)) : 0;
  }

  /// QuickFIX answers an inbound message with a Reject or BusinessMessageReject: that message's verdict.
  void note_reject(const FIX::Message& reject, Slot& slot) {
    if (stores_ == nullptr || !reject.isSetField(45)) return;
    const std::string type = reject.getHeader().getField(35);
    std::string what = type == "3" ? "Reject" : "BusinessMessageReject";
    if (reject.isSetField(58)) what += " " + reject.getField(58);
    try {
      stores_->answered_with_reject(slot.config.name, std::stoull(reject.getField(45)), what);
    } catch (const std::exception&) {
      // RefSeqNum that is not a number: nothing to attach the verdict to
    }
  }

  /// The message this session sent as `seq`, from the store QuickFIX keeps for resends (our
  /// journal-backed store, or its in-memory one); empty when not kept.
  static std::string sent_message(const FIX::SessionID& id, std::optional<std::uint64_t> seq) {
    FIX::Session* session = FIX::Session::lookupSession(id);
    if (session == nullptr || !seq || *seq == 0 || *seq > static_cast<std::uint64_t>(INT32_MAX)) return {};
    std::vector<std::string> sent;
    session->getStore()->get(static_cast<int>(*seq), static_cast<int>(*seq), sent);
    return sent.empty() ? std::string{} : sent.front();
  }

  /// A PossDup NewOrderSingle, cancel or replace first sent longer ago than the stale age.
  bool is_stale_order_resend(const FIX::Message& message) const {
    const auto& header = message.getHeader();
    if (!header.isSetField(43) || header.getField(43) != "Y" || !header.isSetField(122)) return false;
    const std::string type = header.getField(35);
    if (type != "D" && type != "F" && type != "G") return false;
    try {
      const FIX::UtcTimeStamp first_sent = FIX::UtcTimeStampConvertor::convert(header.getField(122));
      const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(first_sent.getTimeT());
      return age > stale_resend_age_;
    } catch (const FIX::FieldConvertError&) {
      return true;  // no readable first-sent time: do not risk re-sending an order
    }
  }

  bool record(const FIX::Message& message, const FIX::SessionID& id) {
    if (stores_ == nullptr) return true;
    auto it = slots_.find(id);
    const std::string name = it == slots_.end() ? id.toString() : it->second->config.name;
    return stores_->record_outbound(name, message.toString());
  }

  std::map<FIX::SessionID, Slot*>& slots_;
  SessionCallbacks& callbacks_;
  StoreProvider*& stores_;
  std::chrono::seconds& stale_resend_age_;
};

struct SessionManager::Impl {
  SessionCallbacks callbacks;
  std::size_t queue_capacity;
  std::map<std::string, std::unique_ptr<Slot>> by_name;
  std::map<FIX::SessionID, Slot*> by_id;
  StoreProvider* stores = nullptr;
  std::chrono::seconds stale_resend_age{5};
  Application application{by_id, callbacks, stores, stale_resend_age};
  FIX::MemoryStoreFactory memory_stores;
  std::unique_ptr<EventLogFactory> event_logs;
  std::unique_ptr<AsioInitiator> transport;  // every enabled session, one thread
  bool started = false;

  // QuickFIX's sessions give their stores and logs back to the factories as they are destroyed:
  // the transport (which owns the sessions) goes first.
  ~Impl() { transport.reset(); }

  FIX::MessageStoreFactory& store_factory() {
    if (stores != nullptr) return *static_cast<FIX::MessageStoreFactory*>(stores->message_store_factory());
    return memory_stores;
  }
  FIX::LogFactory* log_factory() {
    if (stores != nullptr && stores->log_factory() != nullptr) return static_cast<FIX::LogFactory*>(stores->log_factory());
    return event_logs.get();
  }

  // On the transport's thread: hands every queued message to QuickFIX, which journals it (toApp)
  // and writes it through our Responder without waiting on the socket.
  void drain(Slot& slot) {
    for (;;) {
      Outbound message;
      {
        std::lock_guard lock(slot.mutex);
        if (slot.queue.empty()) {
          slot.drain_posted = false;
          return;
        }
        message = std::move(slot.queue.front());
        slot.queue.pop_front();
      }
      FIX::Message fix_message = to_fix(message, slot.config.version);
      FIX::Session* session = FIX::Session::lookupSession(slot.id);
      if (session == nullptr) {
        spdlog::error("fix [{}] session vanished; message dropped", slot.config.name);
        continue;
      }
      // Session::send persists to the store (our journal) before it writes the socket.
      if (!session->send(fix_message)) spdlog::warn("fix [{}] send refused by QuickFIX", slot.config.name);
    }
  }
};

SessionManager::SessionManager(std::vector<config::Session> sessions, SessionCallbacks callbacks,
                               StoreProvider* stores, std::chrono::seconds stale_resend_age,
                               std::size_t queue_capacity)
    : impl_(std::make_unique<Impl>()) {
  impl_->stale_resend_age = stale_resend_age;
  impl_->callbacks = std::move(callbacks);
  impl_->queue_capacity = queue_capacity;
  impl_->stores = stores;
  std::map<FIX::SessionID, std::string> names;
  for (auto& cfg : sessions) {
    auto slot = std::make_unique<Slot>();
    slot->id = session_id(cfg);
    slot->settings = std::make_unique<FIX::SessionSettings>(build_settings(cfg));
    slot->config = std::move(cfg);
    names[slot->id] = slot->config.name;
    impl_->by_id[slot->id] = slot.get();
    impl_->by_name[slot->config.name] = std::move(slot);
  }
  impl_->event_logs = std::make_unique<EventLogFactory>(std::move(names));
  try {
    FIX::SessionSettings all;
    bool any = false;
    for (auto& [name, slot] : impl_->by_name) {
      if (!slot->config.enabled) continue;
      all.set(slot->id, slot->settings->get(slot->id));
      slot->active = any = true;
    }
    if (any) {
      impl_->transport = std::make_unique<AsioInitiator>(
          impl_->application, impl_->store_factory(), all, *impl_->log_factory(), [impl = impl_.get()](const FIX::SessionID& id) {
            auto it = impl->by_id.find(id);
            return it == impl->by_id.end() ? id.toString() : it->second->config.name;
          });
    }
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("FIX session settings refused: ") + e.what());
  }
}

SessionManager::~SessionManager() { stop(); }

void SessionManager::start() {
  if (impl_->started) return;
  impl_->started = true;
  if (impl_->transport) impl_->transport->start();
}

void SessionManager::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  for (auto& [name, slot] : impl_->by_name) {
    std::lock_guard lock(slot->mutex);
    slot->stopping = true;
  }
  // What was queued before the stop still goes out (drains run in order on the transport's
  // thread); then every session logs out (the transport waits for the replies, bounded) and the
  // thread ends.
  if (impl_->transport) impl_->transport->stop();
}

SendStatus SessionManager::try_send(const std::string& session, Outbound message) {
  auto it = impl_->by_name.find(session);
  if (it == impl_->by_name.end() || !it->second->active) return SendStatus::unknown_session;
  Slot& slot = *it->second;
  {
    std::lock_guard lock(slot.mutex);
    if (slot.stopping) return SendStatus::stopped;
    if (slot.queue.size() >= impl_->queue_capacity) {
      count(slot.queue_full);
      return SendStatus::queue_full;
    }
    slot.queue.push_back(std::move(message));
    if (slot.drain_posted) return SendStatus::queued;
    slot.drain_posted = true;
  }
  impl_->transport->post([impl = impl_.get(), s = &slot] { impl->drain(*s); });
  return SendStatus::queued;
}

bool SessionManager::is_logged_on(const std::string& session) const {
  auto it = impl_->by_name.find(session);
  return it != impl_->by_name.end() && it->second->logged_on;
}

Inbound decode(const std::string& session, config::FixVersion version, const std::string& raw) {
  try {
    FIX::Message message(raw, false);
    Inbound inbound = from_fix(message, version);
    if (auto* report = std::get_if<order::ExecReport>(&inbound)) report->session = session;
    if (auto* reject = std::get_if<order::CancelReject>(&inbound)) reject->session = session;
    return inbound;
  } catch (const FIX::Exception& e) {
    return Unreadable{std::string(msg_type_of(raw)), std::string("does not parse: ") + e.what(), raw};
  }
}

std::pair<std::uint64_t, std::uint64_t> SessionManager::sequence_numbers(const std::string& session) const {
  auto it = impl_->by_name.find(session);
  if (it == impl_->by_name.end()) return {0, 0};
  FIX::Session* s = FIX::Session::lookupSession(it->second->id);
  if (s == nullptr) return {0, 0};
  return {s->getExpectedSenderNum(), s->getExpectedTargetNum()};
}

std::expected<void, std::string> SessionManager::logon(const std::string& session) {
  auto it = impl_->by_name.find(session);
  if (it == impl_->by_name.end()) return std::unexpected("no session named " + session);
  FIX::Session* s = FIX::Session::lookupSession(it->second->id);
  if (s == nullptr) return std::unexpected("session " + session + " is not running (disabled in the configuration)");
  // Enables the session: the initiator connects and logs on at its next check (about a second).
  it->second->needs_operator = false;
  s->logon();
  return {};
}

std::expected<void, std::string> SessionManager::logout(const std::string& session, const std::string& reason) {
  auto it = impl_->by_name.find(session);
  if (it == impl_->by_name.end()) return std::unexpected("no session named " + session);
  FIX::Session* s = FIX::Session::lookupSession(it->second->id);
  if (s == nullptr) return std::unexpected("session " + session + " is not running (disabled in the configuration)");
  // Disables the session: a Logout goes out now and it stays off until logon().
  s->logout(reason);
  return {};
}

std::expected<void, std::string> SessionManager::set_sequence_numbers(const std::string& session,
                                                                      std::optional<std::uint64_t> next_sender,
                                                                      std::optional<std::uint64_t> next_target) {
  auto it = impl_->by_name.find(session);
  if (it == impl_->by_name.end()) return std::unexpected("no session named " + session);
  FIX::Session* s = FIX::Session::lookupSession(it->second->id);
  if (s == nullptr) return std::unexpected("session " + session + " is not running (disabled in the configuration)");
  if (s->isLoggedOn()) {
    return std::unexpected("session " + session + " is logged on: log it out before setting sequence numbers");
  }
  try {
    // The store journals each change as a seq_change record.
    if (next_sender) s->setNextSenderMsgSeqNum(static_cast<int>(*next_sender));
    if (next_target) s->setNextTargetMsgSeqNum(static_cast<int>(*next_target));
  } catch (const std::exception& e) {
    return std::unexpected(std::string("the store refused the change: ") + e.what());
  }
  return {};
}

std::vector<SessionManager::State> SessionManager::states() const {
  std::vector<State> out;
  for (const auto& [name, slot] : impl_->by_name) {
    State state{name, false, slot->logged_on, 0, 0};
    state.messages_in = slot->messages_in.load(std::memory_order_relaxed);
    state.messages_out = slot->messages_out.load(std::memory_order_relaxed);
    state.heartbeats_missed = slot->heartbeats_missed.load(std::memory_order_relaxed);
    state.queue_full = slot->queue_full.load(std::memory_order_relaxed);
    state.logons_refused = slot->logons_refused.load(std::memory_order_relaxed);
    state.needs_operator = slot->needs_operator.load();
    {
      std::lock_guard lock(slot->error_mutex);
      state.last_error = slot->last_error;
    }
    {
      std::lock_guard lock(slot->mutex);
      state.queue_depth = slot->queue.size();
    }
    if (FIX::Session* s = FIX::Session::lookupSession(slot->id)) {
      state.enabled = s->isEnabled();
      state.next_sender_seq = static_cast<std::uint64_t>(s->getExpectedSenderNum());
      state.next_target_seq = static_cast<std::uint64_t>(s->getExpectedTargetNum());
    }
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace fixgate::fix
