// SPDX-License-Identifier: Apache-2.0
// show: records in order, rendered with the data dictionary's names; filters; --follow.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "common.hpp"
#include "dictionary.hpp"
#include "fixgate/journal/reader.hpp"
#include "render.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) { interrupted.store(true); }

bool use_color(const Args& args) {
  const auto mode = args.get("--color").value_or("auto");
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (mode != "auto") args.fail("--color must be auto, always or never, not \"" + mode + "\"");
  return ::isatty(STDOUT_FILENO) == 1;
}

void flush(std::string& out) {
  if (!out.empty()) std::fwrite(out.data(), 1, out.size(), stdout);
  out.clear();
}

}  // namespace

int cmd_show(const Args& args) {
  const bool color = use_color(args);
  const auto dicts = Dictionaries::load(args.get("--dictionary-dir").value_or(default_spec_dir().string()));
  const Filter filter = parse_filter(args, &dicts);
  const bool follow = args.has("--follow");
  std::optional<double> follow_timeout;
  if (auto t = args.get("--follow-timeout")) {
    try {
      std::size_t used = 0;
      follow_timeout = std::stod(*t, &used);
      if (used != t->size() || *follow_timeout < 0) throw std::invalid_argument("negative");
    } catch (const std::exception&) {
      args.fail("--follow-timeout \"" + *t + "\" is not a number of seconds");
    }
    if (!follow) args.fail("--follow-timeout needs --follow");
  }

  const auto source = open_source(args, follow);
  const Renderer renderer(dicts, color);
  std::string out;
  out.reserve(1 << 17);
  std::uint64_t next_seq = 1;
  // Reads from `from` to the end; --follow calls it again from the next seq, on either backend.
  const auto read_from = [&](std::uint64_t from) -> std::optional<journal::Error> {
    journal::ReadOptions options;
    options.from_seq = from;
    auto scanned = source->scan(
        [&](const journal::RecordView& view) {
          next_seq = view.seq + 1;
          if (!filter.matches(view)) return true;
          renderer.render(view, out);
          if (out.size() > (1 << 16)) flush(out);
          return true;
        },
        options);
    flush(out);
    if (follow) std::fflush(stdout);
    if (!scanned) return scanned.error();
    return std::nullopt;
  };

  if (auto error = read_from(1)) {
    flush(out);
    std::cerr << "fixgate-journal show: " << error->to_string() << "\n";
    return exit_for(*error);
  }
  if (!follow) return exit_ok;

  interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a write blocked on a full pipe must finish, not lose output
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const auto started = std::chrono::steady_clock::now();
  while (!interrupted.load()) {
    if (follow_timeout &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= *follow_timeout) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto error = read_from(next_seq)) {
      std::cerr << "fixgate-journal show: " << error->to_string() << "\n";
      return exit_for(*error);
    }
  }
  std::fflush(stdout);
  return exit_ok;
}

}  // namespace fixgate::journal_tool
