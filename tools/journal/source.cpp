// SPDX-License-Identifier: Apache-2.0
#include "source.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "fixgate/journal/index.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/postgres.hpp"

namespace fixgate::journal_tool {
namespace {

class FileSource final : public RecordSource {
 public:
  explicit FileSource(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::expected<journal::ScanSummary, journal::Error> scan(const Visit& visit,
                                                           journal::ReadOptions options) const override {
    return journal::scan(dir_, visit, options);
  }
  std::expected<journal::ScanSummary, journal::Error> verify() const override { return journal::verify(dir_); }
  std::string where() const override { return dir_.string(); }
  std::string checks() const override { return "CRC32C, sequence numbers and the SHA-256 chain of every record"; }
  std::optional<std::filesystem::path> directory() const override { return dir_; }
  std::expected<bool, journal::Error> find(const std::vector<journal::IndexKey>& keys, const Visit& visit,
                                           journal::TimeRange range) const override {
    auto index = indexed();
    if (!index) return std::unexpected(index.error());
    if (*index == nullptr) return false;
    if (auto found = (**index).find(keys, visit, range); !found) return std::unexpected(found.error());
    return true;
  }
  std::expected<bool, journal::Error> index_complete() const override {
    auto index = indexed();
    if (!index) return std::unexpected(index.error());
    return *index != nullptr && (**index).complete();
  }

 private:
  // Opened on first use: only query needs it, and opening reads every sidecar. Null when the
  // sidecars cover less than half the journal (one written by an older fixgate, not yet indexed):
  // indexing the rest here would cost about a full read, which the caller then does anyway.
  std::expected<journal::IndexedJournal*, journal::Error> indexed() const {
    if (!checked_) {
      checked_ = true;
      auto opened = journal::IndexedJournal::open_if_covered(dir_, 0.5);
      if (!opened) return std::unexpected(opened.error());
      if (*opened) index_ = std::make_unique<journal::IndexedJournal>(std::move(**opened));
    }
    return index_.get();
  }

  std::filesystem::path dir_;
  mutable bool checked_ = false;
  mutable std::unique_ptr<journal::IndexedJournal> index_;
};

class PostgresSource final : public RecordSource {
 public:
  explicit PostgresSource(journal::PgReader reader) : reader_(std::move(reader)) {}

  std::expected<journal::ScanSummary, journal::Error> scan(const Visit& visit,
                                                           journal::ReadOptions options) const override {
    return reader_.scan(visit, options);
  }
  std::expected<journal::ScanSummary, journal::Error> verify() const override { return reader_.verify(); }
  std::string where() const override { return "postgres:" + reader_.name(); }
  // The rows carry no CRC (that is the file format's framing); the chain covers every column a
  // record has: seq, time, kind, flags, stream and payload. The audit columns are an index only.
  std::string checks() const override {
    return "contiguous seqs from 1 and the SHA-256 chain recomputed over every row's seq, time, kind, flags, "
           "stream and payload";
  }
  std::optional<std::filesystem::path> directory() const override { return std::nullopt; }
  std::expected<bool, journal::Error> find(const std::vector<journal::IndexKey>& keys, const Visit& visit,
                                           journal::TimeRange range) const override {
    return reader_.find(keys, visit, range);
  }
  std::expected<bool, journal::Error> index_complete() const override { return reader_.index_complete(); }

 private:
  journal::PgReader reader_;
};

}  // namespace

std::set<std::string> source_options() { return {"--postgres", "--dsn-env"}; }

std::unique_ptr<RecordSource> open_source(const Args& args, bool allow_empty) {
  const auto name = args.get("--postgres");
  if (!name) {
    if (args.has("--dsn-env")) args.fail("--dsn-env needs --postgres NAME");
    const auto& dir = args.dir();
    if (!std::filesystem::is_directory(dir)) args.fail(dir + " is not a directory");
    return std::make_unique<FileSource>(dir);
  }
  if (!args.positional().empty()) {
    args.fail("unexpected argument \"" + args.positional().front() + "\" (--postgres NAME reads no directory)");
  }
  const auto variable = args.get("--dsn-env").value_or("FIXGATE_PG_DSN");
  const char* dsn = std::getenv(variable.c_str());
  if (dsn == nullptr || *dsn == '\0') {
    args.fail("--postgres: environment variable " + variable + " is not set (it holds the libpq DSN, as journal.dsn_env does for fixgate)");
  }
  auto reader = journal::PgReader::open(dsn, *name);  // errors are libpq's texts, never the DSN
  if (!reader) args.fail("--postgres " + *name + ": " + reader.error().to_string());
  auto source = std::make_unique<PostgresSource>(std::move(*reader));
  if (!allow_empty) {
    bool any = false;
    auto probe = source->scan([&](const journal::RecordView&) {
      any = true;
      return false;  // one record is enough to know the name is right
    }, journal::ReadOptions{});
    if (!probe && exit_for(probe.error()) == exit_usage) args.fail("--postgres " + *name + ": " + probe.error().to_string());
    if (probe && !any) {
      args.fail("--postgres " + *name + ": the database holds no records of journal \"" + *name +
                "\" (the name is the daemon's `instance`)");
    }
  }
  return source;
}

std::expected<std::uint64_t, journal::Error> copy_to_directory(const RecordSource& source,
                                                               const std::filesystem::path& dir,
                                                               std::optional<std::int64_t> until_ns) {
  journal::Options options;
  options.dir = dir;
  options.sync = journal::SyncPolicy::none;  // a scratch copy: nothing to keep after a crash
  auto copy = journal::Journal::open(options);
  if (!copy) return std::unexpected(copy.error());
  std::uint64_t copied = 0;
  std::optional<journal::Error> failed;
  auto scanned = source.scan([&](const journal::RecordView& record) {
    if (until_ns && record.timestamp_ns > *until_ns) return false;  // where the replay would stop
    for (;;) {
      auto seq = (*copy)->append(record.kind, record.stream, record.payload, record.timestamp_ns);
      if (seq) {
        // Records refer to each other by seq (apply_fix N), so the copy must keep them.
        if (*seq != record.seq) {
          journal::Error e;
          e.kind = journal::ErrorKind::seq_gap;
          e.seq = record.seq;
          e.text = "copy of " + source.where() + " got seq " + std::to_string(*seq) + " for record " +
                   std::to_string(record.seq);
          failed = e;
          return false;
        }
        ++copied;
        return true;
      }
      if (seq.error().kind != journal::ErrorKind::backpressure) {
        failed = seq.error();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto closed = (*copy)->close();
  if (!scanned) return std::unexpected(scanned.error());
  if (failed) return std::unexpected(*failed);
  if (!closed) return std::unexpected(closed.error());
  return copied;
}

}  // namespace fixgate::journal_tool
