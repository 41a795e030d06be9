// SPDX-License-Identifier: Apache-2.0
// The metrics registry: exposition text written out by hand from the format's rules, escaping,
// histogram bucket arithmetic, registration rules and concurrent updates.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixgate/ops/metrics.hpp"

using namespace fixgate::ops;

TEST_CASE("counters and gauges render with HELP, TYPE and labels") {
  Registry registry;
  auto& accepted = registry.counter("fixgate_orders_total", "Orders by outcome.", {{"outcome", "accepted"}});
  auto& rejected = registry.counter("fixgate_orders_total", "Orders by outcome.", {{"outcome", "rejected"}});
  auto& depth = registry.gauge("fixgate_queue_depth", "Items waiting.");
  accepted.inc();
  accepted.inc(4);
  rejected.inc();
  depth.set(7);
  depth.dec();
  depth.add(0.5);

  const std::string expected =
      "# HELP fixgate_orders_total Orders by outcome.\n"
      "# TYPE fixgate_orders_total counter\n"
      "fixgate_orders_total{outcome=\"accepted\"} 5\n"
      "fixgate_orders_total{outcome=\"rejected\"} 1\n"
      "# HELP fixgate_queue_depth Items waiting.\n"
      "# TYPE fixgate_queue_depth gauge\n"
      "fixgate_queue_depth 6.5\n";
  CHECK(registry.render() == expected);
  CHECK(accepted.value() == 5);
  CHECK(depth.value() == 6.5);
}

TEST_CASE("registering the same series twice returns the same handle") {
  Registry registry;
  auto& a = registry.counter("x_total", "x", {{"k", "v"}});
  auto& b = registry.counter("x_total", "x", {{"k", "v"}});
  CHECK(&a == &b);
  auto& c = registry.counter("x_total", "x", {{"k", "w"}});
  CHECK(&a != &c);
}

TEST_CASE("label values and help text are escaped") {
  Registry registry;
  registry.counter("esc_total", "line one\nback\\slash \"quoted\"", {{"path", "a\\b\"c\nd"}}).inc();
  const std::string expected =
      "# HELP esc_total line one\\nback\\\\slash \"quoted\"\n"
      "# TYPE esc_total counter\n"
      "esc_total{path=\"a\\\\b\\\"c\\nd\"} 1\n";
  CHECK(registry.render() == expected);
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value("\"") == "\\\"");
}

TEST_CASE("histogram buckets are cumulative, inclusive, with +Inf, sum and count") {
  Registry registry;
  auto& h = registry.histogram("lat_seconds", "Latency.", {0.1, 0.5, 1}, {{"session", "LSE"}});
  // 0.05 -> le 0.1; 0.1 -> le 0.1 (inclusive); 0.3 -> le 0.5; 1 -> le 1; 4 -> +Inf only.
  for (double v : {0.05, 0.1, 0.3, 1.0, 4.0}) h.observe(v);
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  // sum = 0.05 + 0.1 + 0.3 + 1 + 4 = 5.45
  const auto snap = h.snapshot();
  REQUIRE(snap.cumulative.size() == 4);
  CHECK(snap.cumulative[0] == 2);
  CHECK(snap.cumulative[1] == 3);
  CHECK(snap.cumulative[2] == 4);
  CHECK(snap.cumulative[3] == 5);
  CHECK(snap.count == 5);
  CHECK(snap.sum == Approx(5.45));

  const std::string text = registry.render();
  const std::string head =
      "# HELP lat_seconds Latency.\n"
      "# TYPE lat_seconds histogram\n"
      "lat_seconds_bucket{session=\"LSE\",le=\"0.1\"} 2\n"
      "lat_seconds_bucket{session=\"LSE\",le=\"0.5\"} 3\n"
      "lat_seconds_bucket{session=\"LSE\",le=\"1\"} 4\n"
      "lat_seconds_bucket{session=\"LSE\",le=\"+Inf\"} 5\n"
      "lat_seconds_sum{session=\"LSE\"} ";
  REQUIRE(text.substr(0, head.size()) == head);
  // The sum's last digits depend on floating-point addition order; parse it back instead.
  const auto sum_end = text.find('\n', head.size());
  CHECK(std::stod(text.substr(head.size(), sum_end - head.size())) == Approx(5.45));
  CHECK(text.substr(sum_end + 1) == "lat_seconds_count{session=\"LSE\"} 5\n");
}

TEST_CASE("an unlabelled histogram puts le alone in the braces") {
  Registry registry;
  auto& h = registry.histogram("h", "H.", {1, 2});
  h.observe(2);
  const std::string expected =
      "# HELP h H.\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 0\n"
      "h_bucket{le=\"2\"} 1\n"
      "h_bucket{le=\"+Inf\"} 1\n"
      "h_sum 2\n"
      "h_count 1\n";
  CHECK(registry.render() == expected);
}

TEST_CASE("a histogram view renders a histogram observed elsewhere, as it is at each render") {
  Registry registry;
  Histogram owned_elsewhere({0.001, 0.01});
  registry.histogram_view("sync_seconds", "Syncs.", {}, owned_elsewhere);
  const std::string empty =
      "# HELP sync_seconds Syncs.\n"
      "# TYPE sync_seconds histogram\n"
      "sync_seconds_bucket{le=\"0.001\"} 0\n"
      "sync_seconds_bucket{le=\"0.01\"} 0\n"
      "sync_seconds_bucket{le=\"+Inf\"} 0\n"
      "sync_seconds_sum 0\n"
      "sync_seconds_count 0\n";
  CHECK(registry.render() == empty);

  owned_elsewhere.observe(std::chrono::microseconds(500));  // le 0.001
  owned_elsewhere.observe(0.25);                            // +Inf only
  const std::string moved =
      "# HELP sync_seconds Syncs.\n"
      "# TYPE sync_seconds histogram\n"
      "sync_seconds_bucket{le=\"0.001\"} 1\n"
      "sync_seconds_bucket{le=\"0.01\"} 1\n"
      "sync_seconds_bucket{le=\"+Inf\"} 2\n"
      "sync_seconds_sum 0.2505\n"
      "sync_seconds_count 2\n";
  CHECK(registry.render() == moved);
}

TEST_CASE("a histogram view keeps the family's bucket layout and never replaces an owned series") {
  Registry registry;
  Histogram a({1, 2});
  Histogram other_layout({1, 3});
  registry.histogram_view("h", "x", {{"session", "A"}}, a);
  CHECK_THROWS_AS(registry.histogram_view("h", "x", {{"session", "B"}}, other_layout), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h", "x", {1, 2}, {{"session", "A"}}), std::invalid_argument);
  registry.histogram("owned", "x", {1, 2});
  CHECK_THROWS_AS(registry.histogram_view("owned", "x", {}, a), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram_view("h", "x", {{"le", "1"}}, a), std::invalid_argument);
}

TEST_CASE("histogram bounds are validated; a trailing +Inf is accepted and dropped") {
  CHECK_THROWS_AS(Histogram({1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(Histogram({2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(Histogram({std::nan("")}), std::invalid_argument);
  CHECK_THROWS_AS(Histogram({-std::numeric_limits<double>::infinity(), 1}), std::invalid_argument);
  Histogram h({1, std::numeric_limits<double>::infinity()});
  CHECK(h.bounds() == std::vector<double>{1});
  Histogram none({});
  none.observe(-3);
  CHECK(none.snapshot().cumulative == std::vector<std::uint64_t>{1});
}

TEST_CASE("bucket helpers") {
  CHECK(exponential_buckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK_THROWS_AS(exponential_buckets(0, 2, 4), std::invalid_argument);
  CHECK_THROWS_AS(exponential_buckets(1, 1, 4), std::invalid_argument);
  const auto latency = latency_buckets_seconds();
  REQUIRE(latency.size() == 17);
  CHECK(latency.front() == 0.00005);
  CHECK(latency.back() == 10);
  CHECK_NOTHROW(Histogram(latency));
}

TEST_CASE("sample values in Prometheus spelling") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(1) == "1");
  CHECK(format_value(-2.5) == "-2.5");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
  CHECK(std::stod(format_value(1e-7)) == 1e-7);
  CHECK(std::stod(format_value(123456789012.0)) == 123456789012.0);
}

TEST_CASE("callback-backed series are read at render time") {
  Registry registry;
  double lag = 3;
  registry.gauge_callback("journal_lag", "Records not yet durable.", {}, [&] { return lag; });
  registry.counter_callback("gw_accepted_total", "Connections accepted.", {{"listener", "tcp"}}, [] { return 42.0; });
  registry.gauge_callback("broken", "Throws.", {}, []() -> double { throw std::runtime_error("x"); });
  lag = 9;
  const std::string expected =
      "# HELP journal_lag Records not yet durable.\n"
      "# TYPE journal_lag gauge\n"
      "journal_lag 9\n"
      "# HELP gw_accepted_total Connections accepted.\n"
      "# TYPE gw_accepted_total counter\n"
      "gw_accepted_total{listener=\"tcp\"} 42\n"
      "# HELP broken Throws.\n"
      "# TYPE broken gauge\n"
      "broken NaN\n";
  CHECK(registry.render() == expected);
  // Registering again replaces the callback.
  registry.gauge_callback("journal_lag", "Records not yet durable.", {}, [] { return 1.0; });
  CHECK(registry.render().find("journal_lag 1\n") != std::string::npos);
}

TEST_CASE("registration errors") {
  Registry registry;
  CHECK_THROWS_AS(registry.counter("", "x"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("9abc", "x"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("a-b", "x"), std::invalid_argument);
  CHECK_NOTHROW(registry.counter("ns:sub_total", "x"));
  CHECK_THROWS_AS(registry.counter("c_total", "x", {{"__reserved", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("c_total", "x", {{"bad-name", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("c_total", "x", {{"k", "1"}, {"k", "2"}}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("h", "x", {1}, {{"le", "1"}}), std::invalid_argument);
  registry.counter("same", "help");
  CHECK_THROWS_AS(registry.gauge("same", "help"), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("same", "other help"), std::invalid_argument);
  registry.histogram("hist", "x", {1, 2});
  CHECK_THROWS_AS(registry.histogram("hist", "x", {1, 3}, {{"a", "b"}}), std::invalid_argument);
  registry.gauge("g", "x");
  CHECK_THROWS_AS(registry.gauge_callback("g", "x", {}, [] { return 1.0; }), std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge_callback("g2", "x", {}, nullptr), std::invalid_argument);
  // A family whose registrations all failed renders nothing for it.
  Registry empty;
  CHECK_THROWS(empty.counter("fam_total", "x", {{"bad-name", "v"}}));
  CHECK(empty.render().empty());
}

TEST_CASE("concurrent increments and observations are all counted") {
  Registry registry;
  auto& counter = registry.counter("c_total", "c");
  auto& gauge = registry.gauge("g", "g");
  auto& hist = registry.histogram("h", "h", {0.5});
  constexpr int threads = 4;
  constexpr int per_thread = 100000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        counter.inc();
        gauge.inc();
        hist.observe((i + t) % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  // Scrapes while writers run must not crash or block them.
  for (int i = 0; i < 20; ++i) CHECK_FALSE(registry.render().empty());
  for (auto& w : workers) w.join();
  CHECK(counter.value() == std::uint64_t{threads} * per_thread);
  CHECK(gauge.value() == double{threads} * per_thread);
  const auto snap = hist.snapshot();
  CHECK(snap.count == std::uint64_t{threads} * per_thread);
  // Half of each thread's observations are 0.25 (per_thread is even).
  CHECK(snap.cumulative[0] == std::uint64_t{threads} * per_thread / 2);
  // 0.25 and 1.0 are exact in binary, so the sum is exact: 200000 * 0.25 + 200000 * 1.0.
  CHECK(snap.sum == 250000.0);
}
