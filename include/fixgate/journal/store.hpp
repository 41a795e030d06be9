// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the engine, the FIX store adapter and the daemon need from a journal, whichever backend
// keeps it: the file journal (journal.hpp, a directory of segments) or the PostgreSQL journal
// (postgres.hpp, rows in a shared database that another instance can take over).
//
// Both backends share the record model, seq numbering, redaction and chain (spec/journal-format.md)
// and the same contract: append() never waits for storage; durable_seq() moves only after the
// records are stored (synced / committed); a failure() is final; `backpressure` from append() is
// not (the PostgreSQL journal answers it while its database is unreachable and its buffer is
// full, and takes records again once the database is back).

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/core/histogram.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal {

/// Where a journal's storage time goes, observed by its writer thread per batch (group commit),
/// never in append(): the producers' path stays as it was. Lock-free; durations in seconds.
struct Timings {
  /// Each batch of records written to storage: one write(2) of the batch's frames to the
  /// segment (file journal; one per record under `sync: every`), BEGIN + COPY of the batch
  /// (PostgreSQL journal). Not durable yet: that is `sync`.
  Histogram append{io_latency_buckets_seconds()};
  /// Each durability flush: one fdatasync of a segment (file journal; none under `sync: none`
  /// until close), one COMMIT of a batch (PostgreSQL journal).
  Histogram sync{io_latency_buckets_seconds()};
};

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Assigns the next seq and queues the record; never waits for storage.
  virtual std::expected<std::uint64_t, Error> append(RecordKind kind, std::string_view stream,
                                                     std::string_view payload, std::int64_t timestamp_ns) = 0;
  /// Highest seq stored under the backend's durability rule; 0 when nothing is.
  virtual std::uint64_t durable_seq() const = 0;
  /// Highest seq handed out by append() (or recovered).
  virtual std::uint64_t last_seq() const = 0;
  /// Blocks until `seq` is durable, the journal fails, or `timeout` passes (timeout error).
  virtual std::expected<void, Error> wait_durable(std::uint64_t seq, std::chrono::nanoseconds timeout) = 0;
  /// The fault that stopped the journal for good, if any.
  virtual std::optional<Error> failure() const = 0;
  /// Chain value of the last durable record.
  virtual Hash durable_hash() const = 0;
  /// Stores everything pending, then stops; append() answers closed after.
  virtual std::expected<void, Error> close() = 0;
  /// Reads the stored records in seq order from options.from_seq; `visit` answers false to stop.
  virtual std::expected<ScanSummary, Error> scan(const std::function<bool(const RecordView&)>& visit,
                                                 ReadOptions options = {}) const = 0;
  /// Where the records live, for logs (never a secret): a directory, or "postgres:<name>".
  virtual std::string where() const = 0;
  /// Whether storage is reachable now. A file journal always is; PostgreSQL is not while its
  /// writer has lost the connection (records wait in memory, nothing new becomes durable).
  virtual bool connected() const { return true; }
  /// How long the writer's batch writes and syncs take; read from any thread (ops renders it).
  const Timings& timings() const noexcept { return timings_; }

 protected:
  Store() = default;
  Timings timings_;  ///< each backend observes into it
};

}  // namespace fixgate::journal
