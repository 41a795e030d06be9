// SPDX-License-Identifier: Apache-2.0
// Journal: open with recovery, the producers' append path, and the writer thread's loop.

#include "fixgate/journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "archive.hpp"
#include "buffer.hpp"
#include "file.hpp"
#include "fixgate/journal/reader.hpp"
#include "format.hpp"
#include "maintenance.hpp"
#include "writer.hpp"

namespace fixgate::journal {

using detail::make_error;
using detail::store;

struct Journal::Pending {
  detail::Buffer bytes;  // encoded frames, chain hash and CRC still blank
};

namespace {

std::expected<detail::Fd, Error> lock_directory(const std::filesystem::path& dir) {
  const auto path = (dir / "LOCK").string();
  detail::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, detail::journal_file_mode));
  if (!fd.valid()) return std::unexpected(detail::io_error(errno, "open", path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return std::unexpected(make_error(ErrorKind::locked,
                                        "journal directory " + dir.string() +
                                            " is open for writing by another journal"));
    }
    return std::unexpected(detail::io_error(errno, "flock", path));
  }
  return fd;
}

// Reads everything once (CRC and seq checks; the chain is verify's job), cuts a torn tail of the
// last segment and reports it. Damage anywhere else fails the open.
std::expected<RecoveryReport, Error> recover(const std::filesystem::path& dir,
                                             std::filesystem::path& last_segment) {
  RecoveryReport report;
  std::optional<Error> tail;
  {
    auto reader = Reader::open(dir);
    if (!reader) return std::unexpected(reader.error());
    RecordView view;
    for (;;) {
      auto more = reader->next(view);
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      if (report.records == 0) report.first_seq = view.seq;
      ++report.records;
    }
    report.last_seq = reader->last_seq();
    report.last_hash = reader->last_hash();
    tail = reader->tail();
  }  // unmaps before any truncation
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  if (tail) {
    if (tail->kind == ErrorKind::bad_header) {
      // Created but its header never fully reached the disk: nothing in it was ever acknowledged.
      std::error_code ec;
      std::filesystem::remove(tail->segment, ec);
      if (ec) return std::unexpected(detail::io_error(ec.value(), "remove", tail->segment));
      report.removed_segment = tail->segment;
      segments->pop_back();
    } else {
      const auto size = segments->back().bytes;
      if (::truncate(tail->segment.c_str(), static_cast<off_t>(tail->offset)) != 0) {
        return std::unexpected(detail::io_error(errno, "truncate", tail->segment));
      }
      report.truncated = true;
      report.truncated_segment = tail->segment;
      report.truncated_offset = tail->offset;
      report.truncated_bytes = size - tail->offset;
      report.truncated_reason = tail->kind;
    }
  }
  report.segments = segments->size();
  // The writer goes on in the last segment, unless it is archived (then a new one starts).
  if (!segments->empty() && !segments->back().archived) last_segment = segments->back().path;
  if (report.records == 0 && report.last_seq == 0) report.last_hash = genesis_hash();
  return report;
}

// What append and wait_durable answer once the journal has failed: the original fault, relabelled.
Error failed_error(const Error& fault) {
  Error e = fault;
  e.kind = ErrorKind::failed;
  e.text = "journal stopped after a storage fault: " + fault.text;
  return e;
}

}  // namespace

std::expected<std::unique_ptr<Journal>, Error> Journal::open(Options options) {
  if (options.segment_bytes < detail::header_size + detail::frame_overhead) {
    return std::unexpected(make_error(ErrorKind::invalid_argument, "segment_bytes is too small"));
  }
  std::error_code ec;
  // A directory created here is private to the user, whatever the umask (one that existed is left).
  if (std::filesystem::create_directories(options.dir, ec) && !ec) {
    std::filesystem::permissions(options.dir, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return std::unexpected(detail::io_error(ec.value(), "create", options.dir.string()));
  auto lock = lock_directory(options.dir);
  if (!lock) return std::unexpected(lock.error());
  // Readers find archived segments through the ARCHIVE file: name the directory before anything moves.
  if (options.archive) {
    if (auto named = detail::remember_archive_dir(options.dir, options.archive->dir); !named) {
      return std::unexpected(named.error());
    }
  }

  std::optional<HeadSigner> signer;
  if (!options.signing_key.empty()) {
    auto loaded = HeadSigner::load(options.signing_key);
    if (!loaded) return std::unexpected(loaded.error());
    signer = std::move(*loaded);
  }

  std::filesystem::path last_segment;
  auto report = recover(options.dir, last_segment);
  if (!report) return std::unexpected(report.error());

  auto writer = std::make_unique<Writer>();
  writer->dir = options.dir;
  writer->sync = options.sync;
  writer->segment_bytes = options.segment_bytes;
  writer->fault_hook = options.fault_hook;
  writer->lock_fd = std::move(*lock);
  writer->hash = report->last_hash;
  writer->last_seq = report->last_seq;
  if (!last_segment.empty()) {
    if (auto r = writer->reopen(last_segment); !r) return std::unexpected(r.error());
    // Recovered records may have been written under `none`, or the cut just made: make both
    // durable before durable_seq() claims them.
    if (auto s = writer->sync_segment(); !s) return std::unexpected(s.error());
  }
  if (report->truncated || !report->removed_segment.empty()) {
    if (auto s = detail::sync_directory(options.dir); !s) return std::unexpected(s.error());
  }
  return std::unique_ptr<Journal>(
      new Journal(std::move(options), std::move(*report), std::move(writer), std::move(signer)));
}

Journal::Journal(Options options, RecoveryReport recovery, std::unique_ptr<Writer> writer,
                 std::optional<HeadSigner> signer)
    : options_(std::move(options)),
      recovery_(std::move(recovery)),
      writer_(std::move(writer)),
      pending_(std::make_unique<Pending>()),
      next_seq_(recovery_.last_seq + 1),
      durable_hash_(recovery_.last_hash),
      durable_seq_(recovery_.last_seq) {
  pending_->bytes.reserve(1u << 20);
  writer_->timings = &timings_;
  maintenance_ = std::make_unique<detail::Maintenance>(options_.dir, options_, std::move(signer));
  writer_->on_closed = [this](std::uint64_t first, std::uint64_t last, const Hash& hash) {
    maintenance_->closed({first, last, hash, false});
  };
  auto segments = list_segments(options_.dir);
  maintenance_->start(segments ? std::move(*segments) : std::vector<SegmentInfo>{});
  thread_ = std::thread([this] { run(); });
}

Journal::~Journal() { (void)close(); }

std::expected<std::uint64_t, Error> Journal::append(RecordKind kind, std::string_view stream,
                                                    std::string_view payload,
                                                    std::int64_t timestamp_ns) {
  const std::size_t body_len = detail::body_fixed + stream.size() + payload.size();
  if (body_len > detail::max_body) {
    return std::unexpected(make_error(ErrorKind::invalid_argument,
                                      "record of " + std::to_string(body_len) +
                                          " bytes exceeds the 256 MiB limit"));
  }
  const std::size_t frame_size = detail::frame_prefix + body_len + detail::hash_size;
  std::uint64_t seq = 0;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (failure_) return std::unexpected(failed_error(*failure_));
    if (closing_) return std::unexpected(make_error(ErrorKind::closed, "journal is closed"));
    auto& bytes = pending_->bytes;
    if (!bytes.empty() && bytes.size() + frame_size > options_.max_pending_bytes) {
      return std::unexpected(make_error(ErrorKind::backpressure,
                                        "writer is " + std::to_string(bytes.size()) +
                                            " bytes behind"));
    }
    seq = next_seq_++;
    // The hash and CRC are left for the writer thread: producers only copy.
    char* f = bytes.grow(frame_size);
    store<std::uint32_t>(f, static_cast<std::uint32_t>(body_len));
    detail::encode_body(f + detail::frame_prefix, seq, timestamp_ns,
                        static_cast<std::uint16_t>(kind), 0, stream, payload);
    if (writer_idle_) {
      writer_idle_ = false;
      wake = true;
    }
  }
  if (wake) work_cv_.notify_one();
  return seq;
}

std::uint64_t Journal::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

std::expected<void, Error> Journal::wait_durable(std::uint64_t seq,
                                                 std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  if (seq >= next_seq_) {
    return std::unexpected(make_error(ErrorKind::invalid_argument,
                                      "seq " + std::to_string(seq) + " was never appended"));
  }
  const auto ready = [&] {
    return durable_seq_.load(std::memory_order_acquire) >= seq || failure_ || closed_;
  };
  // Clamp so now() + timeout cannot overflow for "wait forever" callers.
  const auto limit = std::min<std::chrono::nanoseconds>(timeout, std::chrono::hours(24 * 365));
  durable_cv_.wait_until(lock, std::chrono::steady_clock::now() + limit, ready);
  if (durable_seq_.load(std::memory_order_acquire) >= seq) return {};
  if (failure_) return std::unexpected(failed_error(*failure_));
  if (closed_) return std::unexpected(make_error(ErrorKind::closed, "journal is closed"));
  return std::unexpected(make_error(ErrorKind::timeout,
                                    "seq " + std::to_string(seq) + " not durable in time"));
}

std::optional<Error> Journal::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Hash Journal::durable_hash() const {
  std::lock_guard lock(mutex_);
  return durable_hash_;
}

std::expected<void, Error> Journal::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_cv_.notify_one();
  const bool first_close = thread_.joinable();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  durable_cv_.notify_all();
  if (first_close && maintenance_) {
    // The last segment's head as it closes cleanly: indexed (and signed) like a closed one.
    if (!failure() && writer_->segment_first_seq != 0) {
      maintenance_->closed({writer_->segment_first_seq, writer_->last_seq, writer_->hash, true});
    }
    maintenance_->stop();
  }
  std::lock_guard lock(mutex_);
  if (failure_) return std::unexpected(*failure_);
  return {};
}

bool Journal::wait_maintenance(std::chrono::milliseconds timeout) { return maintenance_->wait_idle(timeout); }

std::expected<ScanSummary, Error> Journal::scan(const std::function<bool(const RecordView&)>& visit,
                                                ReadOptions options) const {
  return journal::scan(options_.dir, visit, options);
}

void Journal::fail(Error error) {
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

void Journal::run() {
  detail::Buffer batch;
  batch.reserve(1u << 20);
  const auto publish = [this](std::uint64_t seq, const Hash& hash) {
    {
      std::lock_guard lock(mutex_);
      durable_hash_ = hash;
      durable_seq_.store(seq, std::memory_order_release);
    }
    durable_cv_.notify_all();
    if (options_.on_durable) options_.on_durable(seq);
  };
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      while (pending_->bytes.empty() && !closing_) {
        writer_idle_ = true;
        work_cv_.wait(lock);
      }
      writer_idle_ = false;
      if (pending_->bytes.empty() || failure_) break;  // closing with nothing left, or failed
      batch.swap(pending_->bytes);
    }
    auto written = writer_->write_batch(batch.data(), batch.size(), publish);
    batch.clear();
    if (!written) {
      fail(written.error());
      return;
    }
  }
  // Under `none` nothing was synced while running; closing cleanly still leaves it all on disk.
  if (options_.sync == SyncPolicy::none && !failure()) {
    if (auto s = writer_->sync_segment(); !s) fail(s.error());
  }
}

}  // namespace fixgate::journal
