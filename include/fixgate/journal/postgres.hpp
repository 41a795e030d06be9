// SPDX-License-Identifier: Apache-2.0
#pragma once
// The PostgreSQL journal backend: the same record model, seq numbering, redaction and SHA-256
// chain as the file backend (spec/journal-format.md), stored as rows of `fixgate_journal` so the
// state lives outside the container and another instance can take over (docs/POSTGRES.md).
//
// Producers call append(); it assigns the next seq, copies the record into memory under a short
// lock and returns without touching the network. One writer thread takes everything waiting,
// redacts, chains, and writes it with one COPY inside one transaction (group commit); only after
// COMMIT succeeds does durable_seq() move and on_durable run. A lost connection is retried with
// bounded exponential backoff while append() keeps buffering up to max_pending_bytes (then it
// answers backpressure); a COMMIT whose outcome is unknown is settled on reconnect by looking the
// rows up by seq before anything is written again.
//
// One writer per journal: the writer connection holds a PostgreSQL session advisory lock on the
// journal name (key derivation in advisory_key()). A second open of the same journal answers
// `locked` (or waits up to PgOptions::lock_wait): a standby instance waits for it. If the writer's
// connection is lost the lock goes with it; on reconnect the writer takes it again and checks that
// nobody wrote meanwhile, otherwise the journal fails for good (another instance took over).
//
// The DSN is never logged and never copied into an Error.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "fixgate/journal/audit.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/record.hpp"
#include "fixgate/journal/store.hpp"

namespace fixgate::journal {

/// Points in the writer's transaction where a test can cut the connection.
enum class PgStep {
  before_copy,    ///< after BEGIN, before the rows are sent
  before_commit,  ///< rows sent, COMMIT not yet sent
  after_commit,   ///< COMMIT succeeded but its answer is "lost": the outcome looks unknown
};

/// Test seam: answer true to make the writer abandon its connection at that step, as if the
/// network failed there and the server has not noticed yet (the old backend keeps its locks and
/// open transaction until the writer's reconnect terminates it). Called on the writer thread.
/// Empty in production.
using PgFaultHook = std::function<bool(PgStep step)>;

/// Where the journal lives and how the writer behaves.
struct PgOptions {
  /// libpq connection string or URI. Taken from the environment variable named by
  /// config journal.dsn_env (default FIXGATE_PG_DSN); never logged.
  std::string dsn{};
  /// Journal name: rows are keyed by (journal, seq), so several journals can share one database.
  std::string name = "fixgate";
  std::uint64_t max_pending_bytes = 256ull << 20;  ///< append() answers backpressure past it
  /// How long open() waits for another instance to release the journal (0: answer `locked` now).
  std::chrono::milliseconds lock_wait{0};
  /// Reconnect backoff: starts at backoff_min, doubles per failed attempt, capped at backoff_max.
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  /// close() gives up flushing after this long without a database (records stay not durable).
  std::chrono::milliseconds close_timeout{10000};
  /// Called on the writer thread after each commit with the new durable_seq(), after waiters are
  /// woken (it may trail a wait_durable() that returned); keep it short, do
  /// not throw, do not call wait_durable() or close() from it.
  std::function<void(std::uint64_t seq)> on_durable{};
  /// Called on the writer thread, once, when the journal fails for good, before failure() or any
  /// wait_durable() reports it; same rules.
  std::function<void(const Error& error)> on_failure{};
  /// Called on the writer thread when the database connection is lost (false) or back (true);
  /// text says why (never the DSN). Same rules.
  std::function<void(bool up, const std::string& text)> on_connection{};
  PgFaultHook fault_hook{};  ///< tests only
};

/// What open() found in the database; the caller logs it.
struct PgRecoveryReport {
  int schema_version = 0;        ///< after migrations
  int migrations_applied = 0;    ///< migrations this open applied (0 when already current)
  std::uint64_t records = 0;     ///< rows of this journal
  std::uint64_t first_seq = 0;   ///< 0 when empty
  std::uint64_t last_seq = 0;    ///< 0 when empty
  Hash last_hash{};              ///< chain value after last_seq (genesis when empty)
  /// One line for the log, e.g. "journal postgres:fixgate: 12 records, seq 1..12, schema v2".
  std::string to_string() const;
};

/// Schema version this build creates and understands.
inline constexpr int pg_schema_version = 3;

/// Stable 64-bit advisory lock key of a text: the first 8 bytes of SHA-256(text) read as a
/// big-endian signed integer. Equal in SQL to
/// ('x' || left(encode(sha256(convert_to(text, 'UTF8')), 'hex'), 16))::bit(64)::bigint.
std::int64_t advisory_key(std::string_view text);

/// Applies the versioned migrations (idempotent; concurrent callers serialise on an advisory
/// transaction lock). open() does it; the journal tool or an init job may call it alone.
std::expected<PgRecoveryReport, Error> pg_migrate(const std::string& dsn);

/// Reads the records of journal `name` in seq order from options.from_seq (no ownership needed:
/// a reader may run while another instance writes; it sees committed rows). Checks that seqs
/// are contiguous; with verify_chain recomputes each chain value from the row's columns. A
/// PgReader opened for this one call.
std::expected<ScanSummary, Error> pg_scan(const std::string& dsn, const std::string& name,
                                          const std::function<bool(const RecordView&)>& visit,
                                          ReadOptions options = {});

/// Full audit of journal `name`: starts at seq 1 from the genesis hash, recomputes every chain
/// value; the first bad row (hash_mismatch / seq_gap) is returned with its seq.
std::expected<ScanSummary, Error> pg_verify(const std::string& dsn, const std::string& name);

/// A read-only connection to journal `name` for tools (fixgate-journal): the session is set READ
/// ONLY and never takes the journal's advisory lock, so it runs beside the owning instance and
/// cannot write. Every scan reads committed rows in pages by seq, so memory stays bounded
/// whatever the journal's size; one connection serves any number of scans (show --follow polls).
class PgReader {
 public:
  /// Connects (application_name fixgate-reader:<name>) and checks that the schema exists; never
  /// migrates it.
  static std::expected<PgReader, Error> open(const std::string& dsn, const std::string& name);
  PgReader(PgReader&&) noexcept;
  PgReader& operator=(PgReader&&) noexcept;
  ~PgReader();

  /// As pg_scan, on this connection.
  std::expected<ScanSummary, Error> scan(const std::function<bool(const RecordView&)>& visit,
                                         ReadOptions options = {}) const;
  /// As pg_verify, on this connection.
  std::expected<ScanSummary, Error> verify() const;
  /// Calls `visit` in seq order for every record stamped within `range` whose audit columns hold
  /// any of `keys` (one
  /// index lookup per column, read in pages). False, without calling `visit`, when the database
  /// schema predates the columns this needs (v3): the caller reads the whole journal instead.
  std::expected<bool, Error> find(const std::vector<IndexKey>& keys, const std::function<bool(const RecordView&)>& visit,
                                  TimeRange range = {}) const;
  /// False when some row holds an id its audit columns could not keep (or the schema predates
  /// v3): find() may then miss records.
  std::expected<bool, Error> index_complete() const;
  /// The journal name.
  const std::string& name() const;

 private:
  struct State;
  explicit PgReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// An open, writable PostgreSQL journal. Not copyable or movable: the writer thread points at it.
class PgJournal final : public Store {
 public:
  /// Connects, migrates the schema, takes the journal's advisory lock (or answers `locked`),
  /// reads the last row, then starts the writer thread.
  static std::expected<std::unique_ptr<PgJournal>, Error> open(PgOptions options);

  PgJournal(const PgJournal&) = delete;
  PgJournal& operator=(const PgJournal&) = delete;
  /// Closes: commits what is pending (up to close_timeout), releases the lock.
  ~PgJournal() override;

  /// Assigns the next seq and queues the record; never waits for the network.
  std::expected<std::uint64_t, Error> append(RecordKind kind, std::string_view stream,
                                             std::string_view payload, std::int64_t timestamp_ns) override;
  /// Highest seq committed; 0 when nothing is (rows found at open count).
  std::uint64_t durable_seq() const override { return durable_seq_.load(std::memory_order_acquire); }
  /// Highest seq handed out by append() (or found at open).
  std::uint64_t last_seq() const override;
  /// Blocks until `seq` is committed, the journal fails, or `timeout` passes (timeout error).
  std::expected<void, Error> wait_durable(std::uint64_t seq, std::chrono::nanoseconds timeout) override;
  /// The fault that stopped the journal for good, if any (a lost connection is not one).
  std::optional<Error> failure() const override;
  /// Chain value of the last committed record.
  Hash durable_hash() const override;
  /// True while the writer has a working connection holding the journal lock.
  bool connected() const override { return connected_.load(std::memory_order_acquire); }
  /// What open() found.
  const PgRecoveryReport& recovery() const { return recovery_; }
  /// The options the journal was opened with.
  const PgOptions& options() const { return options_; }
  /// Commits everything pending, then stops the writer; append() answers closed after.
  std::expected<void, Error> close() override;
  /// "postgres:<journal name>" (never the DSN).
  std::string where() const override { return "postgres:" + options_.name; }

  /// Reads this journal's committed records (a separate connection; see pg_scan).
  std::expected<ScanSummary, Error> scan(const std::function<bool(const RecordView&)>& visit,
                                         ReadOptions options = {}) const override;
  /// Audits this journal's committed records (see pg_verify).
  std::expected<ScanSummary, Error> verify() const;

 private:
  struct Writer;   // connection and transaction state owned by the writer thread
  struct Pending;  // encoded bodies waiting for the writer

  PgJournal(PgOptions options, PgRecoveryReport recovery, std::unique_ptr<Writer> writer);
  void run();
  void fail(Error error);
  void publish(std::uint64_t seq, const Hash& hash);

  PgOptions options_;
  PgRecoveryReport recovery_;
  std::unique_ptr<Writer> writer_;

  mutable std::mutex mutex_;            // guards everything below except the atomics
  std::condition_variable work_cv_;     // writer waits for appends, close, or a backoff delay
  std::condition_variable durable_cv_;  // wait_durable waits for progress or failure
  std::unique_ptr<Pending> pending_;
  std::uint64_t next_seq_ = 1;
  bool closing_ = false;
  bool closed_ = false;
  std::optional<Error> failure_;
  Hash durable_hash_{};
  std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace fixgate::journal
