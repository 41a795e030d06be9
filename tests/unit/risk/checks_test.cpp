#include <catch2/catch.hpp>

#include "fixgate/risk/checks.hpp"

using namespace fixgate;

namespace {

risk::OrderView order(const char* qty, const char* price) {
  return {"ACC1", "7203", *Qty::parse(qty), Price::parse(price)};
}

}  // namespace

TEST_CASE("maximum order quantity passes at and below the limit and refuses just above it") {
  const risk::Limits limits{Qty::from_whole(1000), std::nullopt};
  CHECK(risk::check_order(order("999.9999", "1"), limits).has_value());
  CHECK(risk::check_order(order("1000", "1"), limits).has_value());
  auto above = risk::check_order(order("1000.0001", "1"), limits);
  REQUIRE_FALSE(above.has_value());
  CHECK(above.error().reason == RejectReason::risk_limit);
  CHECK(above.error().text == "max_order_qty: qty 1000.0001 exceeds limit 1000");
}

TEST_CASE("maximum notional passes at and below the limit and refuses just above it") {
  const risk::Limits limits{std::nullopt, *Price::parse("250000")};
  CHECK(risk::check_order(order("100", "2499.99999999"), limits).has_value());
  CHECK(risk::check_order(order("100", "2500"), limits).has_value());
  auto above = risk::check_order(order("100", "2500.00000001"), limits);
  REQUIRE_FALSE(above.has_value());
  CHECK(above.error().reason == RejectReason::risk_limit);
  CHECK_THAT(above.error().text, Catch::StartsWith("max_order_notional: notional 250000.000001"));
}

TEST_CASE("a notional too large to compute is refused, never wrapped") {
  const risk::Limits limits{std::nullopt, Price::from_whole(1)};
  auto huge = risk::check_order({"ACC1", "X", Qty::from_whole(100'000'000'000'000), Price::from_whole(90'000'000)},
                                limits);
  REQUIRE_FALSE(huge.has_value());
  CHECK_THAT(huge.error().text, Catch::Contains("overflow"));
}

TEST_CASE("no limits configured means no refusal, and market orders skip the notional check") {
  CHECK(risk::check_order(order("1000000000", "99999"), risk::Limits{}).has_value());
  const risk::Limits limits{std::nullopt, Price::from_whole(1)};
  CHECK(risk::check_order({"ACC1", "7203", Qty::from_whole(5), std::nullopt}, limits).has_value());
}
