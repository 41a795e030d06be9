// SPDX-License-Identifier: Apache-2.0
// PgJournal: open (connect, migrate, lock, read the head), the producers' append path, and the
// writer thread: seal (redact, chain), one COPY per transaction, COMMIT, publish; reconnect with
// backoff and settle an unknown COMMIT by looking the rows up before writing again.

#include "fixgate/journal/postgres.hpp"

#include <algorithm>
#include <vector>

#include "buffer.hpp"
#include "fixgate/journal/audit.hpp"
#include "format.hpp"
#include "postgres_conn.hpp"
#include "postgres_internal.hpp"
#include "sha256.hpp"

namespace fixgate::journal {

using detail::load;
using detail::store;

namespace {

Error make(ErrorKind kind, std::string text, const std::string& name = {}) {
  Error e;
  e.kind = kind;
  if (!name.empty()) e.segment = "postgres:" + name;
  e.text = std::move(text);
  return e;
}

Error failed_error(const Error& fault) {
  Error e = fault;
  e.kind = ErrorKind::failed;
  e.text = "journal stopped after a fault: " + fault.text;
  return e;
}

// A statement refused for what it is (bad data, constraint, permissions) would be refused again;
// anything else (connection, resources, shutdown, lock timeouts, serialization) may pass later.
bool permanent_sqlstate(const std::string& state) {
  return state.starts_with("22") || state.starts_with("23") || state.starts_with("42");
}

constexpr char copy_signature[] = "PGCOPY\n\377\r\n";  // + its terminating NUL: 11 bytes

}  // namespace

struct PgJournal::Pending {
  detail::Buffer bytes;  // per record: u32 body length, then the body (flags 0, not redacted)
};

struct PgJournal::Writer {
  // What went wrong in one attempt; `final` faults stop the journal, others are retried.
  struct Fault {
    Error error;
    bool final = false;
  };

  std::string dsn;
  std::string name;
  std::string app_name;
  std::int64_t lock_key = 0;
  PgFaultHook fault_hook;
  std::vector<pg::Conn> abandoned;  // connections cut by the test hook (see hook())
  pg::Conn conn;
  int backend_pid = 0;            // backend of the last connection that held the lock
  detail::ChainHasher hasher;
  Timings* timings = nullptr;     // the journal's: BEGIN + COPY as append, COMMIT as sync
  Hash hash{};                    // chain value after the last sealed record
  std::uint64_t durable_seq = 0;  // the writer's own copy of what is committed
  Hash durable_hash{};
  // The batch in flight: sealed rows in COPY binary format, kept until COMMIT is known.
  std::string copy;
  std::uint64_t batch_first = 0;  // 0: no batch
  std::uint64_t batch_last = 0;
  Hash batch_hash{};

  bool has_batch() const { return batch_first != 0; }

  void clear_batch() {
    copy.clear();
    batch_first = batch_last = 0;
  }

  static void text_or_null(std::string& out, std::string_view v) {
    if (v.empty()) {
      pg::append_be<std::int32_t>(out, -1);
      return;
    }
    pg::append_be<std::int32_t>(out, static_cast<std::int32_t>(v.size()));
    out.append(v);
  }
  static void bytes_field(std::string& out, std::string_view v) {
    pg::append_be<std::int32_t>(out, static_cast<std::int32_t>(v.size()));
    out.append(v);
  }

  // Redacts, chains and turns the queued bodies into COPY rows appended to the batch.
  void seal(char* data, std::size_t size) {
    if (copy.empty()) {
      copy.append(copy_signature, sizeof copy_signature);  // 11 bytes with the NUL
      pg::append_be<std::int32_t>(copy, 0);                // flags
      pg::append_be<std::int32_t>(copy, 0);                // header extension length
    }
    std::size_t pos = 0;
    while (pos < size) {
      const auto body_len = load<std::uint32_t>(data + pos);
      char* body = data + pos + 4;
      detail::redact_body(body, body_len);
      hash = hasher.next(hash, body, body_len);
      const auto seq = load<std::uint64_t>(body);
      const auto ts = load<std::int64_t>(body + 8);
      const auto kind = load<std::uint16_t>(body + 16);
      const auto flags = load<std::uint16_t>(body + 18);
      const auto stream_len = load<std::uint32_t>(body + 20);
      const std::string_view stream(body + 24, stream_len);
      const std::string_view payload(body + 28 + stream_len, body_len - detail::body_fixed - stream_len);
      const auto audit = audit_fields(static_cast<RecordKind>(kind), payload);

      pg::append_be<std::int16_t>(copy, pg::copy_columns);
      bytes_field(copy, name);
      pg::append_be<std::int32_t>(copy, 8);
      pg::append_be<std::int64_t>(copy, static_cast<std::int64_t>(seq));
      pg::append_be<std::int32_t>(copy, 8);
      pg::append_be<std::int64_t>(copy, ts);
      pg::append_be<std::int32_t>(copy, 2);
      pg::append_be<std::int16_t>(copy, static_cast<std::int16_t>(kind));
      pg::append_be<std::int32_t>(copy, 2);
      pg::append_be<std::int16_t>(copy, static_cast<std::int16_t>(flags));
      bytes_field(copy, stream);
      bytes_field(copy, payload);
      bytes_field(copy, std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
      text_or_null(copy, audit.cl_ord_id);
      text_or_null(copy, audit.orig_cl_ord_id);
      text_or_null(copy, audit.order_id);
      text_or_null(copy, audit.exec_id);
      text_or_null(copy, audit.account);
      text_or_null(copy, audit.symbol);
      text_or_null(copy, audit.paired_cl_ord_id);
      if (audit.applies == 0) {
        pg::append_be<std::int32_t>(copy, -1);
      } else {
        pg::append_be<std::int32_t>(copy, 8);
        pg::append_be<std::int64_t>(copy, static_cast<std::int64_t>(audit.applies));
      }
      if (audit.incomplete) {
        pg::append_be<std::int32_t>(copy, 1);
        copy.push_back('\1');
      } else {
        pg::append_be<std::int32_t>(copy, -1);  // NULL: nothing left out
      }

      if (batch_first == 0) batch_first = seq;
      batch_last = seq;
      batch_hash = hash;
      pos += 4 + body_len;
    }
  }

  Fault fault_from(const Error& e) {
    Fault f{e, false};
    return f;
  }

  // Classifies a failed statement: lost connection or transient server trouble are retried.
  Fault statement_fault(std::string_view what, const PGresult* result) {
    Error e = pg::error_from(conn.get(), what, result);
    const bool permanent = !pg::connection_lost(e) && permanent_sqlstate(pg::sqlstate(result));
    return Fault{e, permanent};
  }

  std::expected<bool, Fault> try_lock() {
    auto r = pg::exec(conn.get(), "journal lock", "SELECT pg_try_advisory_lock($1::bigint)",
                      {std::to_string(lock_key)});
    if (!r) return std::unexpected(fault_from(r.error()));
    return pg::value(r->get(), 0, 0) == "t";
  }

  // The backend holding the journal's advisory lock (0 when none).
  std::expected<int, Fault> lock_holder() {
    const auto key = static_cast<std::uint64_t>(lock_key);
    auto r = pg::exec(conn.get(), "journal lock holder",
                      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid"
                      " AND objid = $2::oid AND objsubid = 1 AND granted",
                      {std::to_string(key >> 32), std::to_string(key & 0xFFFFFFFFu)});
    if (!r) return std::unexpected(fault_from(r.error()));
    if (PQntuples(r->get()) == 0) return 0;
    return std::atoi(PQgetvalue(r->get(), 0, 0));
  }

  // New connection holding the journal lock. The lock may still be held by our own previous
  // backend if the server has not noticed that connection die yet: that one is terminated.
  std::expected<void, Fault> connect_and_lock() {
    auto c = pg::connect(dsn, app_name, "journal writer: connect");
    if (!c) return std::unexpected(Fault{c.error(), false});
    conn = std::move(*c);
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto locked = try_lock();
      if (!locked) return std::unexpected(locked.error());
      if (*locked) {
        backend_pid = PQbackendPID(conn.get());
        return {};
      }
      auto holder = lock_holder();
      if (!holder) return std::unexpected(holder.error());
      if (*holder != 0 && *holder != backend_pid) {
        return std::unexpected(Fault{make(ErrorKind::locked,
                                          "another instance (backend " + std::to_string(*holder) +
                                              ") holds journal " + name +
                                              " since this writer lost its connection",
                                          name),
                                     true});
      }
      if (*holder == backend_pid) {
        if (auto t = pg::exec(conn.get(), "terminate stale writer backend",
                              "SELECT pg_terminate_backend($1::int)", {std::to_string(*holder)});
            !t) {
          return std::unexpected(fault_from(t.error()));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::unexpected(Fault{make(ErrorKind::locked, "journal lock still held by the previous "
                                      "connection of this writer", name), false});
  }

  enum class Settled { nothing_committed, batch_committed };

  // After a reconnect: did the batch in flight commit before the connection went? Anything other
  // than "exactly our durable head" or "exactly the batch's last row" means someone else wrote.
  std::expected<Settled, Fault> settle() {
    auto last = pg::last_row(conn.get(), name);
    if (!last) return std::unexpected(fault_from(last.error()));
    if (last->first == durable_seq && last->second == durable_hash) return Settled::nothing_committed;
    if (has_batch() && last->first == batch_last && last->second == batch_hash) {
      return Settled::batch_committed;
    }
    Error e = make(ErrorKind::seq_gap,
                   "journal " + name + " changed while this writer was disconnected: the database's "
                   "last seq is " + std::to_string(last->first) + ", this writer expected " +
                   std::to_string(durable_seq) +
                   (has_batch() ? " or " + std::to_string(batch_last) : std::string()),
                   name);
    e.seq = last->first;
    e.last_good_seq = durable_seq;
    return std::unexpected(Fault{e, true});
  }

  // A cut made by the test hook is abandoned, not closed: like a network failure the server has
  // not noticed yet, its backend lives on (holding the journal lock and any open transaction)
  // until connect_and_lock() finds and terminates it.
  bool hook(PgStep step) {
    if (fault_hook && fault_hook(step)) {
      abandoned.push_back(std::move(conn));
      return true;
    }
    return false;
  }

  Fault hook_fault() {
    Error e = make(ErrorKind::io_error, "connection dropped by the test fault hook", name);
    e.io = std::make_error_code(std::errc::connection_reset);
    return Fault{e, false};
  }

  // One transaction: BEGIN, COPY every row of the batch, COMMIT.
  std::expected<void, Fault> write_batch() {
    if (hook(PgStep::before_copy)) return std::unexpected(hook_fault());
    const auto copy_started = std::chrono::steady_clock::now();
    if (auto b = pg::exec(conn.get(), "journal writer: begin", "BEGIN"); !b) {
      return std::unexpected(fault_from(b.error()));
    }
    {
      pg::Result r(PQexec(conn.get(), pg::copy_sql));
      if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) {
        return std::unexpected(statement_fault("journal writer: copy", r.get()));
      }
    }
    static constexpr char trailer[2] = {'\xFF', '\xFF'};
    bool sent = true;
    constexpr std::size_t chunk = 8u << 20;  // PQputCopyData takes an int length
    for (std::size_t at = 0; sent && at < copy.size(); at += chunk) {
      const auto n = std::min(chunk, copy.size() - at);
      sent = PQputCopyData(conn.get(), copy.data() + at, static_cast<int>(n)) == 1;
    }
    if (!sent || PQputCopyData(conn.get(), trailer, 2) != 1 || PQputCopyEnd(conn.get(), nullptr) != 1) {
      return std::unexpected(Fault{pg::error_from(conn.get(), "journal writer: copy data"), false});
    }
    std::optional<Fault> copy_fault;
    while (PGresult* raw = PQgetResult(conn.get())) {
      pg::Result r(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && !copy_fault) {
        copy_fault = statement_fault("journal writer: copy", raw);
      }
    }
    if (copy_fault) return std::unexpected(*copy_fault);
    if (timings != nullptr) timings->append.observe(std::chrono::steady_clock::now() - copy_started);
    if (hook(PgStep::before_commit)) return std::unexpected(hook_fault());
    const auto commit_started = std::chrono::steady_clock::now();
    pg::Result r(PQexec(conn.get(), "COMMIT"));
    const auto commit_time = std::chrono::steady_clock::now() - commit_started;
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      // Connection lost here: the outcome is unknown; settle() looks the rows up on reconnect.
      return std::unexpected(statement_fault("journal writer: commit", r.get()));
    }
    if (std::string_view(PQcmdStatus(r.get())) != "COMMIT") {
      // An aborted transaction "commits" as ROLLBACK: nothing was stored.
      return std::unexpected(Fault{make(ErrorKind::io_error,
                                        std::string("journal writer: commit answered ") +
                                            PQcmdStatus(r.get()),
                                        name),
                                   false});
    }
    if (timings != nullptr) timings->sync.observe(commit_time);
    if (hook(PgStep::after_commit)) return std::unexpected(hook_fault());
    return {};
  }

  // After a refused statement on a live connection: roll back and keep the connection (and the
  // lock); when that fails too, drop it.
  void recover_connection() {
    if (!conn) return;
    if (PQstatus(conn.get()) == CONNECTION_OK) {
      pg::Result r(PQexec(conn.get(), "ROLLBACK"));
      if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK) return;
    }
    conn.reset();
  }
};

std::expected<std::unique_ptr<PgJournal>, Error> PgJournal::open(PgOptions options) {
  if (auto bad = pg::check_name(options.name)) {
    return std::unexpected(make(ErrorKind::invalid_argument, *bad));
  }
  if (options.dsn.empty()) {
    return std::unexpected(make(ErrorKind::invalid_argument, "no PostgreSQL DSN given", options.name));
  }
  if (options.backoff_min.count() <= 0 || options.backoff_max < options.backoff_min) {
    return std::unexpected(make(ErrorKind::invalid_argument, "backoff_min must be > 0 and <= backoff_max",
                                options.name));
  }
  auto writer = std::make_unique<Writer>();
  writer->dsn = options.dsn;
  writer->name = options.name;
  writer->app_name = std::string(pg::journal_lock_prefix) + options.name;
  writer->lock_key = advisory_key(std::string(pg::journal_lock_prefix) + options.name);
  writer->fault_hook = options.fault_hook;

  auto c = pg::connect(options.dsn, writer->app_name, "journal open: connect");
  if (!c) return std::unexpected(c.error());
  writer->conn = std::move(*c);

  PgRecoveryReport report;
  if (auto m = pg::migrate(writer->conn.get(), report); !m) return std::unexpected(m.error());

  // One writer per journal: a standby waits here (up to lock_wait) for the owner to go away.
  const auto deadline = std::chrono::steady_clock::now() + options.lock_wait;
  for (;;) {
    auto locked = writer->try_lock();
    if (!locked) return std::unexpected(locked.error().error);
    if (*locked) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::unexpected(make(ErrorKind::locked,
                                  "journal " + options.name + " is open for writing by another instance",
                                  options.name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  writer->backend_pid = PQbackendPID(writer->conn.get());

  if (auto h = pg::read_head(writer->conn.get(), options.name, report); !h) {
    return std::unexpected(h.error());
  }
  writer->hash = report.last_hash;
  writer->durable_seq = report.last_seq;
  writer->durable_hash = report.last_hash;
  return std::unique_ptr<PgJournal>(new PgJournal(std::move(options), std::move(report), std::move(writer)));
}

PgJournal::PgJournal(PgOptions options, PgRecoveryReport recovery, std::unique_ptr<Writer> writer)
    : options_(std::move(options)),
      recovery_(std::move(recovery)),
      writer_(std::move(writer)),
      pending_(std::make_unique<Pending>()),
      next_seq_(recovery_.last_seq + 1),
      durable_hash_(recovery_.last_hash),
      durable_seq_(recovery_.last_seq),
      connected_(true) {
  pending_->bytes.reserve(1u << 20);
  writer_->timings = &timings_;
  thread_ = std::thread([this] { run(); });
}

PgJournal::~PgJournal() { (void)close(); }

std::expected<std::uint64_t, Error> PgJournal::append(RecordKind kind, std::string_view stream,
                                                      std::string_view payload,
                                                      std::int64_t timestamp_ns) {
  const std::size_t body_len = detail::body_size(stream.size(), payload.size());
  // A bytea value is at most 1 GB; the file backend's 256 MiB record limit applies to both.
  if (body_len > detail::max_body) {
    return std::unexpected(make(ErrorKind::invalid_argument,
                                "record of " + std::to_string(body_len) +
                                    " bytes exceeds the 256 MiB limit"));
  }
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    if (failure_) return std::unexpected(failed_error(*failure_));
    if (closing_) return std::unexpected(make(ErrorKind::closed, "journal is closed"));
    auto& bytes = pending_->bytes;
    if (!bytes.empty() && bytes.size() + 4 + body_len > options_.max_pending_bytes) {
      return std::unexpected(make(ErrorKind::backpressure,
                                  "writer is " + std::to_string(bytes.size()) + " bytes behind" +
                                      (connected_.load() ? "" : " (database unreachable)")));
    }
    seq = next_seq_++;
    char* p = bytes.grow(4 + body_len);
    store<std::uint32_t>(p, static_cast<std::uint32_t>(body_len));
    detail::encode_body(p + 4, seq, timestamp_ns, static_cast<std::uint16_t>(kind), 0, stream, payload);
  }
  work_cv_.notify_one();
  return seq;
}

std::uint64_t PgJournal::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

std::expected<void, Error> PgJournal::wait_durable(std::uint64_t seq, std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  if (seq >= next_seq_) {
    return std::unexpected(make(ErrorKind::invalid_argument,
                                "seq " + std::to_string(seq) + " was never appended"));
  }
  const auto ready = [&] {
    return durable_seq_.load(std::memory_order_acquire) >= seq || failure_ || closed_;
  };
  const auto limit = std::min<std::chrono::nanoseconds>(timeout, std::chrono::hours(24 * 365));
  durable_cv_.wait_until(lock, std::chrono::steady_clock::now() + limit, ready);
  if (durable_seq_.load(std::memory_order_acquire) >= seq) return {};
  if (failure_) return std::unexpected(failed_error(*failure_));
  if (closed_) return std::unexpected(make(ErrorKind::closed, "journal is closed"));
  return std::unexpected(make(ErrorKind::timeout, "seq " + std::to_string(seq) + " not durable in time"));
}

std::optional<Error> PgJournal::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Hash PgJournal::durable_hash() const {
  std::lock_guard lock(mutex_);
  return durable_hash_;
}

std::expected<void, Error> PgJournal::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Closing the connection releases the journal's advisory lock: a standby may take over now.
  if (writer_) {
    writer_->conn.reset();
    writer_->abandoned.clear();
  }
  connected_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  durable_cv_.notify_all();
  std::lock_guard lock(mutex_);
  if (failure_) return std::unexpected(*failure_);
  return {};
}

std::expected<ScanSummary, Error> PgJournal::scan(const std::function<bool(const RecordView&)>& visit,
                                                  ReadOptions options) const {
  return pg_scan(options_.dsn, options_.name, visit, options);
}

std::expected<ScanSummary, Error> PgJournal::verify() const {
  return pg_verify(options_.dsn, options_.name);
}

void PgJournal::fail(Error error) {
  // Only the writer thread fails the journal, so the check and the publish below cannot race.
  // on_failure runs before the failure is visible: whoever reacts to a failed wait_durable() finds
  // the callback's effects (the daemon's log line and exit reason) already in place.
  if (failure()) return;
  if (options_.on_failure) options_.on_failure(error);
  {
    std::lock_guard lock(mutex_);
    failure_ = error;
    pending_->bytes.clear();
  }
  durable_cv_.notify_all();
}

void PgJournal::publish(std::uint64_t seq, const Hash& hash) {
  writer_->durable_seq = seq;
  writer_->durable_hash = hash;
  {
    std::lock_guard lock(mutex_);
    durable_hash_ = hash;
    durable_seq_.store(seq, std::memory_order_release);
  }
  durable_cv_.notify_all();
  if (options_.on_durable) options_.on_durable(seq);
}

void PgJournal::run() {
  using clock = std::chrono::steady_clock;
  detail::Buffer batch;
  batch.reserve(1u << 20);
  auto backoff = options_.backoff_min;
  std::optional<clock::time_point> close_deadline;
  bool down = false;  // an outage was reported through on_connection(false)
  auto& w = *writer_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!w.has_batch()) {
        while (pending_->bytes.empty() && !closing_) work_cv_.wait(lock);
        if (pending_->bytes.empty() || failure_) break;  // closing with nothing left, or failed
        batch.swap(pending_->bytes);
      }
      if (closing_ && !close_deadline) close_deadline = clock::now() + options_.close_timeout;
    }
    if (!batch.empty()) {
      w.seal(batch.data(), batch.size());
      batch.clear();
    }

    std::optional<Writer::Fault> fault;
    bool committed = false;
    if (!w.conn) {
      if (auto c = w.connect_and_lock(); !c) {
        fault = c.error();
        w.conn.reset();
      } else if (auto s = w.settle(); !s) {
        fault = s.error();
      } else {
        committed = *s == Writer::Settled::batch_committed;
      }
    }
    if (!fault && !committed) {
      if (auto written = w.write_batch(); !written) {
        fault = written.error();
      } else {
        committed = true;
      }
    }
    if (committed) {
      if (down) {
        down = false;
        connected_.store(true, std::memory_order_release);
        if (options_.on_connection) options_.on_connection(true, "journal " + w.name + ": database connection restored");
      }
      publish(w.batch_last, w.batch_hash);
      w.clear_batch();
      backoff = options_.backoff_min;
      continue;
    }
    if (fault->final) {
      fail(fault->error);
      break;
    }
    w.recover_connection();
    if (!w.conn && !down) {
      down = true;
      connected_.store(false, std::memory_order_release);
      if (options_.on_connection) options_.on_connection(false, fault->error.text);
    }
    std::unique_lock lock(mutex_);
    if (closing_ && !close_deadline) close_deadline = clock::now() + options_.close_timeout;
    if (close_deadline && clock::now() >= *close_deadline) {
      lock.unlock();
      Error e = make(ErrorKind::io_error,
                     "closed without committing seq " + std::to_string(w.batch_first) + " and later: " +
                         fault->error.text,
                     w.name);
      e.io = fault->error.io;
      e.last_good_seq = w.durable_seq;
      fail(e);
      break;
    }
    // Backoff; close() wakes this early but the writer keeps trying until close_timeout.
    work_cv_.wait_for(lock, backoff);
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace fixgate::journal
