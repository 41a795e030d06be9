// SPDX-License-Identifier: Apache-2.0
#include "maintenance.hpp"

#include <algorithm>

#include "archive.hpp"
#include "fixgate/journal/index.hpp"

namespace fixgate::journal::detail {

Maintenance::Maintenance(std::filesystem::path dir, const Options& options, std::optional<HeadSigner> signer)
    : dir_(std::move(dir)),
      archive_(options.archive),
      signer_(std::move(signer)),
      signatures_dir_(options.signatures_dir.empty() ? dir_ : options.signatures_dir),
      on_problem_(options.on_problem) {}

Maintenance::~Maintenance() { stop(); }

void Maintenance::start(std::vector<SegmentInfo> existing) {
  for (std::size_t i = 0; i + 1 < existing.size(); ++i) {
    const auto& s = existing[i];
    auto index = SegmentIndex::load(index_path(dir_, s.first_seq));
    const bool fine = index && index->first_seq == s.first_seq && (s.archived || index->covered_bytes == s.bytes);
    if (!fine) to_index_.push_back(s.first_seq);
  }
  thread_ = std::thread([this] { run(); });
}

void Maintenance::closed(const Closed& segment) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(segment);
  }
  cv_.notify_all();
}

bool Maintenance::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && to_index_.empty() && !busy_; });
}

void Maintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::report(const std::string& problem) {
  if (on_problem_) on_problem_(problem);
}

void Maintenance::index(std::uint64_t first_seq) {
  if (auto written = write_segment_index(dir_, first_seq); !written) {
    report("journal: sidecar index of the segment starting at seq " + std::to_string(first_seq) +
           " not written (queries read that segment instead): " + written.error().to_string());
  }
}

void Maintenance::sign(const Closed& segment) {
  if (!signer_ || segment.last_seq < segment.first_seq) return;
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto signature = signer_->sign(segment.first_seq, segment.last_seq, segment.last_hash, now);
  if (auto written = write_signature(signatures_dir_, signature); !written) {
    report("journal: head at seq " + std::to_string(segment.last_seq) + " not signed: " + written.error().to_string());
  }
}

void Maintenance::archive_old() {
  auto segments = list_segments(dir_);
  if (!segments) return report("journal: cannot list segments to archive: " + segments.error().to_string());
  const auto now = std::filesystem::file_time_type::clock::now();
  // Never the last segment: it is the one being written.
  for (std::size_t i = 0; i + 1 < segments->size(); ++i) {
    const auto& s = (*segments)[i];
    if (s.archived) continue;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::error_code ec;
    const auto written = std::filesystem::last_write_time(s.path, ec);
    if (ec || now - written < archive_->after) continue;
    auto index = SegmentIndex::load(index_path(dir_, s.first_seq));
    if (!index || index->covered_bytes != s.bytes) this->index(s.first_seq);  // cheaper before it is compressed
    if (auto moved = detail::archive_segment(dir_, s.first_seq, *archive_); !moved) {
      report("journal: segment " + s.path.string() + " not archived (it stays where it is): " + moved.error().to_string());
    }
  }
}

void Maintenance::run() {
  // Segments age without anything happening: look again now and then.
  const auto check_every = archive_ ? std::clamp<std::chrono::milliseconds>(archive_->after / 4, std::chrono::seconds(1),
                                                                            std::chrono::seconds(60))
                                    : std::chrono::milliseconds::max();
  bool archive_due = archive_.has_value();
  for (;;) {
    std::optional<Closed> next;
    std::optional<std::uint64_t> old;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      cv_.notify_all();
      const auto ready = [this] { return stopping_ || !queue_.empty() || !to_index_.empty(); };
      if (!archive_due) {
        if (archive_) {
          archive_due = !cv_.wait_for(lock, check_every, ready);
        } else {
          cv_.wait(lock, ready);
        }
      }
      if (!queue_.empty()) {
        next = queue_.front();
        queue_.pop_front();
      } else if (!to_index_.empty() && !stopping_) {
        old = to_index_.back();
        to_index_.pop_back();
      } else if (stopping_) {
        return;  // nothing left that must be done; archiving waits for the next start
      }
      busy_ = true;
    }
    if (next) {
      index(next->first_seq);
      sign(*next);
    }
    if (old) index(*old);
    if (archive_ && (next || archive_due)) {
      archive_old();
      archive_due = false;
    }
  }
}

}  // namespace fixgate::journal::detail
