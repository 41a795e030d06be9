// fixgate-journal: reads a journal (a directory, or PostgreSQL with --postgres NAME) for operators,
// auditors and finance. This file only dispatches; each subcommand lives in its own file
// (verify.cpp, show.cpp, query.cpp, export.cpp, recon.cpp, replay.cpp, orders.cpp, audit.cpp) over the shared
// pieces in common.cpp / dictionary.cpp and the record sources in source.cpp.

#include <iostream>
#include <string>

#include "commands.hpp"
#include "common.hpp"

namespace {

constexpr const char* usage =
    "usage: fixgate-journal COMMAND DIR [options]\n"
    "  verify DIR [--timing] [--json] [--key PUBLIC.pem [--signatures DIR]]\n"
    "                            check every CRC, sequence number and the hash chain (archived segments\n"
    "                            included); with --key also the Ed25519 signatures of the chain head\n"
    "  index DIR                 write the sidecar indexes the journal's segments lack\n"
    "  dump DIR                  every record on one line: seq, time (ns), kind, stream, payload\n"
    "  show DIR                  records in order, FIX with names from the data dictionary\n"
    "       [--session NAME] [--direction in|out] [--type 8,D,ExecutionReport,new,...] [--kind fix_in,...]\n"
    "       [--from TIME] [--to TIME] [--color auto|always|never] [--dictionary-dir DIR]\n"
    "       [--follow [--follow-timeout SECONDS]]\n"
    "  query DIR --order ID      every request, FIX message, report and event of one order\n"
    "                            (ID: client_order_id, ClOrdID, OrigClOrdID, OrderID or ExecID)\n"
    "  query DIR --account ACC | --symbol SYM [--from TIME] [--to TIME]\n"
    "       [--json] [--scan]    answered from the indexes; --scan reads every record instead\n"
    "  export DIR --format csv|jsonl [--kind ...] [--session NAME] [--type ...] [--from TIME] [--to TIME]\n"
    "  audit DIR [--from TIME] [--to TIME] [--json]\n"
    "                            who changed what, when, why and with what result: admin requests,\n"
    "                            reloads (with the sender of a SIGHUP) and automatic kill switches\n"
    "  orders DIR --config FILE [--at TIME] [--format table|csv|jsonl]\n"
    "                            every order's state as of a time, by the engine's own replay\n"
    "  replay DIR --session NAME --connect HOST:PORT --sender ID --target ID [--speed 1|10|max]\n"
    "       [--begin-string FIX.4.4] [--wait SECONDS]\n"
    "                            re-send the session's outbound application messages\n"
    "  recon DIR --broker FILE.csv [--session NAME] [--json]\n"
    "                            match every fill in the journal with the broker's executions\n"
    "DIR may be replaced by --postgres NAME [--dsn-env VAR] in every command: the journal NAME (the\n"
    "daemon's `instance`) in PostgreSQL, the libpq DSN read from $VAR (default FIXGATE_PG_DSN), never printed.\n"
    "  show --follow polls PostgreSQL as it polls a directory.\n"
    "TIME: RFC 3339, 2026-11-26T12:00:00Z or with an offset 2026-11-26T21:00:00+09:00 (fractions of a\n"
    "second allowed), or nanoseconds since the epoch.\n"
    "exit codes: 0 ok, 1 a finding (damaged journal, breaks), 2 usage or input error\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace fixgate::journal_tool;
  if (argc < 2) {
    std::cerr << usage;
    return exit_usage;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << usage;
    return exit_ok;
  }
  try {
    if (command == "verify") return cmd_verify(argc, argv, 2);
    if (command == "dump") return cmd_dump(argc, argv, 2);
    if (command == "index") return cmd_index(argc, argv, 2);
    if (command == "audit") return cmd_audit(argc, argv, 2);
    if (command == "show") return cmd_show(argc, argv, 2);
    if (command == "query") return cmd_query(argc, argv, 2);
    if (command == "export") return cmd_export(argc, argv, 2);
    if (command == "recon") return cmd_recon(argc, argv, 2);
    if (command == "replay") return cmd_replay(argc, argv, 2);
    if (command == "orders") return cmd_orders(argc, argv, 2);
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "fixgate-journal " << command << ": " << e.what() << "\n";
    return exit_usage;
  }
  std::cerr << "fixgate-journal: unknown command \"" << command << "\"\n" << usage;
  return exit_usage;
}
