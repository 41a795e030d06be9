// SPDX-License-Identifier: Apache-2.0
#include "ops_wiring.hpp"

#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "fixgate/core/log_fields.hpp"
#include "fixgate/core/reject.hpp"
#include "fixgate/ops/endpoints.hpp"
#include "fixgate/ops/process_metrics.hpp"
#include "fixgate/ops/schedule_control.hpp"

#ifndef FIXGATE_VERSION
#define FIXGATE_VERSION "unknown"
#endif

namespace fixgate::daemon {

namespace {

ops::Instant now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

double as_double(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

OpsRuntime::OpsRuntime(OpsSources sources) : src_(sources) {
  auto schedules = ops::build_schedules(src_.config.sessions);
  if (!schedules) throw std::runtime_error(schedules.error());
  schedules_ = std::move(*schedules);
  register_metrics();
}

OpsRuntime::~OpsRuntime() { stop(); }

std::optional<fix::SessionManager::State> OpsRuntime::state_of(const std::string& session) const {
  for (auto& s : src_.sessions.states()) {
    if (s.name == session) return s;
  }
  return std::nullopt;
}

bool OpsRuntime::in_schedule(const std::string& session, ops::Instant now) const {
  auto it = schedules_.find(session);
  return it == schedules_.end() || it->second.always_on() || it->second.active(now);
}

ops::ReadinessInput OpsRuntime::readiness_input() {
  ops::ReadinessInput input;
  input.journal_recovered = recovered_.load(std::memory_order_relaxed);
  input.journal_failed = src_.journal.failure().has_value();
  input.journal_connected = src_.journal.connected();
  const auto last = src_.journal.last_seq();  // before durable_seq: durable <= last
  const auto durable = src_.journal.durable_seq();
  input.journal_waiting = last > durable ? last - durable : 0;
  {
    std::lock_guard lock(durability_mutex_);
    input.journal_stalled_for = durability_.observe(std::chrono::steady_clock::now(), last, durable);
  }
  input.stopping = stopping_.load(std::memory_order_relaxed);
  const auto now = now_seconds();
  const auto states = src_.sessions.states();
  for (const auto& session : src_.config.sessions) {
    ops::SessionReadiness r;
    r.name = session.name;
    // Expected up by the configuration: an operator's `logout` makes the instance unready until
    // `logon`, a schedule's does not (in_schedule is false then).
    r.enabled = session.enabled;
    r.in_schedule = in_schedule(session.name, now);
    for (const auto& s : states) {
      if (s.name != session.name) continue;
      r.logged_on = s.logged_on;
      r.last_error = s.last_error;
      r.needs_operator = s.needs_operator;
    }
    input.sessions.push_back(std::move(r));
  }
  return input;
}

void OpsRuntime::register_metrics() {
  auto& r = registry_;
  auto& engine = src_.engine;
  auto& journal = src_.journal;
  auto& gateway = src_.gateway;

  // Not "instance": Prometheus sets that label on every scraped series to the target's address.
  r.gauge("fixgate_build_info", "Build and configuration identity (always 1).",
          {{"version", FIXGATE_VERSION}, {"fixgate_instance", src_.config.instance}})
      .set(1.0);
  ops::register_process_metrics(r);
  r.gauge("fixgate_start_time_seconds", "Process start, Unix seconds.")
      .set(static_cast<double>(now_seconds().time_since_epoch().count()));
  r.gauge_callback("fixgate_ready", "1 when /readyz answers 200.", {},
                   [this] { return ops::readiness(readiness_input()).status == 200 ? 1.0 : 0.0; });

  const auto& stats = engine.stats();
  struct RequestFamily {
    const char* name;
    const char* help;
    engine::RequestKind kind;
  };
  static constexpr RequestFamily request_families[] = {
      {"fixgate_orders_total", "New-order requests by first answer.", engine::RequestKind::new_order},
      {"fixgate_cancel_requests_total", "Cancel requests by first answer.", engine::RequestKind::cancel},
      {"fixgate_replace_requests_total", "Cancel/replace requests by first answer.", engine::RequestKind::replace},
  };
  for (const auto& f : request_families) {
    const auto& counts = stats.of(f.kind);
    r.counter_callback(f.name, f.help, {{"outcome", "accepted"}}, [&counts] { return as_double(counts.accepted); });
    r.counter_callback(f.name, f.help, {{"outcome", "rejected"}}, [&counts] { return as_double(counts.rejected); });
  }
  for (std::size_t i = 0; i < engine::reject_reason_count; ++i) {
    const auto reason = static_cast<RejectReason>(i);
    r.counter_callback("fixgate_order_rejects_total", "Rejected new, cancel and replace requests by reason code.",
                       {{"reason", std::string(code(reason))}},
                       [&stats, i] { return as_double(stats.rejects_by_reason[i]); });
  }
  for (const auto& [session, executions] : stats.executions_by_session) {
    r.counter_callback("fixgate_executions_total", "Execution reports applied, by session.", {{"session", session}},
                       [&executions] { return as_double(executions); });
  }
  for (std::size_t i = 0; i < engine::break_kinds.size(); ++i) {
    r.counter_callback("fixgate_breaks_total",
                       "Breaks raised (the broker and fixgate disagree, or a message could not be applied), by kind.",
                       {{"kind", std::string(engine::break_kinds[i])}},
                       [&stats, i] { return as_double(stats.breaks_by_kind[i]); });
  }
  r.counter_callback("fixgate_kill_switches_total", "Kill switches engaged, by hand or automatically.", {},
                     [&stats] { return as_double(stats.kill_switches); });
  r.counter_callback("fixgate_duplicate_requests_total",
                     "Repeated requests answered with their first answer and otherwise ignored.", {},
                     [&stats] { return as_double(stats.idempotent_replays); });
  r.counter_callback("fixgate_engine_inputs_total", "Inputs taken by the engine thread.", {},
                     [&stats] { return as_double(stats.inputs); });
  r.counter_callback("fixgate_engine_journal_errors_total", "Journal appends the engine saw refused.", {},
                     [&stats] { return as_double(stats.journal_errors); });
  r.gauge_callback("fixgate_engine_inbox_depth", "Inputs waiting for the engine thread.", {},
                   [&engine] { return as_double(engine.inbox_depth()); });
  r.gauge_callback("fixgate_held_outputs", "Answers and FIX messages waiting for the journal's durability.", {},
                   [&engine] { return as_double(engine.held_depth()); });
  r.histogram_view("fixgate_order_latency_seconds",
                   "Seconds from the engine taking a new-order request to its NewOrderSingle queued on the FIX session.",
                   {}, stats.order_latency);

  r.gauge_callback("fixgate_journal_last_seq", "Highest journal seq appended (or recovered).", {},
                   [&journal] { return as_double(journal.last_seq()); });
  r.gauge_callback("fixgate_journal_durable_lag_records", "Records appended but not yet durable.", {}, [&journal] {
    const auto last = journal.last_seq();
    const auto durable = journal.durable_seq();
    return last > durable ? as_double(last - durable) : 0.0;
  });
  r.gauge_callback("fixgate_journal_connected",
                   "1 while storage is reachable (always for a file journal; PostgreSQL: the writer's connection is up).",
                   {}, [&journal] { return journal.connected() ? 1.0 : 0.0; });
  r.gauge_callback("fixgate_journal_failed", "1 once the journal reported a storage fault (final).", {},
                   [&journal] { return journal.failure() ? 1.0 : 0.0; });
  r.histogram_view("fixgate_journal_append_seconds",
                   "Seconds one batch of journal records took to be written (write to the segment, or BEGIN + COPY).", {},
                   journal.timings().append);
  r.histogram_view("fixgate_journal_sync_seconds",
                   "Seconds one journal durability flush took: fdatasync (file) or COMMIT (PostgreSQL).", {},
                   journal.timings().sync);

  for (const auto& session : src_.config.sessions) {
    const std::string name = session.name;
    const ops::Labels labels{{"session", name}};
    r.gauge_callback("fixgate_session_up", "1 while the FIX session is logged on.", labels, [this, name] {
      auto s = state_of(name);
      return s && s->logged_on ? 1.0 : 0.0;
    });
    r.gauge_callback("fixgate_session_enabled", "1 while the session may connect (not logged out by an operator or its schedule).",
                     labels, [this, name] {
                       auto s = state_of(name);
                       return s && s->enabled ? 1.0 : 0.0;
                     });
    r.gauge_callback("fixgate_session_in_schedule", "1 inside the session's schedule (always 1 without one).", labels,
                     [this, name] { return in_schedule(name, now_seconds()) ? 1.0 : 0.0; });
    r.gauge_callback("fixgate_session_next_sender_seq", "Next outbound MsgSeqNum.", labels, [this, name] {
      auto s = state_of(name);
      return s ? as_double(s->next_sender_seq) : 0.0;
    });
    r.gauge_callback("fixgate_session_next_target_seq", "Next expected inbound MsgSeqNum.", labels, [this, name] {
      auto s = state_of(name);
      return s ? as_double(s->next_target_seq) : 0.0;
    });
    seq_resets_[name] = &r.counter("fixgate_session_seq_resets_total", "Schedule-driven sequence number resets.", labels);
    const auto messages = [this, name](bool in) {
      return [this, name, in] {
        auto s = state_of(name);
        return s ? as_double(in ? s->messages_in : s->messages_out) : 0.0;
      };
    };
    constexpr const char* messages_help =
        "FIX messages, admin included, received (in) or sent (out) since the process started.";
    r.counter_callback("fixgate_session_messages_total", messages_help, {{"session", name}, {"direction", "in"}},
                       messages(true));
    r.counter_callback("fixgate_session_messages_total", messages_help, {{"session", name}, {"direction", "out"}},
                       messages(false));
    r.gauge_callback("fixgate_session_queue_depth", "Messages the engine queued for the session's sender thread, not yet sent.",
                     labels, [this, name] {
                       auto s = state_of(name);
                       return s ? as_double(s->queue_depth) : 0.0;
                     });
    r.counter_callback("fixgate_session_queue_full_total", "Sends refused because the session's queue was full.", labels,
                       [this, name] {
                         auto s = state_of(name);
                         return s ? as_double(s->queue_full) : 0.0;
                       });
    r.gauge_callback("fixgate_session_needs_operator",
                     "1 while the counterparty refused our sequence numbers and the session waits for set-seq and logon.",
                     labels, [this, name] {
                       auto s = state_of(name);
                       return s && s->needs_operator ? 1.0 : 0.0;
                     });
    r.counter_callback("fixgate_session_logons_refused_total",
                       "Logons the counterparty answered with a Logout or Reject (its text is the session's last_error).",
                       labels, [this, name] {
                         auto s = state_of(name);
                         return s ? as_double(s->logons_refused) : 0.0;
                       });
    r.counter_callback("fixgate_session_heartbeats_missed_total",
                       "TestRequests sent because the counterparty was silent for 1.2 x HeartBtInt.", labels, [this, name] {
                         auto s = state_of(name);
                         return s ? as_double(s->heartbeats_missed) : 0.0;
                       });
  }

  r.gauge_callback("fixgate_upstream_connections", "Live upstream client connections.", {},
                   [&gateway] { return static_cast<double>(gateway.stats().live_connections); });
  struct Field {
    const char* name;
    const char* help;
    std::uint64_t gateway::ServerStats::* member;
  };
  static constexpr Field fields[] = {
      {"fixgate_upstream_connections_accepted_total", "Upstream connections accepted.",
       &gateway::ServerStats::connections_accepted},
      {"fixgate_upstream_connections_refused_total", "Upstream connections refused over max_connections or a pre-login budget.",
       &gateway::ServerStats::connections_refused},
      {"fixgate_upstream_auth_failures_total", "Upstream hellos refused.", &gateway::ServerStats::auth_failures},
      {"fixgate_upstream_auth_backoffs_total", "Upstream hellos refused unchecked while locked out after failures.",
       &gateway::ServerStats::auth_backoffs},
      {"fixgate_upstream_requests_total", "Upstream requests forwarded to the engine.", &gateway::ServerStats::requests},
      {"fixgate_upstream_decode_errors_total", "Upstream lines that did not decode.", &gateway::ServerStats::decode_errors},
      {"fixgate_upstream_rate_limited_total", "Upstream requests refused by the rate limit.",
       &gateway::ServerStats::rate_limited},
      {"fixgate_upstream_slow_consumers_total", "Upstream connections cut for not reading.",
       &gateway::ServerStats::slow_consumers},
      {"fixgate_upstream_events_dropped_total", "Events addressed to a connection that is gone.",
       &gateway::ServerStats::events_dropped},
  };
  for (const auto& f : fields) {
    r.counter_callback(f.name, f.help, {}, [&gateway, m = f.member] { return as_double(gateway.stats().*m); });
  }
}

void OpsRuntime::apply_schedules() {
  std::lock_guard lock(schedule_mutex_);
  if (stopping_.load(std::memory_order_relaxed)) return;  // shutting down: leave the sessions to stop()
  const auto now = now_seconds();
  const auto states = src_.sessions.states();
  for (const auto& session : src_.config.sessions) {
    if (!session.enabled) continue;  // no initiator: nothing to log on or out
    auto schedule = schedules_.find(session.name);
    if (schedule == schedules_.end() || schedule->second.always_on()) continue;
    const fix::SessionManager::State* state = nullptr;
    for (const auto& s : states) {
      if (s.name == session.name) state = &s;
    }
    if (state == nullptr) continue;
    bool& seen = seen_logged_on_[session.name];
    if (state->logged_on && !seen) last_logon_[session.name] = now;
    seen = state->logged_on;

    std::optional<ops::Instant> last_logon;
    if (auto it = last_logon_.find(session.name); it != last_logon_.end()) last_logon = it->second;
    const auto action = ops::schedule_action(schedule->second, now, state->enabled, last_logon);
    const LogScope about({.session = session.name});
    switch (action) {
      case ops::ScheduleAction::none: break;
      case ops::ScheduleAction::logout: {
        spdlog::info("schedule: session {} is outside its schedule, logging it out", session.name);
        if (auto done = src_.sessions.logout(session.name, "end of schedule"); !done) {
          spdlog::error("schedule: logout of session {} failed: {}", session.name, done.error());
        }
        break;
      }
      case ops::ScheduleAction::reset_and_logon: {
        if (state->logged_on) break;  // its Logout is still in flight: next pass
        spdlog::info("schedule: session {} starts a new reset period, setting its sequence numbers to 1", session.name);
        if (auto done = src_.sessions.set_sequence_numbers(session.name, 1, 1); !done) {
          spdlog::error("schedule: sequence reset of session {} failed, not logging it on: {}", session.name,
                        done.error());
          break;
        }
        seq_resets_[session.name]->inc();
        last_logon_.erase(session.name);
        [[fallthrough]];
      }
      case ops::ScheduleAction::logon: {
        spdlog::info("schedule: session {} is inside its schedule, logging it on", session.name);
        if (auto done = src_.sessions.logon(session.name); !done) {
          spdlog::error("schedule: logon of session {} failed: {}", session.name, done.error());
        }
        break;
      }
    }
  }
}

void OpsRuntime::start() {
  recovered_.store(true, std::memory_order_relaxed);
  if (const auto& endpoint = src_.config.ops.http) {
    http_ = std::make_unique<ops::HttpServer>(*endpoint);
    ops::install_ops_endpoints(*http_, registry_, [this] { return readiness_input(); });
    http_->start();  // logs "ops http listening on HOST:PORT" itself
  }
  bool any_schedule = false;
  for (const auto& [name, schedule] : schedules_) any_schedule = any_schedule || !schedule.always_on();
  if (any_schedule) schedule_thread_ = std::thread([this] { schedule_loop(); });
}

void OpsRuntime::schedule_loop() {
  for (;;) {
    {
      std::unique_lock lock(schedule_mutex_);
      if (schedule_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return schedule_stop_; })) return;
    }
    try {
      apply_schedules();
    } catch (const std::exception& e) {
      spdlog::error("schedule pass failed: {}", e.what());
    }
  }
}

void OpsRuntime::stop() {
  {
    std::lock_guard lock(schedule_mutex_);
    schedule_stop_ = true;
  }
  schedule_cv_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  if (http_) http_->stop();
}

}  // namespace fixgate::daemon
