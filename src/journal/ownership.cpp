// SPDX-License-Identifier: Apache-2.0
// SessionLock: a PostgreSQL session advisory lock per FIX session on a dedicated connection.

#include "fixgate/journal/ownership.hpp"

#include "fixgate/journal/postgres.hpp"
#include "postgres_conn.hpp"
#include "postgres_internal.hpp"

namespace fixgate::journal {

std::int64_t session_lock_key(std::string_view session) {
  std::string text(pg::session_lock_prefix);
  text.append(session);
  return advisory_key(text);
}

struct SessionLock::Conn {
  pg::Conn conn;
};

SessionLock::SessionLock(std::string dsn, std::string session)
    : dsn_(std::move(dsn)), session_(std::move(session)), key_(session_lock_key(session_)) {}

std::expected<std::unique_ptr<SessionLock>, Error> SessionLock::open(std::string dsn, std::string session) {
  if (session.empty()) {
    Error e;
    e.kind = ErrorKind::invalid_argument;
    e.text = "session lock needs a session name";
    return std::unexpected(e);
  }
  std::unique_ptr<SessionLock> lock(new SessionLock(std::move(dsn), std::move(session)));
  std::lock_guard guard(lock->mutex_);
  if (auto c = lock->ensure_connected(); !c) return std::unexpected(c.error());
  return lock;
}

SessionLock::~SessionLock() {
  stop_watch();
  std::lock_guard guard(mutex_);
  conn_.reset();
  held_.store(false, std::memory_order_release);
}

std::expected<void, Error> SessionLock::ensure_connected() {
  if (conn_ && conn_->conn && PQstatus(conn_->conn.get()) == CONNECTION_OK) return {};
  held_.store(false, std::memory_order_release);  // a new connection holds nothing yet
  conn_.reset();
  auto c = pg::connect(dsn_, std::string(pg::session_lock_prefix) + session_, "session lock: connect");
  if (!c) return std::unexpected(c.error());
  conn_ = std::make_unique<Conn>();
  conn_->conn = std::move(*c);
  return {};
}

std::expected<bool, Error> SessionLock::try_acquire() {
  std::lock_guard guard(mutex_);
  // Already owning is confirmed with the server: a connection can look fine locally after the
  // server has ended it.
  if (held_.load(std::memory_order_acquire) && check_locked()) return true;
  if (auto c = ensure_connected(); !c) return std::unexpected(c.error());
  auto r = pg::exec(conn_->conn.get(), "session lock: try", "SELECT pg_try_advisory_lock($1::bigint)",
                    {std::to_string(key_)});
  if (!r) {
    if (pg::connection_lost(r.error())) conn_.reset();
    return std::unexpected(r.error());
  }
  const bool won = pg::value(r->get(), 0, 0) == "t";
  held_.store(won, std::memory_order_release);
  return won;
}

std::expected<bool, Error> SessionLock::acquire(std::chrono::milliseconds timeout,
                                                std::chrono::milliseconds retry,
                                                const std::function<bool()>& keep_waiting) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<Error> last_error;
  for (;;) {
    auto got = try_acquire();
    if (got && *got) return true;
    if (!got) last_error = got.error();
    if (std::chrono::steady_clock::now() + retry > deadline) break;
    if (keep_waiting && !keep_waiting()) break;
    std::this_thread::sleep_for(retry);
  }
  // Waiting ran out: report a persistent connection problem rather than "someone else owns it".
  std::lock_guard guard(mutex_);
  if (last_error && !conn_) return std::unexpected(*last_error);
  return false;
}

bool SessionLock::check() {
  std::lock_guard guard(mutex_);
  return check_locked();
}

bool SessionLock::check_locked() {
  if (!held_.load(std::memory_order_acquire) || !conn_) return false;
  const auto key = static_cast<std::uint64_t>(key_);
  auto r = pg::exec(conn_->conn.get(), "session lock: check",
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid"
                    " AND objid = $2::oid AND objsubid = 1 AND granted AND pid = pg_backend_pid()",
                    {std::to_string(key >> 32), std::to_string(key & 0xFFFFFFFFu)});
  const bool still = r && pg::value(r->get(), 0, 0) == "1";
  if (!still) {
    held_.store(false, std::memory_order_release);
    // Whatever happened, this connection no longer proves ownership: start afresh next time.
    conn_.reset();
  }
  return still;
}

void SessionLock::watch(std::chrono::milliseconds interval, std::function<void()> on_lost) {
  stop_watch();
  {
    std::lock_guard guard(watch_mutex_);
    watch_stop_ = false;
  }
  watcher_ = std::thread([this, interval, on_lost = std::move(on_lost)] {
    std::unique_lock guard(watch_mutex_);
    while (!watch_stop_) {
      watch_cv_.wait_for(guard, interval, [&] { return watch_stop_; });
      if (watch_stop_) break;
      guard.unlock();
      const bool owned = check();
      guard.lock();
      if (!owned) {
        guard.unlock();
        if (on_lost) on_lost();
        return;
      }
    }
  });
}

void SessionLock::stop_watch() {
  {
    std::lock_guard guard(watch_mutex_);
    watch_stop_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void SessionLock::release() {
  std::lock_guard guard(mutex_);
  if (!held_.load(std::memory_order_acquire)) return;
  held_.store(false, std::memory_order_release);
  if (!conn_) return;
  auto r = pg::exec(conn_->conn.get(), "session lock: release", "SELECT pg_advisory_unlock($1::bigint)",
                    {std::to_string(key_)});
  // If unlocking failed the connection is suspect: closing it releases the lock for certain.
  if (!r || pg::value(r->get(), 0, 0) != "t") conn_.reset();
}

int SessionLock::backend_pid() const {
  std::lock_guard guard(mutex_);
  return conn_ && conn_->conn ? PQbackendPID(conn_->conn.get()) : 0;
}

}  // namespace fixgate::journal
