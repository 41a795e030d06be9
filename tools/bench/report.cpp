// SPDX-License-Identifier: Apache-2.0
#include "report.hpp"

#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

namespace fixgate::bench {
namespace {

using Getter = std::function<double(const RunResult&)>;

constexpr const char* targets[] = {"fixgate", "quickfix-file", "quickfix-memory"};

std::vector<const RunResult*> select(const Report& r, std::string_view phase, std::string_view target) {
  std::vector<const RunResult*> out;
  for (const auto& run : r.runs) {
    if (run.phase == phase && run.target == target) out.push_back(&run);
  }
  return out;
}

std::optional<double> median_of(const std::vector<const RunResult*>& runs, const Getter& get) {
  if (runs.empty()) return std::nullopt;
  std::vector<double> values;
  for (const auto* run : runs) values.push_back(get(*run));
  return median(std::move(values));
}

// Pairs each fixgate run with the baseline run of the same repetition: they ran minutes apart at
// most, so whatever else the machine was doing weighs on both.
std::optional<double> paired_ratio(const Report& r, std::string_view phase, std::string_view baseline,
                                   const Getter& get) {
  std::vector<double> values;
  for (const auto* f : select(r, phase, "fixgate")) {
    for (const auto* b : select(r, phase, baseline)) {
      if (b->repetition == f->repetition && get(*b) > 0) values.push_back(get(*f) / get(*b));
    }
  }
  if (values.empty()) return std::nullopt;
  return median(std::move(values));
}

double cpu_of(const RunResult& run, const std::string& process) {
  const auto it = run.cpu_us_per_order.find(process);
  return it == run.cpu_us_per_order.end() ? 0 : it->second;
}

double cpu_total(const RunResult& run) {
  double sum = 0;
  for (const auto& [name, us] : run.cpu_us_per_order) sum += us;
  return sum;
}

// fixgate's own process against the QuickFIX initiator (the bench process in baseline runs).
double cpu_engine(const RunResult& run) { return cpu_of(run, run.target == "fixgate" ? "fixgate" : "client"); }

std::string num(std::optional<double> v, int decimals = 1) {
  if (!v) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, *v);
  return text;
}

const Percentiles& fill_of(const RunResult& r) { return r.fill; }
const Percentiles& ack_of(const RunResult& r) { return r.acked; }
const Percentiles& accepted_of(const RunResult& r) {
  static const Percentiles none;
  return r.accepted ? *r.accepted : none;
}

void print_percentiles(std::ostream& out, const Report& report, std::string_view phase, const std::string& target,
                       const std::string& step, const Percentiles& (*which)(const RunResult&)) {
  const auto runs = select(report, phase, target);
  if (runs.empty()) return;
  out << "  " << std::left << std::setw(17) << target << std::setw(10) << step << std::right;
  const Getter getters[] = {[&](const RunResult& r) { return which(r).p50; },
                            [&](const RunResult& r) { return which(r).p90; },
                            [&](const RunResult& r) { return which(r).p99; },
                            [&](const RunResult& r) { return which(r).p999; },
                            [&](const RunResult& r) { return which(r).max; }};
  for (const auto& get : getters) out << std::setw(10) << num(median_of(runs, get));
  out << "\n";
}

nlohmann::ordered_json to_json(const Percentiles& p) {
  return {{"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"p99.9", p.p999}, {"max", p.max}, {"count", p.count}};
}

}  // namespace

std::vector<Ratio> ratios(const Report& report) {
  struct Figure {
    const char* name;
    const char* phase;
    Getter get;
    const char* target;
    double limit;
    bool higher_is_better;
  };
  const Figure figures[] = {
      {"latency p50, send -> fill (us)", "latency", [](const RunResult& r) { return r.fill.p50; }, "<= 1.1 x file", 1.1, false},
      {"latency p90, send -> fill (us)", "latency", [](const RunResult& r) { return r.fill.p90; }, "", 0, false},
      {"latency p99, send -> fill (us)", "latency", [](const RunResult& r) { return r.fill.p99; }, "<= 1.5 x file", 1.5, false},
      {"latency p99.9, send -> fill (us)", "latency", [](const RunResult& r) { return r.fill.p999; }, "", 0, false},
      {"latency max, send -> fill (us)", "latency", [](const RunResult& r) { return r.fill.max; }, "", 0, false},
      {"latency p50, send -> exchange ack (us)", "latency", [](const RunResult& r) { return r.acked.p50; }, "", 0, false},
      {"cpu/order, engine vs initiator (us)", "latency", cpu_engine, "", 0, false},
      {"cpu/order, all processes (us)", "latency", cpu_total, "", 0, false},
      {"throughput (orders/s)", "throughput", [](const RunResult& r) { return r.orders_per_second; }, ">= 1.0 x file", 1.0, true},
      {"throughput fill p50 (us)", "throughput", [](const RunResult& r) { return r.fill.p50; }, "", 0, false},
      {"throughput fill p99 (us)", "throughput", [](const RunResult& r) { return r.fill.p99; }, "", 0, false},
      {"cpu/order, engine vs initiator (us)", "throughput", cpu_engine, "", 0, false},
      {"cpu/order, all processes (us)", "throughput", cpu_total, "", 0, false},
  };
  std::vector<Ratio> out;
  for (const auto& f : figures) {
    const auto fixgate_runs = select(report, f.phase, "fixgate");
    if (fixgate_runs.empty()) continue;
    Ratio r;
    r.figure = f.name;
    r.phase = f.phase;
    r.fixgate = median_of(fixgate_runs, f.get).value_or(0);
    r.file = median_of(select(report, f.phase, "quickfix-file"), f.get);
    r.memory = median_of(select(report, f.phase, "quickfix-memory"), f.get);
    r.vs_file = paired_ratio(report, f.phase, "quickfix-file", f.get);
    r.vs_memory = paired_ratio(report, f.phase, "quickfix-memory", f.get);
    r.target = f.target;
    if (f.limit > 0 && r.vs_file) r.met = f.higher_is_better ? *r.vs_file >= f.limit : *r.vs_file <= f.limit;
    out.push_back(std::move(r));
  }
  return out;
}

void print_report(const Report& report, std::ostream& out) {
  const auto& m = report.machine;
  out << "\nfixgate-bench " << report.started_utc << " on " << m.cpu_model << ", " << m.cpus << " CPUs, " << m.kernel
      << ", work dir on " << m.work_fs << "\n";
  out << report.repetitions << " repetition(s), targets interleaved, medians shown; " << report.orders
      << " orders per run; journal backend " << report.backend << "\n";

  if (!select(report, "latency", "fixgate").empty()) {
    out << "\nlatency, W=1, fixgate sync=" << report.latency_sync << " (us)      p50       p90       p99     p99.9       max\n";
    for (const std::string target : targets) {
      if (target == "fixgate") print_percentiles(out, report, "latency", target, "accepted", accepted_of);
      print_percentiles(out, report, "latency", target, "ack", ack_of);
      print_percentiles(out, report, "latency", target, "fill", fill_of);
    }
  }
  if (!select(report, "throughput", "fixgate").empty()) {
    out << "\nthroughput, W=" << report.window << ", fixgate sync=" << report.throughput_sync
        << "      orders/s  fill p50  fill p99 (us)\n";
    for (const std::string target : targets) {
      const auto runs = select(report, "throughput", target);
      if (runs.empty()) continue;
      out << "  " << std::left << std::setw(34) << target << std::right << std::setw(10)
          << num(median_of(runs, [](const RunResult& r) { return r.orders_per_second; }), 0) << std::setw(10)
          << num(median_of(runs, [](const RunResult& r) { return r.fill.p50; })) << std::setw(10)
          << num(median_of(runs, [](const RunResult& r) { return r.fill.p99; })) << "\n";
    }
  }
  out << "\ncpu per order (us, utime+stime)    phase          fixgate simulator    client\n";
  for (const char* phase : {"latency", "throughput"}) {
    for (const std::string target : targets) {
      const auto runs = select(report, phase, target);
      if (runs.empty()) continue;
      out << "  " << std::left << std::setw(33) << target << std::setw(11) << phase << std::right;
      for (const char* process : {"fixgate", "simulator", "client"}) {
        const bool has = runs.front()->cpu_us_per_order.contains(process);
        out << std::setw(10) << (has ? num(median_of(runs, [&](const RunResult& r) { return cpu_of(r, process); })) : "-");
      }
      out << "\n";
    }
  }
  out << "  (client = this bench process: the JSON client for fixgate, the QuickFIX initiator for the baselines)\n";

  const auto table = ratios(report);
  out << "\nfixgate / bare QuickFIX (median of per-repetition ratios)\n";
  out << "  figure                                      fixgate   qf-file    qf-mem   vs file    vs mem  target\n";
  for (const auto& r : table) {
    const int decimals = r.figure.starts_with("throughput (") ? 0 : 1;
    out << "  " << std::left << std::setw(40) << r.figure << std::right << std::setw(11) << num(r.fixgate, decimals)
        << std::setw(10) << num(r.file, decimals) << std::setw(10) << num(r.memory, decimals) << std::setw(10)
        << num(r.vs_file, 2) << std::setw(10) << num(r.vs_memory, 2);
    if (!r.target.empty()) {
      out << "  " << r.target << (r.met ? (*r.met ? "  met" : "  MISSED") : "");
    }
    out << "\n";
  }
  out << std::flush;
}

bool write_json(const Report& report, const std::string& path) {
  nlohmann::ordered_json j;
  j["started_utc"] = report.started_utc;
  j["machine"] = {{"cpus", report.machine.cpus},
                  {"cpu_model", report.machine.cpu_model},
                  {"kernel", report.machine.kernel},
                  {"work_fs", report.machine.work_fs}};
  j["settings"] = {{"orders", report.orders},
                   {"window", report.window},
                   {"repetitions", report.repetitions},
                   {"warmup", report.warmup},
                   {"latency_sync", report.latency_sync},
                   {"throughput_sync", report.throughput_sync},
                   {"backend", report.backend}};
  auto& runs = j["runs"] = nlohmann::ordered_json::array();
  for (const auto& run : report.runs) {
    nlohmann::ordered_json r = {{"target", run.target},
                                {"phase", run.phase},
                                {"sync", run.sync},
                                {"repetition", run.repetition},
                                {"orders", run.orders},
                                {"window", run.window},
                                {"filled", run.filled},
                                {"rejected", run.rejected},
                                {"seconds", run.seconds},
                                {"orders_per_second", run.orders_per_second}};
    if (run.accepted) r["latency_us"]["accepted"] = to_json(*run.accepted);
    r["latency_us"]["ack"] = to_json(run.acked);
    r["latency_us"]["fill"] = to_json(run.fill);
    r["cpu_us_per_order"] = run.cpu_us_per_order;
    runs.push_back(std::move(r));
  }
  auto& table = j["ratios"] = nlohmann::ordered_json::array();
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  for (const auto& r : ratios(report)) {
    table.push_back({{"figure", r.figure},
                     {"phase", r.phase},
                     {"fixgate", r.fixgate},
                     {"quickfix_file", opt(r.file)},
                     {"quickfix_memory", opt(r.memory)},
                     {"vs_file", opt(r.vs_file)},
                     {"vs_memory", opt(r.vs_memory)},
                     {"target", r.target},
                     {"met", r.met ? nlohmann::ordered_json(*r.met) : nlohmann::ordered_json()}});
  }
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  return static_cast<bool>(out);
}

}  // namespace fixgate::bench
