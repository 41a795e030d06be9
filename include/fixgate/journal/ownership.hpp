// SPDX-License-Identifier: Apache-2.0
#pragma once
// Session ownership between fixgate instances sharing one PostgreSQL database: the instance that
// holds a session's advisory lock is the only one allowed to log that FIX session on.
//
// The lock is a PostgreSQL session-level advisory lock taken with pg_try_advisory_lock on a
// dedicated connection; the key is advisory_key("fixgate-session:" + session name) (the first 8
// bytes of SHA-256 of that text, big-endian, as a signed 64-bit integer; see postgres.hpp). The
// server releases it when that connection ends for any reason, so a dead instance's sessions are
// free for a standby at once, and an instance whose lock connection is lost no longer owns the
// session: check() (or the watcher) reports it and the caller must log the session out at once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "fixgate/journal/error.hpp"

namespace fixgate::journal {

/// advisory_key("fixgate-session:" + session).
std::int64_t session_lock_key(std::string_view session);

/// Ownership of one FIX session over its own libpq connection. Thread-safe.
class SessionLock {
 public:
  /// Connects (the DSN is never logged); does not take the lock yet.
  static std::expected<std::unique_ptr<SessionLock>, Error> open(std::string dsn, std::string session);
  SessionLock(const SessionLock&) = delete;
  SessionLock& operator=(const SessionLock&) = delete;
  /// Stops the watcher and closes the connection (which releases the lock).
  ~SessionLock();

  /// One attempt: true when this instance owns the session now (already owning counts).
  /// Reconnects first if the connection was lost.
  std::expected<bool, Error> try_acquire();
  /// Standby: tries every `retry` until owned, `timeout` passes (answers false), or
  /// `keep_waiting` answers false. Connection failures while waiting are retried, not returned.
  std::expected<bool, Error> acquire(std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds retry = std::chrono::milliseconds(500),
                                     const std::function<bool()>& keep_waiting = {});
  /// What the last acquire/check saw (no round trip).
  bool held() const { return held_.load(std::memory_order_acquire); }
  /// Round trip on the lock's connection confirming the server still shows the lock as ours.
  /// False once it is not (connection lost, backend terminated): ownership is gone.
  bool check();
  /// Calls check() every `interval` on a thread of its own and `on_lost` once when ownership is
  /// gone (keep it short; it runs on the watcher thread and must not call watch()). Replaces an
  /// earlier watcher.
  void watch(std::chrono::milliseconds interval, std::function<void()> on_lost);
  /// Gives the session up (pg_advisory_unlock); the connection stays for a later acquire.
  void release();

  const std::string& session() const { return session_; }
  std::int64_t key() const { return key_; }
  /// Server process id of the lock's connection (0 when not connected); for operators and tests.
  int backend_pid() const;

 private:
  struct Conn;
  SessionLock(std::string dsn, std::string session);
  std::expected<void, Error> ensure_connected();  // mutex_ held
  bool check_locked();                            // mutex_ held
  void stop_watch();

  std::string dsn_;
  std::string session_;
  std::int64_t key_ = 0;
  mutable std::mutex mutex_;  // guards the connection
  std::unique_ptr<Conn> conn_;
  std::atomic<bool> held_{false};

  std::mutex watch_mutex_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
  std::thread watcher_;
};

}  // namespace fixgate::journal
