// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace fixgate::ops {
namespace {

enum Type : int { counter_type = 0, gauge_type = 1, histogram_type = 2 };

constexpr std::string_view type_name(int type) {
  switch (type) {
    case counter_type: return "counter";
    case gauge_type: return "gauge";
    default: return "histogram";
  }
}

bool is_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

bool is_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

/// `a="x",b="y"` (no braces), validated.
std::string label_text(std::string_view metric, const Labels& labels, bool histogram) {
  std::string text;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto& [name, value] = labels[i];
    if (!is_label_name(name)) {
      throw std::invalid_argument(fmt::format("metric {}: bad label name \"{}\"", metric, name));
    }
    if (histogram && name == "le") {
      throw std::invalid_argument(fmt::format("metric {}: label \"le\" is reserved for buckets", metric));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].first == name) {
        throw std::invalid_argument(fmt::format("metric {}: label \"{}\" given twice", metric, name));
      }
    }
    if (!text.empty()) text += ',';
    text += name;
    text += "=\"";
    text += escape_label_value(value);
    text += '"';
  }
  return text;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Registry

struct Registry::Series {
  Labels labels;
  std::string label_text;  ///< escaped, without braces
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  const Histogram* histogram_source = nullptr;  ///< histogram_view(): owned elsewhere
  std::function<double()> callback;
};

struct Registry::Family {
  std::string name;
  std::string help;
  int type = counter_type;
  std::vector<double> bounds;  ///< histograms: every series shares the layout
  std::vector<std::unique_ptr<Series>> series;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family(std::string_view name, std::string_view help, int type) {
  if (!is_metric_name(name)) throw std::invalid_argument(fmt::format("bad metric name \"{}\"", name));
  for (auto& existing : families_) {
    if (existing->name != name) continue;
    if (existing->type != type) {
      throw std::invalid_argument(fmt::format("metric {} is already a {}", name, type_name(existing->type)));
    }
    if (existing->help != help) {
      throw std::invalid_argument(fmt::format("metric {} is already registered with other help text", name));
    }
    return *existing;
  }
  auto created = std::make_unique<Family>();
  created->name = std::string(name);
  created->help = std::string(help);
  created->type = type;
  families_.push_back(std::move(created));
  return *families_.back();
}

Registry::Series& Registry::series(Family& fam, const Labels& labels) {
  std::string text = label_text(fam.name, labels, fam.type == histogram_type);
  for (auto& existing : fam.series) {
    if (existing->labels == labels) return *existing;
  }
  auto created = std::make_unique<Series>();
  created->labels = labels;
  created->label_text = std::move(text);
  fam.series.push_back(std::move(created));
  return *fam.series.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, counter_type), labels);
  if (s.callback) throw std::invalid_argument(fmt::format("metric {}: series is callback-backed", name));
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, gauge_type), labels);
  if (s.callback) throw std::invalid_argument(fmt::format("metric {}: series is callback-backed", name));
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Registry::Series& Registry::histogram_series(std::string_view name, std::string_view help, const Labels& labels,
                                             const std::vector<double>& bounds) {
  Family& fam = family(name, help, histogram_type);
  if (fam.series.empty()) {
    fam.bounds = bounds;
  } else if (fam.bounds != bounds) {
    throw std::invalid_argument(fmt::format("metric {}: registered before with other buckets", name));
  }
  return series(fam, labels);
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                               const Labels& labels) {
  auto made = std::make_unique<Histogram>(std::move(bounds));  // validates before the lock
  std::lock_guard lock(mutex_);
  Series& s = histogram_series(name, help, labels, made->bounds());
  if (s.histogram_source) throw std::invalid_argument(fmt::format("metric {}: series is a view", name));
  if (!s.histogram) s.histogram = std::move(made);
  return *s.histogram;
}

void Registry::histogram_view(std::string_view name, std::string_view help, const Labels& labels,
                              const Histogram& source) {
  std::lock_guard lock(mutex_);
  Series& s = histogram_series(name, help, labels, source.bounds());
  if (s.histogram) throw std::invalid_argument(fmt::format("metric {}: series is not a view", name));
  s.histogram_source = &source;
}

void Registry::gauge_callback(std::string_view name, std::string_view help, const Labels& labels,
                              std::function<double()> read) {
  if (!read) throw std::invalid_argument(fmt::format("metric {}: empty callback", name));
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, gauge_type), labels);
  if (s.gauge) throw std::invalid_argument(fmt::format("metric {}: series is not callback-backed", name));
  s.callback = std::move(read);
}

void Registry::counter_callback(std::string_view name, std::string_view help, const Labels& labels,
                                std::function<double()> read) {
  if (!read) throw std::invalid_argument(fmt::format("metric {}: empty callback", name));
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, counter_type), labels);
  if (s.counter) throw std::invalid_argument(fmt::format("metric {}: series is not callback-backed", name));
  s.callback = std::move(read);
}

std::string Registry::render() const {
  std::string out;
  out.reserve(4096);
  std::lock_guard lock(mutex_);
  for (const auto& fam : families_) {
    if (fam->series.empty()) continue;
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", fam->name, escape_help(fam->help),
                   fam->name, type_name(fam->type));
    for (const auto& s : fam->series) {
      const std::string braced = s->label_text.empty() ? std::string() : "{" + s->label_text + "}";
      const Histogram* histogram = s->histogram ? s->histogram.get() : s->histogram_source;
      if (histogram != nullptr) {
        const auto snap = histogram->snapshot();
        const std::string prefix = s->label_text.empty() ? std::string() : s->label_text + ",";
        for (std::size_t i = 0; i <= snap.bounds.size(); ++i) {
          const std::string le =
              i < snap.bounds.size() ? format_value(snap.bounds[i]) : std::string("+Inf");
          fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"{}\"}} {}\n", fam->name, prefix, le,
                         snap.cumulative[i]);
        }
        fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n", fam->name, braced, format_value(snap.sum));
        fmt::format_to(std::back_inserter(out), "{}_count{} {}\n", fam->name, braced, snap.count);
      } else if (s->counter) {
        fmt::format_to(std::back_inserter(out), "{}{} {}\n", fam->name, braced, s->counter->value());
      } else if (s->gauge) {
        fmt::format_to(std::back_inserter(out), "{}{} {}\n", fam->name, braced, format_value(s->gauge->value()));
      } else if (s->callback) {
        double v = std::numeric_limits<double>::quiet_NaN();
        try {
          v = s->callback();
        } catch (...) {
          // A failing source shows as NaN rather than breaking the whole scrape.
        }
        fmt::format_to(std::back_inserter(out), "{}{} {}\n", fam->name, braced, format_value(v));
      }
    }
  }
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace fixgate::ops
