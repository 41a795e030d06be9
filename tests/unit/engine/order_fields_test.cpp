// SPDX-License-Identifier: Apache-2.0
// What a new order request carries to the broker beyond price and quantity.

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

TEST_CASE("a new order's ExecInst and a gtd order's ExpireTime reach the NewOrderSingle") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  auto gtd = new_order("g1");
  gtd.tif = TimeInForce::gtd;
  gtd.expire_time = Timestamp{1'796'623'200'000'000'000};
  gtd.exec_inst = "6 G";
  h.request(gtd);
  h.request(new_order("d1"));
  REQUIRE(h.run_until([&] { return h.sent.size() == 2; }));
  const auto& first = std::get<order::NewOrderSingle>(h.sent[0].second);
  CHECK(first.exec_inst == "6 G");
  CHECK(first.tif == TimeInForce::gtd);
  CHECK(first.expire_time == std::optional<Timestamp>(Timestamp{1'796'623'200'000'000'000}));
  const auto& second = std::get<order::NewOrderSingle>(h.sent[1].second);
  CHECK(second.exec_inst.empty());
  CHECK_FALSE(second.expire_time.has_value());
}
