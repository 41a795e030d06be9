// SPDX-License-Identifier: Apache-2.0
// fixgate-pg-bench: append + commit throughput of the PostgreSQL journal against the file journal
// (sync: batch) in the same run. For each "wait every" size W, producers append W records and
// wait until the last is durable, so W is the largest group a commit can take; "stream" appends
// everything without waiting (retrying on backpressure), which is what the engine does, and waits
// once at the end. Prints records/s per backend and the ratio.
//
//   fixgate-pg-bench [--records N] [--payload BYTES] [--dsn-env NAME]
//
// The DSN comes from the environment variable (default FIXGATE_PG_DSN) and is never printed.
// Without it the PostgreSQL rows are skipped and only the file journal is measured.

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/postgres.hpp"

namespace fj = fixgate::journal;
using Clock = std::chrono::steady_clock;

namespace {

std::string fix_payload(std::size_t bytes, std::uint64_t i) {
  std::string p = "8=FIX.4.4\x01" "35=D\x01" "11=C" + std::to_string(i) + "\x01" "1=ACC1\x01" "55=7203\x01" "54=1\x01" "38=100\x01" "44=2500\x01";
  while (p.size() < bytes) p += "58=padding\x01";
  p.resize(bytes);
  return p;
}

// Runs `n` appends through `append`, waiting for durability every `wait_every` records (0: only at
// the end). Returns records per second, or a negative number on error.
template <class J>
double run(J& j, std::uint64_t n, std::uint64_t wait_every, const std::vector<std::string>& payloads) {
  const auto start = Clock::now();
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto& payload = payloads[i % payloads.size()];
    for (;;) {
      auto seq = j.append(fj::RecordKind::fix_out, "BENCH", payload, static_cast<std::int64_t>(i));
      if (seq) {
        last = *seq;
        break;
      }
      if (seq.error().kind != fj::ErrorKind::backpressure) {
        std::fprintf(stderr, "append failed: %s\n", seq.error().to_string().c_str());
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (wait_every != 0 && (i + 1) % wait_every == 0) {
      if (auto d = j.wait_durable(last, std::chrono::seconds(120)); !d) {
        std::fprintf(stderr, "wait_durable failed: %s\n", d.error().to_string().c_str());
        return -1;
      }
    }
  }
  if (auto d = j.wait_durable(last, std::chrono::seconds(300)); !d) {
    std::fprintf(stderr, "wait_durable failed: %s\n", d.error().to_string().c_str());
    return -1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(n) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t records = 20000;
  std::size_t payload_bytes = 200;
  std::string dsn_env = "FIXGATE_PG_DSN";
  CLI::App app;
  fixgate::cli::configure(app, "fixgate-pg-bench");
  app.description("Append + commit throughput of the PostgreSQL journal against the file journal (sync: batch) in "
                  "the same run. Without the DSN only the file journal is measured.");
  app.add_option("--records", records, "records per measured run (default 20000)")
      ->check(fixgate::cli::whole_number(1))
      ->type_name("N");
  app.add_option("--payload", payload_bytes, "bytes per record (default 200)")->check(fixgate::cli::whole_number(1))->type_name("BYTES");
  app.add_option("--dsn-env", dsn_env, "the environment variable holding the libpq DSN (default FIXGATE_PG_DSN)")
      ->type_name("NAME");
  app.footer("Exit codes: 0 measured, 1 a journal failed, 2 usage (docs/CLI.md).");
  if (auto done = fixgate::cli::parse(app, argc, argv)) return *done;
  const char* dsn = std::getenv(dsn_env.c_str());
  const bool have_pg = dsn != nullptr && *dsn != '\0';
  if (!have_pg) {
    std::printf("%s is not set: skipping the PostgreSQL journal, measuring the file journal only\n",
                dsn_env.c_str());
  }
  std::vector<std::string> payloads;
  for (std::uint64_t i = 0; i < 64; ++i) payloads.push_back(fix_payload(payload_bytes, i));

  char tmpl[] = "/tmp/fixgate-pg-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path tmp = tmpl;
  const std::string run_id = std::to_string(::getpid()) + "-" +
                             std::to_string(Clock::now().time_since_epoch().count());

  std::printf("records per row: %llu, payload: %zu bytes, fix_out records (redaction scanned)\n",
              static_cast<unsigned long long>(records), payload_bytes);
  std::printf("%-12s %16s %16s %8s\n", "wait every", "file rec/s", "postgres rec/s", "pg/file");
  int row = 0;
  for (const std::uint64_t wait_every : {std::uint64_t{1}, std::uint64_t{10}, std::uint64_t{100},
                                         std::uint64_t{1000}, std::uint64_t{0}}) {
    // Waiting after every record is one commit per record: fewer records keep the run short.
    const std::uint64_t n = wait_every == 1 ? std::min<std::uint64_t>(records, 2000) : records;
    double file_rate = -1;
    {
      fj::Options o;
      o.dir = tmp / ("file-" + std::to_string(row));
      o.sync = fj::SyncPolicy::batch;
      auto j = fj::Journal::open(std::move(o));
      if (!j) {
        std::fprintf(stderr, "file journal: %s\n", j.error().to_string().c_str());
        return 1;
      }
      file_rate = run(**j, n, wait_every, payloads);
    }
    double pg_rate = -1;
    if (have_pg) {
      fj::PgOptions o;
      o.dsn = dsn;
      o.name = "bench-" + run_id + "-" + std::to_string(row);
      auto j = fj::PgJournal::open(std::move(o));
      if (!j) {
        std::fprintf(stderr, "postgres journal: %s\n", j.error().to_string().c_str());
        return 1;
      }
      pg_rate = run(**j, n, wait_every, payloads);
    }
    const std::string label = wait_every == 0 ? "stream" : std::to_string(wait_every);
    if (have_pg) {
      std::printf("%-12s %16.0f %16.0f %8.2f\n", label.c_str(), file_rate, pg_rate, pg_rate / file_rate);
    } else {
      std::printf("%-12s %16.0f %16s %8s\n", label.c_str(), file_rate, "-", "-");
    }
    std::fflush(stdout);
    ++row;
  }
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  if (have_pg) std::printf("benchmark rows are left in fixgate_journal under journal names bench-%s-*\n", run_id.c_str());
  return 0;
}
