// SPDX-License-Identifier: Apache-2.0
// fixgate-journal-gen DIR [--records N]: writes a journal of realistic records for measuring the
// journal tool (docs/PERFORMANCE.md "Journal tool"). Each order is the record sequence a real run
// produces: upstream request, accepted event (naming its ClOrdID), NewOrderSingle out, New and Fill ExecutionReports
// in, apply_fix markers and execution events. Written with fixgate::journal::Journal, sync none;
// with --postgres NAME instead of DIR, the same records go to journal NAME in PostgreSQL (DSN in
// FIXGATE_PG_DSN) through PgJournal, so both backends can be measured on identical records.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/postgres.hpp"

namespace {

std::string fix(const std::string& body_fields, const char* type, std::uint64_t msg_seq, const char* sender,
                const char* target) {
  std::string body = fmt::format("35={}\x01" "34={}\x01" "49={}\x01" "52=20261126-12:00:00.000\x01" "56={}\x01{}", type,
                                 msg_seq, sender, target, body_fields);
  std::string head = fmt::format("8=FIX.4.4\x01" "9={}\x01", body.size());
  std::string message = head + body;
  unsigned sum = 0;
  for (const char c : message) sum += static_cast<unsigned char>(c);
  return message + fmt::format("10={:03}\x01", sum % 256);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t records = 1'000'000;
  std::string dir, pg_name;
  CLI::App app;
  fixgate::cli::configure(app, "fixgate-journal-gen");
  app.description("Writes a journal of realistic records (orders, FIX messages, fills) for the benchmark.");
  app.add_option("DIR", dir, "a new file journal here (DIR must not hold a journal yet)");
  app.add_option("--postgres", pg_name, "a new journal NAME in PostgreSQL instead (DSN in FIXGATE_PG_DSN)")
      ->type_name("NAME");
  app.add_option("--records", records, "how many records (default 1000000)")->check(fixgate::cli::whole_number(1))->type_name("N");
  app.footer("Exit codes: 0 written, 2 usage or the journal could not be written (docs/CLI.md).");
  if (auto done = fixgate::cli::parse(app, argc, argv)) return *done;
  if (dir.empty() == pg_name.empty()) {
    std::fprintf(stderr, "fixgate-journal-gen: give either DIR or --postgres NAME\n");
    return fixgate::cli::exit_usage;
  }
  std::unique_ptr<fixgate::journal::Store> journal;
  if (!pg_name.empty()) {
    const char* dsn = std::getenv("FIXGATE_PG_DSN");
    if (dsn == nullptr || *dsn == '\0') {
      std::fprintf(stderr, "fixgate-journal-gen: FIXGATE_PG_DSN is not set\n");
      return 2;
    }
    fixgate::journal::PgOptions options;
    options.dsn = dsn;
    options.name = pg_name;
    auto opened = fixgate::journal::PgJournal::open(std::move(options));
    if (!opened) {
      std::fprintf(stderr, "fixgate-journal-gen: %s\n", opened.error().to_string().c_str());
      return 2;
    }
    journal = std::move(*opened);
  } else {
    fixgate::journal::Options options;
    options.dir = dir;
    options.sync = fixgate::journal::SyncPolicy::none;
    auto opened = fixgate::journal::Journal::open(options);
    if (!opened) {
      std::fprintf(stderr, "fixgate-journal-gen: %s\n", opened.error().to_string().c_str());
      return 2;
    }
    journal = std::move(*opened);
  }
  const std::string where = journal->where();
  if (journal->last_seq() != 0) {
    std::fprintf(stderr, "fixgate-journal-gen: %s already holds %llu records\n", where.c_str(),
                 static_cast<unsigned long long>(journal->last_seq()));
    return 2;
  }
  const auto append = [&](fixgate::journal::RecordKind kind, const char* stream, const std::string& payload,
                          std::int64_t ts) {
    for (;;) {
      auto seq = journal->append(kind, stream, payload, ts);
      if (seq) return *seq;
      if (seq.error().kind != fixgate::journal::ErrorKind::backpressure) {
        std::fprintf(stderr, "fixgate-journal-gen: %s\n", seq.error().to_string().c_str());
        std::exit(2);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  using K = fixgate::journal::RecordKind;
  std::int64_t ts = 1'795'700'000'000'000'000;
  std::uint64_t out_seq = 1, in_seq = 1, event_seq = 1, n = 0, written = 0;
  while (written < records) {
    ++n;
    const std::string coid = fmt::format("c{}", n);
    const std::string clid = fmt::format("FG{}", n);
    const std::string oid = fmt::format("O{}", n);
    const char* side = n % 2 ? "1" : "2";
    const std::string steps[] = {
        fmt::format("{{\"op\":\"new\",\"id\":\"{0}\",\"client_order_id\":\"{0}\",\"account\":\"ACC1\",\"symbol\":\"7203\","
                    "\"side\":\"{1}\",\"type\":\"limit\",\"tif\":\"day\",\"qty\":\"300\",\"price\":\"2500.5\"}}\n",
                    coid, n % 2 ? "buy" : "sell"),
        fmt::format("{{\"event\":\"accepted\",\"seq\":{},\"id\":\"{}\",\"client_order_id\":\"{}\",\"cl_ord_id\":\"{}\"}}\n",
                    event_seq++, coid, coid, clid),
        fix(fmt::format("1=ACC1\x01" "11={}\x01" "38=300\x01" "40=2\x01" "44=2500.5\x01" "54={}\x01" "55=7203\x01" "59=0\x01"
                        "60=20261126-12:00:00.000\x01", clid, side), "D", out_seq++, "FIXGATE", "SIM"),
        fix(fmt::format("1=ACC1\x01" "6=0\x01" "11={}\x01" "14=0\x01" "17=E{}-1\x01" "37={}\x01" "38=300\x01" "39=0\x01"
                        "40=2\x01" "44=2500.5\x01" "54={}\x01" "55=7203\x01" "59=0\x01" "150=0\x01" "151=300\x01", clid, n, oid, side),
            "8", in_seq++, "SIM", "FIXGATE"),
        fmt::format("apply_fix {}", written + 4),
        fix(fmt::format("1=ACC1\x01" "6=2500.5\x01" "11={}\x01" "14=300\x01" "17=E{}-2\x01" "31=2500.5\x01" "32=300\x01"
                        "37={}\x01" "38=300\x01" "39=2\x01" "40=2\x01" "44=2500.5\x01" "54={}\x01" "55=7203\x01" "59=0\x01"
                        "150=F\x01" "151=0\x01", clid, n, oid, side),
            "8", in_seq++, "SIM", "FIXGATE"),
        fmt::format("apply_fix {}", written + 6),
        fmt::format("{{\"event\":\"execution\",\"seq\":{},\"client_order_id\":\"{}\",\"exec_id\":\"E{}-2\",\"exec_type\":\"trade\","
                    "\"status\":\"filled\",\"order_qty\":\"300\",\"cum_qty\":\"300\",\"leaves_qty\":\"0\",\"last_qty\":\"300\","
                    "\"last_px\":\"2500.5\",\"avg_px\":\"2500.5\"}}\n", event_seq++, coid, n),
    };
    const K kinds[] = {K::upstream_request, K::upstream_event, K::fix_out, K::fix_in,
                       K::engine_event,     K::fix_in,         K::engine_event, K::upstream_event};
    const char* streams[] = {"demo", "demo", "SIM", "SIM", "SIM", "SIM", "SIM", "demo"};
    for (int i = 0; i < 8 && written < records; ++i) {
      ts += 1'000 + (i * 37);
      append(kinds[i], streams[i], steps[i], ts);
      ++written;
    }
  }
  if (auto closed = journal->close(); !closed) {
    std::fprintf(stderr, "fixgate-journal-gen: %s\n", closed.error().to_string().c_str());
    return 2;
  }
  std::printf("wrote %llu records to %s\n", static_cast<unsigned long long>(written), where.c_str());
  return 0;
}
