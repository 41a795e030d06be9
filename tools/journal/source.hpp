// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where fixgate-journal reads records from: a journal directory (the file backend), or a journal
// in PostgreSQL chosen with --postgres NAME (the daemon's `instance`; DSN from the environment
// variable --dsn-env names, default FIXGATE_PG_DSN, as the daemon's journal.dsn_env). Every
// subcommand iterates a RecordSource and does not care which. Both are read-only: the file
// reader maps segments without the directory's lock, the PostgreSQL reader's session is READ ONLY
// and never takes the journal's advisory lock. Neither holds more than a page of records.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common.hpp"
#include "fixgate/journal/audit.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"

namespace fixgate::journal_tool {

class RecordSource {
 public:
  using Visit = std::function<bool(const journal::RecordView&)>;
  virtual ~RecordSource() = default;

  /// Records in seq order from options.from_seq; `visit` answers false to stop. The views live
  /// until `visit` returns.
  virtual std::expected<journal::ScanSummary, journal::Error> scan(const Visit& visit,
                                                                   journal::ReadOptions options = {}) const = 0;
  /// Full audit from seq 1; the first bad record comes back as the error, with its seq.
  virtual std::expected<journal::ScanSummary, journal::Error> verify() const = 0;
  /// For messages: the directory, or "postgres:<name>" (never the DSN).
  virtual std::string where() const = 0;
  /// What verify() checks, for its report.
  virtual std::string checks() const = 0;
  /// The journal directory when the records are files (nullopt for PostgreSQL).
  virtual std::optional<std::filesystem::path> directory() const = 0;
  /// Records carrying any of `keys` and stamped within `range`, from the journal's indexes
  /// (sidecar files, or the PostgreSQL audit columns), in seq order, each once; the caller checks
  /// each (a lookup may return more). False when there is no index to ask: the caller scans.
  virtual std::expected<bool, journal::Error> find(const std::vector<journal::IndexKey>& keys, const Visit& visit,
                                                   journal::TimeRange range = {}) const = 0;
  /// False when some record holds a key value no index keeps: find() may miss records then.
  virtual std::expected<bool, journal::Error> index_complete() const = 0;
};

/// The options that choose a source: --postgres NAME, --dsn-env VAR.
std::set<std::string> source_options();

/// The source the command line names: the one positional DIR, or --postgres NAME (then no DIR).
/// Usage errors (missing DIR, DIR not a directory, DSN variable unset, no such journal) are
/// thrown as UsageError naming the argument; `allow_empty` lets a PostgreSQL journal without rows
/// through (show --follow waits for its first records), otherwise an empty one is an error
/// because it is nearly always a wrong name.
std::unique_ptr<RecordSource> open_source(const Args& args, bool allow_empty = false);

/// Writes the records of `source` (up to and including the last stamped at or before `until_ns`)
/// into a new file journal at `dir`, with the same seqs and times; returns how many. For code
/// that reads only directories (the replay engine of `orders`).
std::expected<std::uint64_t, journal::Error> copy_to_directory(const RecordSource& source,
                                                               const std::filesystem::path& dir,
                                                               std::optional<std::int64_t> until_ns);

}  // namespace fixgate::journal_tool
