// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small thread-safe metrics registry rendered in the Prometheus text exposition format 0.0.4.
//
// Registration (counter(), gauge(), histogram(), *_callback(), histogram_view()) takes a lock and returns a
// reference that stays valid for the registry's lifetime; keep it and update through it. Updates
// are relaxed atomics: no lock and no allocation per increment. render() takes the registry lock,
// reads every series and evaluates the callback-backed ones on the calling thread (the HTTP io
// thread, for /metrics): callbacks must be quick, thread-safe, and must not call back into the
// registry.
//
// Names: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do
// not start with "__"; "le" is reserved for histogram buckets. Bad names, or re-registering a
// name with another type, help text or bucket layout, throw std::invalid_argument. Registering
// the same name and label set twice returns the same series.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixgate/core/histogram.hpp"

namespace fixgate::ops {

/// Label name/value pairs in the order given; values are escaped when rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// The histogram itself is in core (fixgate/core/histogram.hpp) so the journal, the engine and the
// session layer can observe into one without depending on ops.
using ::fixgate::Histogram;
using ::fixgate::exponential_buckets;
using ::fixgate::latency_buckets_seconds;
using ::fixgate::io_latency_buckets_seconds;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       const Labels& labels = {});
  /// A histogram kept and observed elsewhere (the journal's, the engine's), rendered from
  /// `source` at every render(): `source` must outlive the renders. Same bucket rules as
  /// histogram(); registering the same name and labels again points the series at `source`.
  void histogram_view(std::string_view name, std::string_view help, const Labels& labels, const Histogram& source);

  /// A gauge whose value is read from `read` at every render(). A callback that throws renders NaN.
  /// Registering the same name and labels again replaces the callback.
  void gauge_callback(std::string_view name, std::string_view help, const Labels& labels,
                      std::function<double()> read);
  /// A counter read at render() from a value kept elsewhere (e.g. gateway::ServerStats), which
  /// must only ever grow. Same rules as gauge_callback.
  void counter_callback(std::string_view name, std::string_view help, const Labels& labels,
                        std::function<double()> read);

  /// Every family in registration order, each with "# HELP" and "# TYPE" lines, then its series
  /// in registration order; ends with a newline. Content type: text/plain; version=0.0.4.
  std::string render() const;

 private:
  struct Family;
  struct Series;
  Family& family(std::string_view name, std::string_view help, int type);
  Series& series(Family& family, const Labels& labels);
  /// The series of a histogram family whose buckets are `bounds` (the family's first series sets them).
  Series& histogram_series(std::string_view name, std::string_view help, const Labels& labels,
                           const std::vector<double>& bounds);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
};

/// Content-Type of render()'s output.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);
/// Escapes HELP text: backslash and newline.
std::string escape_help(std::string_view text);
/// A sample value as Prometheus reads it: "+Inf", "-Inf", "NaN", or the shortest exact decimal.
std::string format_value(double v);

}  // namespace fixgate::ops
