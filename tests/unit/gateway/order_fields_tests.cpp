// SPDX-License-Identifier: Apache-2.0
// new's exec_inst (ExecInst 18) and expire_time (ExpireTime 126): their grammar, the gtd rule,
// and exact round trips of the UTC time.

#include <catch2/catch.hpp>

#include "fixgate/gateway/codec.hpp"

using namespace fixgate;
using namespace fixgate::gateway;

namespace {

std::string base(const std::string& extra) {
  return R"({"op":"new","client_order_id":"c1","account":"A","symbol":"S","side":"buy","qty":"1","price":"2")" + extra +
         "}";
}

std::string error_code(const std::string& line, std::string* field = nullptr) {
  auto d = decode_request(line);
  if (d) return "ok";
  if (field != nullptr) *field = d.error().field;
  return d.error().code;
}

}  // namespace

TEST_CASE("exec_inst takes FIX values of one character separated by single spaces", "[gateway][codec]") {
  auto d = decode_request(base(R"(,"exec_inst":"6 G")"));
  REQUIRE(d);
  CHECK(std::get<NewOrder>(d->request).exec_inst == std::optional<std::string>("6 G"));
  std::string field;
  for (const char* bad : {R"("")", R"("6  G")", R"("6G")", R"(" 6")", R"("6 ")", R"("6,G")", R"("\u0001")"}) {
    INFO(bad);
    CHECK(error_code(base(std::string(R"(,"exec_inst":)") + bad), &field) == "invalid_value");
    CHECK(field == "exec_inst");
  }
  CHECK(error_code(base(R"(,"exec_inst":6)"), &field) == "wrong_type");
}

TEST_CASE("expire_time is required for gtd and refused otherwise; it round-trips exactly", "[gateway][codec]") {
  auto d = decode_request(base(R"(,"tif":"gtd","expire_time":"2026-12-07T06:00:00.123456789Z")"));
  REQUIRE(d);
  const auto& o = std::get<NewOrder>(d->request);
  REQUIRE(o.expire_time);
  CHECK(o.expire_time->nanos == 1'796'623'200'123'456'789);
  auto again = decode_request(std::string_view(encode_request(d->request)).substr(0, encode_request(d->request).size() - 1));
  REQUIRE(again);
  CHECK(std::get<NewOrder>(again->request).expire_time == o.expire_time);
  std::string field;
  CHECK(error_code(base(R"(,"tif":"gtd")"), &field) == "missing_field");
  CHECK(field == "expire_time");
  CHECK(error_code(base(R"(,"expire_time":"2026-12-07T06:00:00Z")"), &field) == "invalid_value");
  CHECK(field == "expire_time");
  for (const char* bad : {"2026-02-30T00:00:00Z", "2026-12-07 06:00:00Z", "2026-12-07T06:00:00", "2026-12-07T24:00:00Z",
                          "1969-12-31T23:59:59Z", "2026-12-07T06:00:00.Z", "2026-12-07T06:00:00.1234567890Z",
                          "2026-12-07T06:00:00+09:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_utc_timestamp(bad).has_value());
  }
  CHECK(format_utc_timestamp(Timestamp{0}) == "1970-01-01T00:00:00Z");
  CHECK(format_utc_timestamp(*parse_utc_timestamp("2024-02-29T23:59:59.5Z")) == "2024-02-29T23:59:59.5Z");
}
