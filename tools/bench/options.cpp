#include "options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "fixgate/core/spec_dir.hpp"

namespace fixgate::bench {

const char* const usage =
    "usage: fixgate-bench [options]\n"
    "Starts fixgate-simulator and fixgate on 127.0.0.1, drives orders through fixgate's upstream\n"
    "socket, and measures a bare QuickFIX initiator (FileStore and MemoryStore) against the same\n"
    "simulator in the same run, interleaved. Prints medians and the fixgate / baseline ratios.\n"
    "  --orders N        orders per measured run (default 5000)\n"
    "  --window W        orders in flight in the throughput phase (default 100; latency is W=1)\n"
    "  --repetitions R   interleaved repetitions, medians reported (default 5)\n"
    "  --warmup N        orders discarded before each target's first run (default 500)\n"
    "  --sync P          fixgate journal sync for both phases: none|batch|every\n"
    "                    (default: latency with none, throughput with batch)\n"
    "  --backend B       fixgate journal backend: file (default) or postgres (needs FIXGATE_PG_DSN)\n"
    "  --only PHASE      latency|throughput (default both)\n"
    "  --no-baseline     measure fixgate only (no ratios)\n"
    "  --json FILE       write every figure and every repetition as JSON\n"
    "  --quick           tiny runs (smoke test): 200 orders, W=20, 1 repetition, no warm-up\n"
    "  --keep            keep the work directory (child logs, journals) and print its path\n"
    "  --work-dir DIR    parent of the temporary work directory (default $TMPDIR or /tmp)\n"
    "  --fixgate PATH    fixgate binary (default $FIXGATE_BIN, else the one built alongside)\n"
    "  --simulator PATH  fixgate-simulator binary (default $SIMULATOR_BIN, else built alongside)\n"
    "  --spec-dir DIR    FIX data dictionaries (default: found like fixgate's, docs/OPERATIONS.md)\n";

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::expected<std::size_t, std::string> count(std::string_view option, std::string_view text, bool allow_zero) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || (n == 0 && !allow_zero)) {
    return std::unexpected(std::string(option) + ": expected a " + (allow_zero ? "non-negative" : "positive") +
                           " integer, got '" + std::string(text) + "'");
  }
  return n;
}

bool is_sync(std::string_view s) { return s == "none" || s == "batch" || s == "every"; }

}  // namespace

std::expected<Options, std::string> parse_options(int argc, char** argv) {
  Options o;
  o.fixgate_bin = env_or("FIXGATE_BIN", FIXGATE_BENCH_FIXGATE_BIN);
  o.simulator_bin = env_or("SIMULATOR_BIN", FIXGATE_BENCH_SIMULATOR_BIN);
  o.spec_dir = fixgate::spec_dir().string();
  o.work_base = env_or("TMPDIR", "/tmp");
  bool orders_set = false;
  bool window_set = false;
  bool repetitions_set = false;
  bool warmup_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::expected<std::string_view, std::string> {
      if (i + 1 >= argc) return std::unexpected(std::string(arg) + ": missing value");
      return std::string_view(argv[++i]);
    };
    auto number = [&](std::size_t& into, bool& set, bool allow_zero = false) -> std::expected<void, std::string> {
      auto v = value();
      if (!v) return std::unexpected(v.error());
      auto n = count(arg, *v, allow_zero);
      if (!n) return std::unexpected(n.error());
      into = *n;
      set = true;
      return {};
    };
    std::expected<void, std::string> ok;
    if (arg == "--help" || arg == "-h") {
      return std::unexpected("help");
    } else if (arg == "--orders") {
      ok = number(o.orders, orders_set);
    } else if (arg == "--window") {
      ok = number(o.window, window_set);
    } else if (arg == "--repetitions") {
      ok = number(o.repetitions, repetitions_set);
    } else if (arg == "--warmup") {
      ok = number(o.warmup, warmup_set, true);
    } else if (arg == "--sync") {
      auto v = value();
      if (!v) return std::unexpected(v.error());
      if (!is_sync(*v)) return std::unexpected("--sync: expected none, batch or every, got '" + std::string(*v) + "'");
      o.latency_sync = o.throughput_sync = std::string(*v);
    } else if (arg == "--backend") {
      auto v = value();
      if (!v) return std::unexpected(v.error());
      // postgres: the daemon reads the DSN from FIXGATE_PG_DSN, which the bench's children inherit
      // (tools/bench/pg_e2e.sh starts a throwaway cluster and sets it).
      if (*v != "file" && *v != "postgres") {
        return std::unexpected("--backend: expected file or postgres, got '" + std::string(*v) + "'");
      }
      o.backend = std::string(*v);
    } else if (arg == "--only") {
      auto v = value();
      if (!v) return std::unexpected(v.error());
      if (*v == "latency") {
        o.phases = Phases::latency;
      } else if (*v == "throughput") {
        o.phases = Phases::throughput;
      } else {
        return std::unexpected("--only: expected latency or throughput, got '" + std::string(*v) + "'");
      }
    } else if (arg == "--no-baseline") {
      o.baseline = false;
    } else if (arg == "--json" || arg == "--work-dir" || arg == "--fixgate" || arg == "--simulator" ||
               arg == "--spec-dir") {
      auto v = value();
      if (!v) return std::unexpected(v.error());
      std::string& into = arg == "--json"       ? o.json_path
                          : arg == "--work-dir" ? o.work_base
                          : arg == "--fixgate"  ? o.fixgate_bin
                          : arg == "--simulator" ? o.simulator_bin
                                                 : o.spec_dir;
      into = std::string(*v);
    } else if (arg == "--quick") {
      o.quick = true;
    } else if (arg == "--keep") {
      o.keep = true;
    } else {
      return std::unexpected("unknown option " + std::string(arg));
    }
    if (!ok) return std::unexpected(ok.error());
  }
  // --quick sets small sizes, but explicit numbers still win.
  if (o.quick) {
    if (!orders_set) o.orders = 200;
    if (!window_set) o.window = 20;
    if (!repetitions_set) o.repetitions = 1;
    if (!warmup_set) o.warmup = 0;
  }
  return o;
}

}  // namespace fixgate::bench
