// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "fixgate/route/router.hpp"

using fixgate::route::Router;

namespace {

auto up(std::set<std::string> sessions) {
  return [sessions = std::move(sessions)](std::string_view s) { return sessions.contains(std::string(s)); };
}

const Router router({{"ACC9", "*", "*", {"B3"}},
                     {"*", "7203", "*", {"B1", "B2"}},
                     {"*", "*", "XTKS", {"B2"}},
                     {"*", "*", "*", {"B3", "B1"}}});

}  // namespace

TEST_CASE("the first matching rule decides and its first live session is chosen") {
  CHECK(router.select("ACC1", "7203", "", up({"B1", "B2", "B3"})).session == "B1");
  CHECK(router.select("ACC9", "7203", "", up({"B1", "B2", "B3"})).session == "B3");
  CHECK(router.select("ACC1", "6758", "XTKS", up({"B1", "B2", "B3"})).session == "B2");
  CHECK(router.select("ACC1", "6758", "", up({"B1", "B2", "B3"})).session == "B3");
}

TEST_CASE("a session that is not logged on is skipped for its backup") {
  CHECK(router.select("ACC1", "7203", "", up({"B2", "B3"})).session == "B2");
  CHECK(router.select("ACC1", "6758", "", up({"B1"})).session == "B1");
}

TEST_CASE("with no live session in the matching rule the order has no route, and the reason says why") {
  auto none = router.select("ACC1", "7203", "", up({"B3"}));
  CHECK_FALSE(none.session.has_value());
  CHECK(none.explanation == "no live session among B1, B2");
  auto no_rule = Router({{"ACC1", "*", "*", {"B1"}}}).select("ACC2", "7203", "", up({"B1"}));
  CHECK_FALSE(no_rule.session.has_value());
  CHECK(no_rule.explanation == "no routing rule matches account ACC2 symbol 7203");
}
