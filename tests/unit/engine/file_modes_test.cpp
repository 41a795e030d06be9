// SPDX-License-Identifier: Apache-2.0
// The files fixgate creates are private to its user and group whatever the umask it starts
// with: journal directory 0700, its segments and lock 0640, the log file 0640.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "fixgate/journal/journal.hpp"
#include "fixgate/ops/logging.hpp"

#include <spdlog/spdlog.h>

using namespace fixgate;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

/// Runs with umask 0 (the most permissive) and restores it.
struct OpenUmask {
  mode_t old = ::umask(0);
  ~OpenUmask() { ::umask(old); }
};

}  // namespace

TEST_CASE("the journal directory is 0700 and its files 0640 even with umask 0") {
  const fs::path root = fs::temp_directory_path() / ("fixgate-modes-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  const fs::path dir = root / "journal";
  {
    OpenUmask open_umask;
    journal::Options options;
    options.dir = dir;
    auto opened = journal::Journal::open(options);
    REQUIRE(opened);
    auto seq = (*opened)->append(journal::RecordKind::engine_event, "", "hello", 1);
    REQUIRE(seq);
    REQUIRE((*opened)->wait_durable(*seq, std::chrono::seconds(20)));
    REQUIRE((*opened)->close());
  }
  CHECK(mode_of(dir) == 0700);
  for (const auto& entry : fs::directory_iterator(dir)) {
    INFO(entry.path());
    CHECK(mode_of(entry.path()) == 0640);
  }
  fs::remove_all(root);
}

TEST_CASE("the log file is 0640 even with umask 0") {
  const fs::path log = fs::temp_directory_path() / ("fixgate-modes-" + std::to_string(::getpid()) + ".log");
  fs::remove(log);
  {
    OpenUmask open_umask;
    config::Logging logging;
    logging.file = log.string();
    ops::setup_logging(logging);
    spdlog::info("a line");
  }
  CHECK(mode_of(log) == 0640);
  spdlog::drop_all();
  fs::remove(log);
}
