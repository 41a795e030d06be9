// SPDX-License-Identifier: Apache-2.0
// fixgate-journal: reads a journal (a directory, or PostgreSQL with --postgres NAME) for operators,
// auditors and finance. This file declares the subcommands and their options and dispatches; each
// subcommand lives in its own file (verify.cpp, show.cpp, query.cpp, export.cpp, recon.cpp,
// replay.cpp, orders.cpp, audit.cpp) over the shared pieces in common.cpp / dictionary.cpp and the
// record sources in source.cpp.

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "fixgate/cli/command_line.hpp"
#include "source.hpp"

namespace {

using namespace fixgate::journal_tool;

struct Subcommand {
  const char* name;
  const char* help;
  std::set<std::string> valued;
  std::set<std::string> flags;
  int (*run)(const Args&);
};

std::set<std::string> with(std::set<std::string> base, const std::set<std::string>& more) {
  base.insert(more.begin(), more.end());
  return base;
}

std::vector<Subcommand> subcommands() {
  const auto source = source_options();
  const auto filtered = with(filter_options(), source);
  return {
      {"verify",
       "check every CRC, sequence number and the hash chain (archived segments included); with --key also the "
       "Ed25519 signatures of the chain head",
       with(source, {"--key", "--signatures"}), {"--timing", "--json"}, cmd_verify},
      {"index", "write the sidecar indexes the journal's segments lack", {}, {}, cmd_index},
      {"dump", "every record on one line: seq, time (ns), kind, stream, payload", source, {}, cmd_dump},
      {"show", "records in order, FIX with names from the data dictionary",
       with(filtered, {"--color", "--dictionary-dir", "--follow-timeout"}), {"--follow"}, cmd_show},
      {"query",
       "every request, FIX message, report and event of one order (--order), or the orders of an account or symbol, "
       "answered from the indexes",
       with(source, {"--order", "--account", "--symbol", "--from", "--to", "--color", "--dictionary-dir"}),
       {"--json", "--scan"}, cmd_query},
      {"export", "records as CSV or JSON lines (--format csv|jsonl)", with(filtered, {"--format", "--dictionary-dir"}),
       {}, cmd_export},
      {"audit",
       "who changed what, when, why and with what result: admin requests, reloads (with the sender of a SIGHUP) "
       "and automatic kill switches",
       with(source, {"--from", "--to"}), {"--json"}, cmd_audit},
      {"orders", "every order's state as of a time, by the engine's own replay (--format table|csv|jsonl)",
       with(source, {"--config", "--at", "--format"}), {}, cmd_orders},
      {"replay", "re-send a session's outbound application messages to a FIX counterparty",
       with(source, {"--session", "--connect", "--sender", "--target", "--speed", "--begin-string", "--wait",
                     "--max-gap", "--heartbeat"}),
       {}, cmd_replay},
      {"recon", "match every fill in the journal with the broker's executions", with(source, {"--broker", "--session"}),
       {"--json"}, cmd_recon},
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app;
  fixgate::cli::configure(app, "fixgate-journal");
  app.description("Reads a fixgate journal: a directory DIR, or --postgres NAME in every command (the journal NAME in "
                  "PostgreSQL, the libpq DSN read from $FIXGATE_PG_DSN or --dsn-env VAR, never printed).");
  app.require_subcommand(1);
  app.footer(
      "TIME: RFC 3339, 2026-11-26T12:00:00Z or with an offset 2026-11-26T21:00:00+09:00 (fractions of a second "
      "allowed), or nanoseconds since the epoch.\n"
      "Exit codes: 0 ok, 1 a finding (damaged journal, breaks), 2 usage or input error (docs/CLI.md).");
  const auto all = subcommands();
  for (const auto& subcommand : all) {
    Args::declare(*app.add_subcommand(subcommand.name, subcommand.help), subcommand.valued, subcommand.flags);
  }
  if (auto done = fixgate::cli::parse(app, argc, argv)) return *done;
  const CLI::App& chosen = *app.get_subcommands().front();
  try {
    for (const auto& subcommand : all) {
      if (chosen.get_name() == subcommand.name) return subcommand.run(Args(chosen));
    }
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "fixgate-journal " << chosen.get_name() << ": " << e.what() << "\n";
    return exit_usage;
  }
  return exit_usage;  // every subcommand is dispatched above
}
