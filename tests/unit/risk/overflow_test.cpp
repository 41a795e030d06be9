// SPDX-License-Identifier: Apache-2.0
// Sums of client amounts at the top of the range: they saturate or are refused, never wrap.

#include <catch2/catch.hpp>

#include "fixgate/risk/checks.hpp"

using namespace fixgate;

namespace {

Price px(const char* text) { return *Price::parse(text); }
Qty qty(const char* text) { return *Qty::parse(text); }

}  // namespace

TEST_CASE("the exposure book never wraps: two huge orders saturate, and removing one restores the other") {
  risk::ExposureBook book;
  const Price huge = risk::open_notional(qty("922337203685477"), px("92233720368"), std::nullopt);
  book.update(0, "ACC1", true, huge);
  book.update(1, "ACC1", true, huge);
  CHECK(book.of("ACC1").open_notional == huge);  // saturated at the largest price, not negative
  CHECK(book.of("ACC1").open_notional > Price{});
  book.update(1, "ACC1", false, {});
  CHECK(book.of("ACC1").open_notional == huge);
  book.update(0, "ACC1", false, {});
  CHECK(book.of("ACC1").open_notional == Price{});
}

TEST_CASE("an order whose notional would pass the range is refused even with no limit set") {
  const risk::Limits none;
  const risk::OrderView big{"ACC1", "7203", qty("1000000000"), px("60")};
  const Price adds = risk::open_notional(big.qty, big.price, std::nullopt);
  CHECK(risk::check_order(big, none, {}, std::nullopt, {1, adds}).has_value());
  const auto second = risk::check_order(big, none, {1, adds}, std::nullopt, {1, adds});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().limit == "notional_range");
  const risk::OrderView huge{"ACC1", "7203", qty("922337203685477"), px("92233720368")};
  const auto alone = risk::check_order(huge, none, {}, std::nullopt,
                                       {1, risk::open_notional(huge.qty, huge.price, std::nullopt)});
  REQUIRE_FALSE(alone.has_value());
  CHECK(alone.error().limit == "notional_range");
}

TEST_CASE("after exposure near the top, a limit of 1000 still refuses a 999 order") {
  risk::ExposureBook book;
  const Price half = risk::open_notional(qty("1000000000"), px("60"), std::nullopt);
  book.update(0, "ACC1", true, half);
  book.update(1, "ACC1", true, half);  // past the range in total: the book must not wrap
  risk::Limits limits;
  limits.max_open_notional = px("1000");
  const risk::OrderView small{"ACC1", "7203", qty("1"), px("999")};
  const auto result = risk::check_order(small, limits, book.of("ACC1"), std::nullopt, {1, px("999")});
  CHECK_FALSE(result.has_value());
}
