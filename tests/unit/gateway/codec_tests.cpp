// SPDX-License-Identifier: Apache-2.0
// The JSON-lines codec: every op decodes, every event encodes, and both directions round-trip.

#include <catch2/catch.hpp>

#include "fixgate/gateway/codec.hpp"

using namespace fixgate;
using namespace fixgate::gateway;

namespace {

template <class T>
T decode_as(std::string_view line, std::string* id = nullptr) {
  std::string request_id;
  auto in = decode_request(line, request_id);
  INFO(line);
  if (!in) UNSCOPED_INFO("error " << in.error().code << " field " << in.error().field << ": " << in.error().text);
  REQUIRE(in.has_value());
  REQUIRE(std::holds_alternative<T>(in->request));
  CHECK(in->request_id == request_id);
  if (id != nullptr) *id = request_id;
  return std::get<T>(in->request);
}

Error decode_error(std::string_view line) {
  auto in = decode_request(line);
  INFO(line);
  REQUIRE_FALSE(in.has_value());
  return in.error();
}

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }

}  // namespace

TEST_CASE("decodes hello with and without resume_from", "[gateway][codec]") {
  auto h = decode_as<Hello>(R"({"op":"hello","client":"demo","token":"s3cret","resume_from":12})");
  CHECK(h.client == "demo");
  CHECK(h.token == "s3cret");
  REQUIRE(h.resume_from);
  CHECK(*h.resume_from == 12);
  auto h2 = decode_as<Hello>(R"({"op":"hello","client":"demo","token":"s3cret"})");
  CHECK_FALSE(h2.resume_from);
  auto h3 = decode_as<Hello>(R"({"op":"hello","client":"demo","token":"t","resume_from":null})");
  CHECK_FALSE(h3.resume_from);
}

TEST_CASE("decodes a limit order with every field and echoes the id", "[gateway][codec]") {
  std::string id;
  auto o = decode_as<NewOrder>(
      R"({"op":"new","id":"r1","client_order_id":"c1","account":"ACC1","symbol":"7203","side":"buy","type":"limit","tif":"day","qty":"100","price":"2500.5","market":"XTKS","session":"broker-a"})",
      &id);
  CHECK(id == "r1");
  CHECK(o.client_order_id == "c1");
  CHECK(o.account == "ACC1");
  CHECK(o.symbol == "7203");
  CHECK(o.side == Side::buy);
  CHECK(o.ord_type == OrdType::limit);
  CHECK(o.tif == TimeInForce::day);
  CHECK(o.qty == qty("100"));
  REQUIRE(o.price);
  CHECK(*o.price == px("2500.5"));
  CHECK_FALSE(o.stop_price);
  CHECK(o.market == std::optional<std::string>("XTKS"));
  CHECK(o.session == std::optional<std::string>("broker-a"));
}

TEST_CASE("defaults type to limit and tif to day, in any key order", "[gateway][codec]") {
  auto o = decode_as<NewOrder>(
      R"({"price":"1.25","qty":"0.5","side":"sell_short","symbol":"X","account":"A","client_order_id":"c2","op":"new"})");
  CHECK(o.ord_type == OrdType::limit);
  CHECK(o.tif == TimeInForce::day);
  CHECK(o.side == Side::sell_short);
  CHECK(o.qty == qty("0.5"));
}

TEST_CASE("decodes market, stop and stop_limit orders with their prices", "[gateway][codec]") {
  auto m = decode_as<NewOrder>(
      R"({"op":"new","client_order_id":"m","account":"A","symbol":"S","side":"sell","type":"market","tif":"ioc","qty":"1"})");
  CHECK(m.ord_type == OrdType::market);
  CHECK(m.tif == TimeInForce::ioc);
  CHECK_FALSE(m.price);
  auto s = decode_as<NewOrder>(
      R"({"op":"new","client_order_id":"s","account":"A","symbol":"S","side":"sell","type":"stop","tif":"gtc","qty":"1","stop_price":"99.5"})");
  CHECK(s.stop_price == std::optional<Price>(px("99.5")));
  auto sl = decode_as<NewOrder>(
      R"({"op":"new","client_order_id":"sl","account":"A","symbol":"S","side":"buy","type":"stop_limit","tif":"fok","qty":"1","price":"101","stop_price":"100"})");
  CHECK(sl.price == std::optional<Price>(px("101")));
  CHECK(sl.stop_price == std::optional<Price>(px("100")));
}

TEST_CASE("decodes cancel, replace, status and list", "[gateway][codec]") {
  auto c = decode_as<CancelOrder>(R"({"op":"cancel","client_order_id":"c1-x","orig_client_order_id":"c1"})");
  CHECK(c.client_order_id == "c1-x");
  CHECK(c.orig_client_order_id == "c1");
  auto r = decode_as<ReplaceOrder>(
      R"({"op":"replace","client_order_id":"c1-r","orig_client_order_id":"c1","qty":"200","price":"2501"})");
  CHECK(r.qty == std::optional<Qty>(qty("200")));
  CHECK(r.price == std::optional<Price>(px("2501")));
  auto r2 = decode_as<ReplaceOrder>(R"({"op":"replace","client_order_id":"c1-r","orig_client_order_id":"c1","price":"7"})");
  CHECK_FALSE(r2.qty);
  auto st = decode_as<OrderStatusQuery>(R"({"op":"status","client_order_id":"c1"})");
  CHECK(st.client_order_id == "c1");
  auto l = decode_as<ListOrders>(R"({"op":"list","account":"ACC1"})");
  CHECK(l.account == std::optional<std::string>("ACC1"));
  auto all = decode_as<ListOrders>(R"({"op":"list"})");
  CHECK_FALSE(all.account);
}

TEST_CASE("tolerates whitespace and a trailing carriage return", "[gateway][codec]") {
  auto st = decode_as<OrderStatusQuery>(" { \"op\" : \"status\" ,\t\"client_order_id\" : \"c1\" } \r");
  CHECK(st.client_order_id == "c1");
}

TEST_CASE("reports invalid JSON with the byte offset of the fault", "[gateway][codec]") {
  const auto e = decode_error(R"({"op":"new",})");
  CHECK(e.code == "invalid_json");
  REQUIRE(e.offset);
  CHECK(*e.offset == 12);
  CHECK(e.text.find("byte 12") != std::string::npos);
}

TEST_CASE("echoes the id of a request that fails validation", "[gateway][codec]") {
  std::string id;
  auto in = decode_request(R"({"op":"status","id":"q9","bogus":1})", id);
  REQUIRE_FALSE(in);
  CHECK(in.error().code == "unknown_field");
  CHECK(in.error().field == "bogus");
  CHECK(id == "q9");
}

TEST_CASE("reports the first problem in line order", "[gateway][codec]") {
  auto e = decode_error(R"({"op":"new","qty":5,"zzz":1,"client_order_id":"c","account":"A","symbol":"S","side":"buy","price":"1"})");
  CHECK(e.code == "wrong_type");
  CHECK(e.field == "qty");
  auto e2 = decode_error(R"({"zzz":1,"op":"new","qty":5})");
  CHECK(e2.code == "unknown_field");
  CHECK(e2.field == "zzz");
}

TEST_CASE("round-trips every request through encode_request", "[gateway][codec]") {
  NewOrder o;
  o.client_order_id = "c1";
  o.account = "ACC1";
  o.symbol = "7203";
  o.side = Side::sell;
  o.ord_type = OrdType::stop_limit;
  o.tif = TimeInForce::gtc;
  o.qty = qty("100.25");
  o.price = px("2500.12345678");
  o.stop_price = px("2499");
  o.market = "XTKS";
  const std::vector<Request> requests{
      Hello{"demo", "tok\"en", 42}, o, CancelOrder{"c1-x", "c1"}, ReplaceOrder{"c1-r", "c1", qty("5"), std::nullopt},
      OrderStatusQuery{"c1"}, ListOrders{"ACC1"}, ListOrders{},
      KillSwitchRequest{true, "account", "ACC1", "fat finger on desk 3"}, KillSwitchRequest{false, "all", "", "clear"},
      SetLimit{"account", "ACC1", "max_order_qty", "500", "desk limit"},
      SetLimit{"defaults", "", "price_band_percent", std::nullopt, "remove the band"},
      ListSessions{},
      SessionCommand{SessionAction::logout, "SIM", std::nullopt, std::nullopt, "line maintenance"},
      SessionCommand{SessionAction::set_seq, "SIM", 42, 7, "agreed with the broker"},
      ReloadPolicy{"new limits for the close"}};
  for (const auto& r : requests) {
    const std::string line = encode_request(r, "r7");
    REQUIRE(line.back() == '\n');
    std::string id;
    auto in = decode_request(std::string_view(line).substr(0, line.size() - 1), id);
    INFO(line);
    REQUIRE(in);
    CHECK(id == "r7");
    CHECK(in->request.index() == r.index());
    CHECK(encode_request(in->request, id) == line);
  }
  const std::string line = encode_request(o, "r7");
  auto back = std::get<NewOrder>(decode_request(line.substr(0, line.size() - 1))->request);
  CHECK(back.price == o.price);
  CHECK(back.stop_price == o.stop_price);
  CHECK(back.qty == o.qty);
}

TEST_CASE("encodes an accepted event with seq and id, decimals as strings", "[gateway][codec]") {
  Outbound out{0, "demo", 7, "r1", Accepted{"c1"}};
  CHECK(encode_event(out) == "{\"event\":\"accepted\",\"seq\":7,\"id\":\"r1\",\"client_order_id\":\"c1\"}\n");
  Outbound direct{3, "demo", 0, "", Error{"unknown_field", "foo", "foo is not a field of new", std::nullopt}};
  CHECK(encode_event(direct) ==
        "{\"event\":\"error\",\"code\":\"unknown_field\",\"field\":\"foo\",\"text\":\"foo is not a field of new\"}\n");
}

TEST_CASE("encodes an execution exactly", "[gateway][codec]") {
  Execution e;
  e.client_order_id = "c1";
  e.exec_id = "E1";
  e.exec_type = ExecType::trade;
  e.status = OrdStatus::filled;
  e.order_qty = qty("100");
  e.cum_qty = qty("100");
  e.leaves_qty = qty("0");
  e.last_qty = qty("60");
  e.last_px = px("2500.5");
  e.avg_px = px("2500.3");
  CHECK(encode_event(Outbound{0, "demo", 9, "", e}) ==
        "{\"event\":\"execution\",\"seq\":9,\"client_order_id\":\"c1\",\"exec_id\":\"E1\",\"exec_type\":\"trade\","
        "\"status\":\"filled\",\"order_qty\":\"100\",\"cum_qty\":\"100\",\"leaves_qty\":\"0\",\"last_qty\":\"60\","
        "\"last_px\":\"2500.5\",\"avg_px\":\"2500.3\"}\n");
}

TEST_CASE("escapes control characters, quotes and invalid UTF-8 in text", "[gateway][codec]") {
  Outbound out{0, "demo", 0, "", Rejected{"c1", RejectReason::risk_limit, "a\"b\\c\nd\x01 \xe6\x97\xa5 \xff", "", ""}};
  const std::string line = encode_event(out);
  CHECK(line == "{\"event\":\"rejected\",\"client_order_id\":\"c1\",\"reason\":\"risk_limit\","
                "\"text\":\"a\\\"b\\\\c\\nd\\u0001 \xe6\x97\xa5 \\ufffd\"}\n");
  CHECK(is_valid_utf8(line));
  auto back = decode_event(line);
  REQUIRE(back);
  CHECK(std::get<Rejected>(back->event).text == "a\"b\\c\nd\x01 \xe6\x97\xa5 \xef\xbf\xbd");
}

TEST_CASE("round-trips every event through decode_event", "[gateway][codec]") {
  OrderSnapshot snap;
  snap.client_order_id = "c1";
  snap.account = "ACC1";
  snap.symbol = "7203";
  snap.side = Side::buy;
  snap.status = OrdStatus::partially_filled;
  snap.order_qty = qty("100");
  snap.cum_qty = qty("40");
  snap.leaves_qty = qty("60");
  snap.avg_px = px("2500.25");
  snap.price = px("2501");
  snap.fix_chain = {"c1", "c1-r"};
  snap.pending = "cancel";
  Execution ex;
  ex.client_order_id = "c1";
  ex.exec_id = "X";
  ex.exec_type = ExecType::partial_fill;
  ex.status = OrdStatus::partially_filled;
  ex.cum_qty = qty("40");
  ex.text = "partial";
  const std::vector<Event> events{Accepted{"c1"},
                                  Rejected{"c2", RejectReason::duplicate_client_order_id, "seen", "max_order_qty", "1000"},
                                  ex,
                                  CancelRejected{"c1-x", "c1", "too late"},
                                  Break{"", "unknown_order", "ExecID 9 for no order"},
                                  SessionStatus{"broker-a", true},
                                  snap,
                                  OrderList{{snap, snap}},
                                  Error{"invalid_json", "", "invalid JSON at byte 3: x", 3},
                                  Welcome{"demo", 13},
                                  KillSwitchStatus{"session", "SIM", true, "ops", "line trouble", 3},
                                  KillSwitchStatus{"all", "", false, "auto", "", 0},
                                  LimitChanged{"symbol", "7203", "lot_size", "100", "ops", "TSE lot"},
                                  LimitChanged{"defaults", "", "max_order_qty", std::nullopt, "ops", ""},
                                  SessionList{{{"SIM", true, true, 12, 9, "", false},
                                               {"BAK", false, false, 1, 1, "Logout: MsgSeqNum too low, expecting 41 but received 1", true}}},
                                  SessionCommandDone{"SIM", "set_seq", 42, std::nullopt, "ops", "agreed"},
                                  PolicyReloaded{true, "ops", "close"}};
  for (const auto& ev : events) {
    const Outbound out{0, "demo", 5, "q", ev};
    const std::string line = encode_event(out);
    INFO(line);
    auto back = decode_event(line);
    if (!back) UNSCOPED_INFO(back.error().code << " " << back.error().field << " " << back.error().text);
    REQUIRE(back);
    CHECK(back->seq == 5);
    CHECK(back->request_id == "q");
    CHECK(event_name(back->event) == event_name(ev));
    CHECK(encode_event(Outbound{0, "demo", 5, "q", back->event}) == line);
  }
}

TEST_CASE("omits seq 0 and an empty id", "[gateway][codec]") {
  const std::string line = encode_event(Outbound{1, "demo", 0, "", SessionStatus{"s", false}});
  CHECK(line == "{\"event\":\"session\",\"session\":\"s\",\"up\":false}\n");
}

TEST_CASE("validates UTF-8 strictly", "[gateway][codec]") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xe6\x97\xa5\xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc0\x80"));          // overlong NUL
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe6\x97"));          // truncated
  CHECK_FALSE(is_framing_error("invalid_utf8"));  // a bad line that ends is skipped, the stream goes on
  CHECK(is_framing_error("line_too_long"));
  CHECK_FALSE(is_framing_error("invalid_json"));
}

TEST_CASE("prints decimals exactly as the core's to_string does", "[gateway][codec]") {
  const std::vector<std::int64_t> units{0, 1, -1, 5, 10, 123456789, 100000000, 250050000000, -250050000000,
                                        99999999, 12345678901234567, INT64_MAX, INT64_MIN};
  for (auto u : units) {
    const auto p = Price::from_units(u);
    const auto q = Qty::from_units(u);
    OrderSnapshot s;
    s.avg_px = p;
    s.order_qty = q;
    const std::string line = encode_event(Outbound{0, "", 0, "", s});
    INFO(u);
    CHECK(line.find("\"avg_px\":\"" + p.to_string() + "\"") != std::string::npos);
    CHECK(line.find("\"order_qty\":\"" + q.to_string() + "\"") != std::string::npos);
  }
}

TEST_CASE("decodes string escapes, surrogate pairs and nested unknown values", "[gateway][codec]") {
  std::string id;
  auto in = decode_request(R"({"op":"list","id":"a\/b","account":"\u0041CC1"})", id);
  REQUIRE(in);
  CHECK(id == "a/b");
  CHECK(std::get<ListOrders>(in->request).account == std::optional<std::string>("ACC1"));
  auto hello = decode_as<Hello>(R"({"op":"hello","client":"demo","token":"\ud83d\ude00 \u00e9\n"})");
  CHECK(hello.token == "\xf0\x9f\x98\x80 \xc3\xa9\n");
  auto deep = decode_request(R"({"op":"list","x":{"a":[1,-2.5e3,true,false,null,"s",{"b":[]}]}})");
  REQUIRE_FALSE(deep);
  CHECK(deep.error().code == "unknown_field");
  CHECK(deep.error().field == "x");
  const std::string too_deep = R"({"op":"list","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  CHECK(decode_request(too_deep).error().code == "invalid_json");
  CHECK(decode_request("").error().code == "invalid_json");
  CHECK(decode_request(R"({"op":"hello","client":"demo","token":"t","resume_from":18446744073709551616})").error().code ==
        "wrong_type");
}
