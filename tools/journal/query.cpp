// query: everything about one order (the whole ClOrdID chain, its upstream requests and events,
// FIX messages and reports), or every record about an account or a symbol.

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "chains.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dictionary.hpp"
#include "export.hpp"
#include "fixgate/journal/reader.hpp"
#include "json_out.hpp"
#include "render.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {

int cmd_query(int argc, char** argv, int first) {
  std::set<std::string> valued{"--order", "--account", "--symbol", "--from", "--to", "--color", "--dictionary-dir"};
  valued.merge(source_options());
  const Args args("query", argc, argv, first, valued, {"--json"});
  const bool json = args.has("--json");
  const auto order = args.get("--order");
  const auto account = args.get("--account");
  const auto symbol = args.get("--symbol");
  const int asked = (order ? 1 : 0) + (account ? 1 : 0) + (symbol ? 1 : 0);
  if (asked != 1) args.fail("give exactly one of --order ID, --account ACC, --symbol SYM");
  const auto mode = args.get("--color").value_or("auto");
  if (mode != "auto" && mode != "always" && mode != "never") args.fail("--color must be auto, always or never, not \"" + mode + "\"");
  const bool color = mode == "always" || (mode == "auto" && ::isatty(STDOUT_FILENO) == 1);
  const auto dicts = Dictionaries::load(args.get("--dictionary-dir").value_or(default_spec_dir().string()));
  const Filter window = parse_filter(args, nullptr);
  const auto source = open_source(args);

  // Pass 1: link identifiers; remember the records that name the account or symbol.
  Chains chains;
  std::vector<std::uint64_t> seeds;
  auto scanned = source->scan([&](const journal::RecordView& record) {
    chains.add(record);
    if (account || symbol) {
      if (!window.matches_frame(record)) return true;
      const Facts f = facts_of(record);
      if ((account && f.account == *account) || (symbol && f.symbol == *symbol)) seeds.push_back(record.seq);
    }
    return true;
  });
  if (!scanned) {
    std::cerr << "fixgate-journal query: " << scanned.error().to_string() << "\n";
    return exit_for(scanned.error());
  }
  std::set<int> roots;
  if (order) {
    roots = chains.roots_for_id(*order);
  } else {
    for (const auto seq : seeds) {
      for (const int r : chains.roots_of_record(seq)) roots.insert(r);
    }
  }
  std::set<std::uint64_t> wanted = chains.records_of(roots);
  wanted.insert(seeds.begin(), seeds.end());
  const std::string subject = order ? "order " + *order : account ? "account " + *account : "symbol " + *symbol;
  Json document;
  if (json) {
    document["query"] = order ? Json{{"order", *order}} : account ? Json{{"account", *account}} : Json{{"symbol", *symbol}};
    if (window.from_ns) document["query"]["from_ns"] = *window.from_ns;
    if (window.to_ns) document["query"]["to_ns"] = *window.to_ns;
    document["records"] = 0;
    document["ids"] = chains.ids(roots);
    document["rows"] = Json::array();
  }
  if (wanted.empty()) {
    if (json) print_json(document);
    std::cerr << "fixgate-journal query: no record in " << source->where() << " is about " << subject << "\n";
    return exit_finding;
  }

  std::string out;
  if (!json) {
    out += subject + ": " + std::to_string(wanted.size()) + " records\n";
    if (order) {
      for (const auto& line : chains.describe(roots)) out += "  " + line + "\n";
    }
    out += "\n";
  }
  // Pass 2: print the wanted records in journal order.
  const Renderer renderer(dicts, color);
  journal::ReadOptions options;
  options.from_seq = *wanted.begin();
  auto printed = source->scan(
      [&](const journal::RecordView& record) {
        if (record.seq > *wanted.rbegin()) return false;
        if (wanted.count(record.seq) == 0 || !window.matches_frame(record)) return true;
        if (json) {
          document["rows"].push_back(export_object(export_row(record)));
          return true;
        }
        renderer.render(record, out);
        if (out.size() > (1 << 16)) {
          std::fwrite(out.data(), 1, out.size(), stdout);
          out.clear();
        }
        return true;
      },
      options);
  if (json) {
    document["records"] = document["rows"].size();
    print_json(document);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!printed) {
    std::cerr << "fixgate-journal query: " << printed.error().to_string() << "\n";
    return exit_for(printed.error());
  }
  return exit_ok;
}

}  // namespace fixgate::journal_tool
