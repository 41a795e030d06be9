#include "maintenance.hpp"

#include "fixgate/journal/index.hpp"

namespace fixgate::journal::detail {

Maintenance::Maintenance(std::filesystem::path dir, const Options& options)
    : dir_(std::move(dir)), on_problem_(options.on_problem) {}

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

void Maintenance::run() {
  for (;;) {
    std::optional<Closed> next;
    std::optional<std::uint64_t> old;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      cv_.notify_all();
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || !to_index_.empty(); });
      if (!queue_.empty()) {
        next = queue_.front();
        queue_.pop_front();
      } else if (!to_index_.empty() && !stopping_) {
        old = to_index_.back();
        to_index_.pop_back();
      } else {
        return;  // stopping with nothing left that must be done
      }
      busy_ = true;
    }
    if (next) index(next->first_seq);
    if (old) index(*old);
  }
}

}  // namespace fixgate::journal::detail
