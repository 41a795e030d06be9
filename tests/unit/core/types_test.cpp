// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "fixgate/core/reject.hpp"
#include "fixgate/core/types.hpp"

using namespace fixgate;

TEST_CASE("maps FIX chars to enums and back") {
  CHECK(side_from_fix('1') == Side::buy);
  CHECK(to_fix(Side::sell) == '2');
  CHECK_FALSE(side_from_fix('9').has_value());
  CHECK(exec_type_from_fix('F') == ExecType::trade);
  CHECK(ord_status_from_fix('E') == OrdStatus::pending_replace);
  CHECK_FALSE(ord_status_from_fix('Z').has_value());
  CHECK(tif_from_fix('6') == TimeInForce::gtd);
}

TEST_CASE("names are stable lower-case words") {
  CHECK(name(OrdStatus::partially_filled) == "partially_filled");
  CHECK(side_from_name("sell_short") == Side::sell_short);
  CHECK(ord_type_from_name("stop_limit") == OrdType::stop_limit);
  CHECK_FALSE(tif_from_name("DAY").has_value());
  CHECK(code(RejectReason::no_route) == "no_route");
}
