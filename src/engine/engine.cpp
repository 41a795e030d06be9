// SPDX-License-Identifier: Apache-2.0
// The engine's loop, its input queue, the journal gate on outputs, and recovery by replay.
// Request and report handling live in upstream.cpp and broker.cpp.

#include "fixgate/engine/engine.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "fixgate/gateway/codec.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/core/fix_text.hpp"
#include "fixgate/core/log_fields.hpp"

namespace fixgate::engine {
namespace {

std::vector<route::Rule> rules_from(const std::vector<config::Route>& routes) {
  std::vector<route::Rule> rules;
  for (const auto& r : routes) rules.push_back({r.account, r.symbol, r.market, r.sessions});
  return rules;
}

std::string session_event(const std::string& session, bool up) {
  return std::string(up ? "session_up " : "session_down ") + session;
}

// Gives a reject read back from the journal the reference its apply marker recorded:
// "<MsgType> <ClOrdID>" of the message it refers to, as the session layer found it.
void refer(fix::Inbound& message, std::string_view reference) {
  auto* reject = std::get_if<fix::MessageReject>(&message);
  if (reject == nullptr) return;
  const auto space = reference.find(' ');
  reject->sent_msg_type = std::string(reference.substr(0, space));
  reject->sent_cl_ord_id = space == std::string_view::npos ? std::string() : std::string(reference.substr(space + 1));
}

/// The order an upstream request is about (its client_order_id), for the log fields.
std::string_view order_of(const gateway::Request& request) {
  return std::visit(
      [](const auto& r) -> std::string_view {
        if constexpr (requires { r.client_order_id; }) {
          return r.client_order_id;
        } else {
          return {};
        }
      },
      request);
}

/// The ClOrdID a broker message is about, for the log fields.
std::string_view cl_ord_id_of(const fix::Inbound& message) {
  return std::visit(
      [](const auto& m) -> std::string_view {
        if constexpr (requires { m.cl_ord_id; }) {
          return m.cl_ord_id;
        } else {
          // A BusinessMessageReject names the order in BusinessRejectRefID; a session Reject, by
          // the message it refused.
          return m.business_reject_ref_id.empty() ? m.sent_cl_ord_id : m.business_reject_ref_id;
        }
      },
      message);
}

}  // namespace

Engine::Engine(const config::Config& config, journal::Store& journal, Outputs outputs, Clock clock,
               FixDecoder decode_fix)
    : Engine(config, &journal, {}, std::move(outputs), std::move(clock), std::move(decode_fix)) {}

Engine::Engine(const config::Config& config, std::filesystem::path journal_dir, FixDecoder decode_fix)
    : Engine(config, nullptr, std::move(journal_dir), {}, [] { return Timestamp{0}; }, std::move(decode_fix)) {}

Engine::Engine(const config::Config& config, journal::Store* journal, std::filesystem::path journal_dir,
               Outputs outputs, Clock clock, FixDecoder decode_fix)
    : config_(config),
      journal_(journal),
      journal_dir_(std::move(journal_dir)),
      outputs_(std::move(outputs)),
      clock_(std::move(clock)),
      decode_fix_(std::move(decode_fix)),
      book_(config.instance.empty() ? "FG" : config.instance + "-"),
      router_(rules_from(config.routes)) {
  for (const auto& s : config.sessions) {
    session_up_[s.name] = false;
    stats_.executions_by_session.try_emplace(s.name);
    request_timeouts_[s.name] = std::chrono::seconds(s.pending_request_timeout_seconds);
  }
  for (const auto& c : config.upstream.clients) streams_[c.name];
  apply_policy({config.risk, config.routes});
}

Engine::~Engine() = default;

void Engine::post(Input input) {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back(std::move(input));
  }
  inbox_cv_.notify_one();
}

void Engine::wake() {
  // Taking the lock closes the window between the loop's last check and its wait.
  { std::lock_guard lock(inbox_mutex_); }
  inbox_cv_.notify_one();
}

int Engine::do_work() {
  const int done = retry_deferred() + store_unstored() + poll_inputs() + poll_timers() + poll_journal();
  held_depth_.store(held_.size(), std::memory_order_relaxed);
  return done;
}

std::size_t Engine::inbox_depth() {
  std::lock_guard lock(inbox_mutex_);
  return inbox_.size();
}

void Engine::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_acquire)) {
    if (do_work() != 0) continue;
    std::unique_lock lock(inbox_mutex_);
    // The journal's durable mark moves on another thread: a short bounded wait keeps held
    // answers flowing even if a wake-up is missed.
    inbox_cv_.wait_for(lock, std::chrono::milliseconds(1),
                       [&] { return !inbox_.empty() || stop.load(std::memory_order_acquire) ||
                                    (!held_.empty() && held_.front().journal_seq <= journal_->durable_seq()); });
  }
  do_work();
}

int Engine::poll_inputs() {
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_.empty()) return 0;
    taking_.swap(inbox_);
  }
  const int taken = static_cast<int>(taking_.size());
  for (auto& input : taking_) {
    // Broker messages and session changes keep their order behind the ones still waiting for the
    // journal; upstream requests are answered at once (refused while the journal cannot store).
    if (!deferred_.empty() && !std::holds_alternative<gateway::Inbound>(input)) {
      deferred_.push_back(std::move(input));
      continue;
    }
    if (!take_once(input)) deferred_.push_back(std::move(input));
  }
  taking_.clear();
  return taken;
}

bool Engine::take_once(Input& input) {
  backpressured_ = false;
  try {
    take(input);
  } catch (const std::exception& e) {
    // A broken invariant in one input must not take the whole engine down with it.
    spdlog::error("engine: input dropped after internal error: {}", e.what());
  }
  const bool again = backpressured_;
  backpressured_ = false;
  return !again;
}

int Engine::retry_deferred() {
  int taken = 0;
  while (!deferred_.empty() && !journal_failure_) {
    if (!take_once(deferred_.front())) break;
    deferred_.pop_front();
    ++taken;
  }
  if (journal_failure_ && !deferred_.empty()) {
    spdlog::critical("journal failed: {} broker messages or session changes were never stored nor applied",
                     deferred_.size());
    deferred_.clear();
  }
  return taken;
}

int Engine::store_unstored() {
  int stored = 0;
  while (!unstored_.empty() && !journal_failure_) {
    auto& out = unstored_.front();
    auto seq = journal_->append(journal::RecordKind::upstream_event, out.client, gateway::encode_event(out), clock_().nanos);
    if (!seq) {
      if (seq.error().kind == journal::ErrorKind::backpressure) break;
      journal_failure_ = seq.error().to_string();
      ++stats_.journal_errors;
      spdlog::critical("journal refused event {} for {}: {}", out.seq, out.client, *journal_failure_);
      break;
    }
    last_appended_ = *seq;
    streams_[out.client].journal_seqs.push_back(*seq);
    hold({*seq, std::move(out)});
    unstored_.pop_front();
    ++stored;
  }
  if (journal_failure_) unstored_.clear();
  return stored;
}

int Engine::poll_journal() {
  if (!journal_failure_) {
    if (auto failure = journal_->failure()) {
      journal_failure_ = failure->to_string();
      spdlog::critical("journal failed, no further acknowledgements: {}", *journal_failure_);
    }
  }
  const auto durable = journal_->durable_seq();
  int released = 0;
  while (!held_.empty() && held_.front().journal_seq <= durable) {
    auto held = std::move(held_.front());
    held_.pop_front();
    if (auto* out = std::get_if<gateway::Outbound>(&held.action)) {
      if (outputs_.deliver) outputs_.deliver(std::move(*out));
    } else {
      auto& [session, message] = std::get<std::pair<std::string, fix::Outbound>>(held.action);
      const auto status = outputs_.send ? outputs_.send(session, std::move(message)) : fix::SendStatus::stopped;
      if (status != fix::SendStatus::queued) {
        spdlog::error("engine: FIX send to {} not queued", session);
      } else if (held.order_taken) {
        stats_.order_latency.observe(std::chrono::steady_clock::now() - *held.order_taken);
      }
    }
    ++released;
  }
  return released;
}

void Engine::take(Input& input) {
  ++stats_.inputs;
  const Timestamp now = clock_();
  std::visit(
      [&](auto& in) {
        using T = std::decay_t<decltype(in)>;
        // Whatever is logged while the input is handled carries what it is about (JSON logs).
        if constexpr (std::is_same_v<T, gateway::Inbound>) {
          const LogScope about({.client = in.client, .client_order_id = order_of(in.request)});
          // Monotonic, for the order latency only: never part of state (that uses `now`).
          upstream_taken_ = std::chrono::steady_clock::now();
          take_upstream(in, now);
        } else if constexpr (std::is_same_v<T, FixInput>) {
          const LogScope about({.session = in.session, .cl_ord_id = cl_ord_id_of(in.message)});
          take_fix(in, now);
        } else if constexpr (std::is_same_v<T, SessionChange>) {
          const LogScope about({.session = in.session});
          take_session(in, now);
        } else if constexpr (std::is_same_v<T, NotResent>) {
          const LogScope about({.session = in.session, .cl_ord_id = in.cl_ord_id});
          take_not_resent(in, now);
        } else if constexpr (std::is_same_v<T, PolicyReload>) {
          take_reload(in, now);
        }
      },
      input);
}

void Engine::take_session(const SessionChange& change, Timestamp now) {
  if (!record_input(journal::RecordKind::engine_event, change.session, session_event(change.session, change.logged_on),
                    now, nullptr)) {
    return;
  }
  session_up_[change.session] = change.logged_on;
  if (!replaying_) spdlog::info("session {} {}", change.session, change.logged_on ? "logged on" : "logged off");
  for (const auto& client : clients_) {
    emit(client.name, {}, gateway::SessionStatus{change.session, change.logged_on});
  }
  if (change.logged_on) reconcile(change.session, now);
}

bool Engine::record_input(journal::RecordKind kind, const std::string& stream, const std::string& payload,
                          Timestamp now, const gateway::Inbound* answer_to) {
  if (replaying_) return true;
  if (!journal_failure_) {
    auto seq = journal_->append(kind, stream, payload, now.nanos);
    if (seq) {
      last_appended_ = *seq;
      if (backpressure_logged_) spdlog::warn("journal takes records again");
      backpressure_logged_ = false;
      return true;
    }
    if (seq.error().kind == journal::ErrorKind::backpressure) {
      // Not final: the journal may come back. Nothing is acknowledged that is not stored.
      ++stats_.journal_errors;
      if (!backpressure_logged_) spdlog::error("journal cannot store now, refusing requests: {}", seq.error().to_string());
      backpressure_logged_ = true;
      if (answer_to != nullptr) {
        // Straight out, not behind the held answers (which wait for the same journal): a refusal
        // reveals nothing that is not stored, and the client must not wait for the outage to end.
        if (outputs_.deliver && answer_to->connection != 0) {
          outputs_.deliver({answer_to->connection, answer_to->client, 0, answer_to->request_id,
                            gateway::Error{.code = "journal_unavailable",
                                           .text = "journal unavailable: " + seq.error().to_string()}});
        }
      } else {
        backpressured_ = true;
      }
      return false;
    }
    journal_failure_ = seq.error().to_string();
    spdlog::critical("journal refused a record, no further acknowledgements: {}", *journal_failure_);
  }
  ++stats_.journal_errors;
  if (answer_to != nullptr) {
    answer(*answer_to, gateway::Error{.code = "journal_unavailable", .text = "journal unavailable: " + *journal_failure_});
  }
  return false;
}

void Engine::emit(const std::string& client, const std::string& request_id, gateway::Event event) {
  record_admin_outcome(client, event);  // before the event's own record, which its release waits for
  auto& stream = streams_[client];
  gateway::Outbound out{0, client, stream.next_seq++, request_id, std::move(event)};
  if (replaying_) {
    stream.unrecorded.push_back(gateway::encode_event(out));
    return;
  }
  if (!unstored_.empty()) {  // behind the events still waiting for the journal
    unstored_.push_back(std::move(out));
    return;
  }
  auto seq = journal_->append(journal::RecordKind::upstream_event, client, gateway::encode_event(out), clock_().nanos);
  if (!seq && seq.error().kind == journal::ErrorKind::backpressure) {
    unstored_.push_back(std::move(out));
    return;
  }
  if (!seq) {
    journal_failure_ = seq.error().to_string();
    ++stats_.journal_errors;
    spdlog::critical("journal refused event {} for {}: {}", out.seq, client, *journal_failure_);
    return;
  }
  last_appended_ = *seq;
  stream.journal_seqs.push_back(*seq);
  hold({*seq, std::move(out)});
}

void Engine::answer(const gateway::Inbound& to, gateway::Event event) {
  const std::uint64_t outcome = record_admin_outcome(to.client, event);
  if (replaying_ || !outputs_.deliver || to.connection == 0) return;
  gateway::Outbound out{to.connection, to.client, 0, to.request_id, std::move(event)};
  // An admin answer goes out only once its outcome is in the journal.
  if (outcome != 0 && !journal_failure_) return hold({outcome, std::move(out)});
  reply(std::move(out));
}

void Engine::reply(gateway::Outbound out) {
  // A direct answer reveals nothing not yet durable only if it waits behind what is held.
  // After a journal failure nothing held will ever be released: errors go out at once.
  if (held_.empty() || journal_failure_) {
    outputs_.deliver(std::move(out));
  } else {
    hold({last_appended_, std::move(out)});
  }
}

void Engine::send_fix(const std::string& session, fix::Outbound message) {
  const std::string* request = std::visit(
      [](const auto& m) -> const std::string* {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, fix::OrderStatusRequest>) return nullptr;
        else return &m.cl_ord_id;
      },
      message);
  if (replaying_) {
    // The session layer journals the message as it goes out (fix_out): until that record comes,
    // the request has not reached the broker.
    if (request != nullptr) unsent_.insert(*request);
    return;
  }
  if (request != nullptr) arm_timer(session, *request, false);
  // Only a NewOrderSingle is timed; it is only ever sent while taking its upstream request.
  std::optional<std::chrono::steady_clock::time_point> order_taken;
  if (std::holds_alternative<order::NewOrderSingle>(message)) order_taken = upstream_taken_;
  hold({last_appended_, std::make_pair(session, std::move(message)), order_taken});
}

void Engine::hold(Held held) { held_.push_back(std::move(held)); }

std::uint64_t Engine::recover(const std::function<void(const journal::RecordView&)>& also,
                              std::optional<std::int64_t> until_ns) {
  replaying_ = true;
  std::uint64_t count = 0;
  auto visit = [&](const journal::RecordView& record) {
    if (until_ns && record.timestamp_ns > *until_ns) return false;
    if (also) also(record);
    replay_record(record);
    ++count;
    return true;
  };
  auto summary = journal_ != nullptr ? journal_->scan(visit) : journal::scan(journal_dir_, visit);
  replaying_ = false;
  if (!summary) throw std::runtime_error("journal replay failed: " + summary.error().to_string());
  if (journal_ == nullptr) return count;  // replay only: the book as of the last record read

  // Messages the session layer delivered but the engine had not applied before the stop are
  // applied first; a frame it rejected, ignored as a duplicate or queued behind a gap is not: the
  // live engine never saw it (the broker sends what was queued again, after the gap).
  std::erase_if(unapplied_, [&](const auto& entry) {
    return sessions_with_verdicts_.contains(entry.second.first) && !delivered_.contains(entry.first);
  });
  delivered_.clear();
  for (auto& [seq, entry] : unapplied_) {
    fix::Inbound message = decode_fix_(entry.first, entry.second);
    // A reject names what it refuses by RefSeqNum: find that message as the session layer would
    // have, among the ones sent before it.
    if (auto* reject = std::get_if<fix::MessageReject>(&message); reject && reject->ref_seq_num) {
      const std::string sent = sent_before(entry.first, *reject->ref_seq_num, seq);
      if (!sent.empty()) {
        reject->sent_msg_type = std::string(msg_type_of(sent));
        reject->sent_cl_ord_id = std::string(fix_field(sent, 11).value_or(""));
      }
    }
    post(FixInput{entry.first, std::move(message), entry.second, seq});
  }
  if (!unapplied_.empty()) spdlog::warn("engine: {} broker messages received but not applied before the stop; applying them now", unapplied_.size());
  unapplied_.clear();
  // Sessions are down until they log on again; say so in the journal so the next replay agrees.
  const Timestamp now = clock_();
  // The file's limits and routes decide from here on if they changed since they were last
  // journaled; otherwise what the journal holds (run-time changes included) stays in force.
  take_policy({config_.risk, config_.routes}, now);
  for (auto& [session, up] : session_up_) {
    if (up) take_session(SessionChange{session, false}, now);
  }
  // Events the replay produced that never reached the journal were never delivered: send them now.
  for (auto& [client, stream] : streams_) {
    for (auto& line : stream.unrecorded) {
      auto decoded = gateway::decode_event(std::string_view(line).substr(0, line.size() - 1));
      if (!decoded) continue;
      decoded->client = client;
      auto seq = journal_->append(journal::RecordKind::upstream_event, client, line, now.nanos);
      if (!seq) throw std::runtime_error("journal refused a recovered event: " + seq.error().to_string());
      last_appended_ = *seq;
      stream.journal_seqs.push_back(*seq);
      hold({*seq, std::move(*decoded)});
    }
    stream.unrecorded.clear();
  }
  spdlog::info("engine: recovered {} journal records, {} orders ({} live)", count, book_.orders().size(),
               book_.live_orders().size());
  return count;
}

void Engine::replay_record(const journal::RecordView& record) {
  const Timestamp at{record.timestamp_ns};
  const std::string stream(record.stream);
  switch (record.kind) {
    case journal::RecordKind::upstream_request: {
      std::string request_id;
      auto decoded = gateway::decode_request(record.payload, request_id);
      if (!decoded) {
        spdlog::error("journal record {}: unreadable upstream request: {}", record.seq, decoded.error().text);
        return;
      }
      decoded->client = stream;
      decoded->request_id = request_id;
      take_upstream(*decoded, at);
      return;
    }
    case journal::RecordKind::fix_in: {
      // Applied when its apply_fix record comes, in the engine's original order (take_fix: every
      // application message, and session-level Rejects).
      const auto type = msg_type_of(record.payload);
      if (!is_session_level(type) || type == "3") unapplied_[record.seq] = {stream, std::string(record.payload)};
      return;
    }
    case journal::RecordKind::fix_garbage:
      sessions_with_verdicts_.insert(stream);
      return;
    case journal::RecordKind::fix_verdict: {
      // "<fix_in seq> delivered next=N": the session layer handed it on (its apply_fix may come
      // before or after this record, or never when the engine had not applied it at a crash).
      sessions_with_verdicts_.insert(stream);
      const auto text = record.payload;
      const auto space = text.find(' ');
      if (space == std::string_view::npos || !text.substr(space + 1).starts_with("delivered")) return;
      std::uint64_t seq = 0;
      std::from_chars(text.data(), text.data() + space, seq);
      if (unapplied_.contains(seq)) delivered_.insert(seq);
      return;
    }
    case journal::RecordKind::fix_out: {
      // An order, cancel or replace went out: it is no longer among those to send after a restart.
      const auto type = msg_type_of(record.payload);
      if ((type == "D" || type == "F" || type == "G") && fix_field(record.payload, 43).value_or("N") != "Y") {
        if (auto cl_ord_id = fix_field(record.payload, 11)) unsent_.erase(std::string(*cl_ord_id));
      }
      return;
    }
    case journal::RecordKind::engine_event: {
      const auto text = std::string(record.payload);
      if (text.starts_with("session_up ")) take_session({text.substr(11), true}, at);
      if (text.starts_with("session_down ")) take_session({text.substr(13), false}, at);
      if (text.starts_with("apply_fix ")) {
        // "apply_fix <fix_in seq>[ sent <MsgType> <ClOrdID>]"
        const auto seq = std::stoull(text.substr(10));
        auto it = unapplied_.find(seq);
        if (it == unapplied_.end()) {
          spdlog::error("journal record {}: applies fix_in {} which is not in the journal", record.seq, seq);
          return;
        }
        FixInput input{it->second.first, decode_fix_(it->second.first, it->second.second), it->second.second, seq};
        unapplied_.erase(it);
        if (const auto sent = text.find(" sent "); sent != std::string::npos) refer(input.message, text.substr(sent + 6));
        take_fix(input, at);
      }
      if (text.starts_with("not_resent ")) {
        // "not_resent <msg_type> <cl_ord_id>"
        const auto rest = text.substr(11);
        const auto space = rest.find(' ');
        take_not_resent({stream, rest.substr(0, space), space == std::string::npos ? "" : rest.substr(space + 1)}, at);
      }
      if (text.starts_with("policy config ")) {
        auto policy = config::policy_from_json(std::string_view(text).substr(14));
        if (!policy) {
          spdlog::error("journal record {}: unreadable policy: {}", record.seq, policy.error());
          return;
        }
        config_policy_json_ = text.substr(14);
        apply_policy(std::move(*policy));
      }
      if (text.starts_with("grant ")) apply_grant(stream, std::string_view(text).substr(6));
      if (text.starts_with("apply_raw ")) {
        // "apply_raw [sent <MsgType> <ClOrdID>\x01]<raw FIX>"
        std::string raw = text.substr(10);
        std::string reference;
        if (raw.starts_with("sent ")) {
          const auto end = raw.find('\x01');
          reference = raw.substr(5, end == std::string::npos ? std::string::npos : end - 5);
          raw = end == std::string::npos ? std::string() : raw.substr(end + 1);
        }
        FixInput input{stream, decode_fix_(stream, raw), raw, 0};
        if (!reference.empty()) refer(input.message, reference);
        take_fix(input, at);
      }
      if (text.starts_with("request_timeout status ")) take_timeout(text.substr(23), true, at);
      if (text.starts_with("request_timeout expired ")) take_timeout(text.substr(24), false, at);
      return;
    }
    case journal::RecordKind::upstream_event: {
      auto& s = streams_[stream];
      s.journal_seqs.push_back(record.seq);
      if (!s.unrecorded.empty()) {
        s.unrecorded.pop_front();
      } else {
        spdlog::error("journal record {}: event for {} that replay did not produce", record.seq, stream);
        s.next_seq = s.journal_seqs.size() + 1;
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace fixgate::engine
