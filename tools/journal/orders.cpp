// SPDX-License-Identifier: Apache-2.0
// orders: the state of every order as of a time, by replaying the journal through the engine's own
// code (fixgate::engine::replay_orders): the same book a restarted fixgate would have. The replay
// engine reads a journal directory, so a PostgreSQL journal is first copied into a scratch file
// journal (streamed, removed at the end).

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "export.hpp"
#include "source.hpp"

#ifdef FIXGATE_JOURNAL_TOOL_ORDERS
#include "fixgate/config/config.hpp"
#include "fixgate/engine/replay.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#endif

namespace fixgate::journal_tool {

#ifdef FIXGATE_JOURNAL_TOOL_ORDERS
namespace {

/// A fresh directory under $TMPDIR, removed with everything in it when this goes.
struct ScratchDirectory {
  std::filesystem::path path;
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fixgate-journal-orders.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot make a scratch directory under " + std::filesystem::temp_directory_path().string());
    }
    path = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
};

}  // namespace
#endif

int cmd_orders(const Args& args) {
  const auto config_file = args.get("--config");
  if (!config_file) args.fail("missing --config FILE (the fixgate configuration the journal was written with)");
  const std::optional<std::int64_t> at = time_option(args, "--at");
  const auto format = args.get("--format").value_or("table");
  if (format != "table" && format != "csv" && format != "jsonl") {
    args.fail("--format must be table, csv or jsonl, not \"" + format + "\"");
  }
  const auto source = open_source(args);
#ifndef FIXGATE_JOURNAL_TOOL_ORDERS
  args.fail("not available in this build (configured with FIXGATE_JOURNAL_TOOL_ORDERS=OFF)");
#else
  // The engine logs through spdlog's default logger: keep stdout for the table, warnings only.
  auto log = spdlog::stderr_logger_mt("fixgate-journal");
  log->set_level(spdlog::level::warn);
  spdlog::set_default_logger(log);
  // Offline: the replay never authenticates a client, so the tokens' variables need not be set.
  auto config = config::load_file(*config_file, config::Secrets::skip);
  if (!config) args.fail("--config " + config.error().to_string());
  std::optional<ScratchDirectory> scratch;
  auto dir = source->directory();
  if (!dir) {
    scratch.emplace();
    auto copied = copy_to_directory(*source, scratch->path, at);
    if (!copied) {
      std::cerr << "fixgate-journal orders: " << copied.error().to_string() << "\n";
      return exit_for(copied.error());
    }
    dir = scratch->path;
  }
  auto replayed = engine::replay_orders(*config, *dir, at);
  if (!replayed) {
    std::cerr << "fixgate-journal orders: " << replayed.error() << "\n";
    return exit_finding;
  }
  const std::vector<std::string> columns{"client", "client_order_id", "account", "symbol", "side",  "status",
                                         "qty",    "cum",             "leaves",  "avg_px", "price", "session",
                                         "order_id", "fix_chain"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& o : replayed->orders) {
    const auto& s = o.snapshot;
    std::string chain;
    for (const auto& link : s.fix_chain) chain += (chain.empty() ? "" : " ") + link;
    rows.push_back({o.client, s.client_order_id, s.account, s.symbol, std::string(name(s.side)),
                    std::string(name(s.status)) + (s.pending ? " (pending " + *s.pending + ")" : ""),
                    s.order_qty.to_string(), s.cum_qty.to_string(), s.leaves_qty.to_string(), s.avg_px.to_string(),
                    s.price ? s.price->to_string() : "", o.session, o.order_id, chain});
  }
  std::string out;
  if (format == "csv") {
    out += csv_line(columns);
    for (const auto& r : rows) out += csv_line(r);
  } else if (format == "jsonl") {
    for (const auto& r : rows) {
      nlohmann::ordered_json object;
      for (std::size_t i = 0; i < columns.size(); ++i) object[columns[i]] = r[i];
      out += object.dump() + "\n";
    }
  } else {
    std::vector<std::size_t> width(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) width[i] = columns[i].size();
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < columns.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    const auto line = [&](const std::vector<std::string>& r) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        out += fmt::format("{:<{}}", r[i], i + 1 == columns.size() ? 0 : width[i] + 2);
      }
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "\n";
    };
    line(columns);
    for (const auto& r : rows) line(r);
    out += fmt::format("{} orders as of {} ({} records replayed)\n", rows.size(),
                       at ? format_time(*at) : std::string("the end of the journal"), replayed->records);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return exit_ok;
#endif
}

}  // namespace fixgate::journal_tool
