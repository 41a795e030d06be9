// SPDX-License-Identifier: Apache-2.0
// Storage faults are loud and final: append refuses, durable_seq stops, nothing pretends.

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "test_util.hpp"

using namespace journal_test;

namespace {

// Process-wide file size limit for one test; SIGXFSZ ignored so write() answers EFBIG instead.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() { lift(); }
  void lift() {
    if (lifted_) return;
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
    lifted_ = true;
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
  bool lifted_ = false;
};

}  // namespace

TEST_CASE("a failed fdatasync stops the journal for good") {
  TempDir tmp;
  std::atomic<bool> break_sync{false};
  std::atomic<int> failures{0};
  std::string failure_text;
  Options o;
  o.dir = tmp.journal();
  o.sync = SyncPolicy::batch;
  o.fault_hook = [&](IoOp op, const std::string&) {
    return op == IoOp::sync && break_sync ? std::make_error_code(std::errc::io_error) : std::error_code();
  };
  o.on_failure = [&](const Error& e) {
    // A slow callback: the failed wait below must still find its effects in place.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    failure_text = e.to_string();
    ++failures;
  };
  auto opened = Journal::open(std::move(o));
  REQUIRE(opened);
  auto& j = **opened;
  append_range(j, 1, 10);
  REQUIRE(j.durable_seq() == 10);

  break_sync = true;
  auto seq = j.append(RecordKind::fix_out, "LSE", "35=D|", 0);
  REQUIRE(seq);
  auto waited = j.wait_durable(*seq, std::chrono::seconds(10));
  REQUIRE_FALSE(waited);
  CHECK(failures == 1);  // on_failure ran before the failure became visible
  CHECK(waited.error().kind == ErrorKind::failed);
  CHECK(waited.error().text.find("fdatasync") != std::string::npos);
  CHECK(j.durable_seq() == 10);
  REQUIRE(j.failure());
  CHECK(j.failure()->kind == ErrorKind::io_error);
  CHECK(j.failure()->io == std::errc::io_error);

  // Even if the disk "recovers", the journal does not retry the sync or accept more.
  break_sync = false;
  auto refused = j.append(RecordKind::fix_out, "LSE", "35=D|", 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::failed);
  CHECK(refused.error().io == std::errc::io_error);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(j.durable_seq() == 10);
  CHECK_FALSE(j.close());
  CHECK(failures == 1);
  CHECK(failure_text.find("io_error") != std::string::npos);
}

TEST_CASE("a failed write under every policy leaves durable_seq at the last synced record") {
  TempDir tmp;
  std::atomic<int> writes{0};
  Options o;
  o.dir = tmp.journal();
  o.sync = SyncPolicy::every;
  o.fault_hook = [&](IoOp op, const std::string&) {
    // Write 1 is the segment header; records 1..5 are writes 2..6.
    return op == IoOp::write && ++writes > 6 ? std::make_error_code(std::errc::no_space_on_device)
                                             : std::error_code();
  };
  auto opened = Journal::open(std::move(o));
  REQUIRE(opened);
  auto& j = **opened;
  for (int i = 0; i < 8; ++i) REQUIRE(j.append(RecordKind::engine_event, "", "x", i));
  auto waited = j.wait_durable(8, std::chrono::seconds(10));
  REQUIRE_FALSE(waited);
  CHECK(j.durable_seq() == 5);
  CHECK(j.failure()->io == std::errc::no_space_on_device);
  j.close();
  CHECK(read_all(tmp.journal()).size() == 5);
}

TEST_CASE("a real EFBIG from a file size limit fails appends and recovery keeps what was written") {
  TempDir tmp;
  std::uint64_t durable_at_failure = 0;
  std::uint64_t appended = 0;
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::batch);
    FileSizeLimit limit(16 * 1024);
    const std::string payload(200, 'p');
    bool refused = false;
    for (int i = 0; i < 100000 && !refused; ++i) {
      auto seq = j->append(RecordKind::upstream_event, "c", payload, i);
      if (!seq) {
        CHECK(seq.error().kind == ErrorKind::failed);
        refused = true;
        break;
      }
      appended = *seq;
      if (i % 10 == 9) (void)j->wait_durable(*seq, std::chrono::seconds(10));
    }
    REQUIRE(refused);
    REQUIRE(j->failure());
    CHECK(j->failure()->io.value() == EFBIG);
    durable_at_failure = j->durable_seq();
    CHECK(durable_at_failure < appended);
    // Everything durable fits under the limit: it is really on disk.
    CHECK(durable_at_failure * frame_size("c", payload) + header_size <= 16 * 1024);
    limit.lift();
  }
  // Reopened without the limit: recovery cuts the partial record and keeps all durable ones.
  auto j = open_journal(tmp.journal(), SyncPolicy::batch);
  CHECK(j->recovery().last_seq >= durable_at_failure);
  CHECK(j->recovery().last_seq < appended);
  append_range(*j, j->recovery().last_seq + 1, j->recovery().last_seq + 3);
  REQUIRE(j->close());
  REQUIRE(verify(tmp.journal()));
}

TEST_CASE("appends beyond the pending limit are pushed back, not queued without bound") {
  TempDir tmp;
  std::atomic<bool> release{false};
  Options o;
  o.dir = tmp.journal();
  o.sync = SyncPolicy::none;
  o.max_pending_bytes = 4096;
  o.fault_hook = [&](IoOp, const std::string&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::error_code();
  };
  auto opened = Journal::open(std::move(o));
  REQUIRE(opened);
  auto& j = **opened;
  bool pushed_back = false;
  for (int i = 0; i < 1000 && !pushed_back; ++i) {
    auto seq = j.append(RecordKind::engine_event, "", std::string(100, 'x'), i);
    if (!seq) {
      CHECK(seq.error().kind == ErrorKind::backpressure);
      pushed_back = true;
    }
  }
  CHECK(pushed_back);
  release = true;
  REQUIRE(j.close());
  REQUIRE(verify(tmp.journal()));
}
