// SPDX-License-Identifier: Apache-2.0
// Time parsing and printing, FIX splitting and the record filter of fixgate-journal.

#include <catch2/catch.hpp>

#include "common.hpp"
#include "dictionary.hpp"

using namespace fixgate::journal_tool;

TEST_CASE("ISO 8601 UTC times parse to nanoseconds since the epoch") {
  // Values from Python's calendar.timegm, not from the code under test.
  CHECK(parse_time("2026-11-26T12:00:00Z") == 1795694400000000000LL);
  CHECK(parse_time("2026-11-26T12:00:00") == 1795694400000000000LL);
  CHECK(parse_time("2026-11-26T12:00:00.5Z") == 1795694400500000000LL);
  CHECK(parse_time("2026-11-26T12:00:00.000000001Z") == 1795694400000000001LL);
  CHECK(parse_time("2000-02-29T23:59:59.123456789Z") == 951868799123456789LL);
  CHECK(parse_time("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_time("2026-11-26") == 1795651200000000000LL);
  CHECK(parse_time("2026-11-26T12:00Z") == 1795694400000000000LL);
  CHECK(parse_time("2026-11-26T12:00:00+00:00") == 1795694400000000000LL);
}

TEST_CASE("RFC 3339 times with an offset parse to the same instant in UTC") {
  // Values from Python's datetime.fromisoformat(...).timestamp(), not from the code under test.
  CHECK(parse_time("2026-11-26T13:00:00+01:00") == 1795694400000000000LL);
  CHECK(parse_time("2026-11-26T07:00:00-05:00") == 1795694400000000000LL);
  CHECK(parse_time("2026-11-26T17:30:00.25+05:30") == 1795694400250000000LL);
  CHECK(parse_time("2026-11-26T00:30:00+01:00") == 1795649400000000000LL);  // the day before in UTC
  CHECK(parse_time("2026-11-26t12:00:00z") == 1795694400000000000LL);
}

TEST_CASE("nanoseconds since the epoch are accepted as they are") {
  CHECK(parse_time("1795694400000000000") == 1795694400000000000LL);
  CHECK(parse_time("0") == 0);
}

TEST_CASE("malformed times are refused") {
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "2026-11-26T24:00:00Z",
                          "2026-11-26T12:00:00.Z", "2026-11-26T12:00:00.1234567890Z", "2026-11-26T12:00:00+24:00",
                          "2026-11-26T12:00:00+01:60", "2026-11-26T12:00:00+1:00", "2026-11-26T12:00:00+01",
                          "2026-11-26T12:00:00+01:00Z", "2026-11-26T12:00:00 +01:00",
                          "2026/11/26", "99999999999999999999", "-5"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("times print as ISO 8601 with nine fractional digits and round-trip") {
  CHECK(format_time(1795694400000000000LL) == "2026-11-26T12:00:00.000000000Z");
  CHECK(format_time(951868799123456789LL) == "2000-02-29T23:59:59.123456789Z");
  CHECK(format_time(0) == "1970-01-01T00:00:00.000000000Z");
  for (const std::int64_t ns : {1LL, 1795700827883624720LL, 4102444799999999999LL}) {
    CHECK(parse_time(format_time(ns)) == ns);
  }
}

TEST_CASE("raw FIX splits into tags and values") {
  const auto fields = split_fix("8=FIX.4.4\x01" "35=8\x01" "58=a=b\x01" "junk\x01" "10=000\x01");
  REQUIRE(fields.size() == 5);
  CHECK(fields[0].tag == 8);
  CHECK(fields[0].value == "FIX.4.4");
  CHECK(fields[2].tag == 58);
  CHECK(fields[2].value == "a=b");
  CHECK(fields[3].tag == 0);
  CHECK(fields[4].value == "000");
  CHECK(printable("8=FIX.4.4\x01" "35=0\x01\n") == "8=FIX.4.4|35=0|");
}

TEST_CASE("facts come out of FIX and upstream records alike") {
  fixgate::journal::RecordView fix;
  fix.kind = fixgate::journal::RecordKind::fix_in;
  fix.payload = "8=FIX.4.4\x01" "35=8\x01" "43=Y\x01" "11=FG1\x01" "37=O1\x01" "17=E1\x01" "54=5\x01" "55=IBM\x01" "32=10\x01" "31=1.5\x01";
  const auto f = facts_of(fix);
  CHECK(f.msg_type == "8");
  CHECK(f.cl_ord_id == "FG1");
  CHECK(f.order_id == "O1");
  CHECK(f.side == "sell_short");
  CHECK(f.poss_dup);
  CHECK(f.last_qty == "10");
  fixgate::journal::RecordView up;
  up.kind = fixgate::journal::RecordKind::upstream_request;
  up.payload = "{\"op\":\"cancel\",\"client_order_id\":\"c1-x\",\"orig_client_order_id\":\"c1\"}\n";
  const auto u = facts_of(up);
  CHECK(u.msg_type == "cancel");
  CHECK(u.client_order_id == "c1-x");
  CHECK(u.orig_client_order_id == "c1");
}

TEST_CASE("the filter checks kind, stream, direction, time and message type") {
  Filter filter;
  filter.direction = "in";
  filter.msg_types = {"8"};
  filter.from_ns = 100;
  filter.to_ns = 200;
  fixgate::journal::RecordView r;
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.timestamp_ns = 150;
  r.payload = "8=FIX.4.4\x01" "9=5\x01" "35=8\x01";
  CHECK(filter.matches(r));
  r.timestamp_ns = 201;
  CHECK_FALSE(filter.matches(r));
  r.timestamp_ns = 200;
  r.kind = fixgate::journal::RecordKind::fix_out;
  CHECK_FALSE(filter.matches(r));
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.payload = "8=FIX.4.4\x01" "9=5\x01" "35=D\x01";
  CHECK_FALSE(filter.matches(r));
  filter.msg_types = {"accepted"};
  r.kind = fixgate::journal::RecordKind::upstream_event;
  filter.direction = "out";
  r.payload = "{\"event\":\"accepted\",\"seq\":1}\n";
  CHECK(filter.matches(r));
}

TEST_CASE("arguments: options with values, flags, comma lists and precise errors") {
  const char* raw[] = {"fixgate-journal", "show", "DIR", "--type", "8,D", "--type=G", "--follow", "--session", "SIM"};
  char* argv[9];
  for (int i = 0; i < 9; ++i) argv[i] = const_cast<char*>(raw[i]);
  const Args args("show", 9, argv, 2, {"--type", "--session"}, {"--follow"});
  CHECK(args.dir() == "DIR");
  CHECK(args.list("--type") == std::vector<std::string>{"8", "D", "G"});
  CHECK(args.has("--follow"));
  CHECK(args.get("--session") == "SIM");
  CHECK_FALSE(args.get("--from").has_value());

  const char* bad[] = {"fixgate-journal", "show", "DIR", "--colour", "never"};
  char* bad_argv[5];
  for (int i = 0; i < 5; ++i) bad_argv[i] = const_cast<char*>(bad[i]);
  CHECK_THROWS_WITH(Args("show", 5, bad_argv, 2, {"--color"}, {}),
                    Catch::Contains("fixgate-journal show") && Catch::Contains("unknown option --colour"));
  CHECK_THROWS_WITH(Args("show", 4, bad_argv, 2, {"--colour"}, {}),
                    Catch::Contains("--colour: 1 required VALUE missing"));

  const char* filters[] = {"fixgate-journal", "show", "DIR", "--kind", "fix_in,nonsense"};
  char* filter_argv[5];
  for (int i = 0; i < 5; ++i) filter_argv[i] = const_cast<char*>(filters[i]);
  const Args with_kind("show", 5, filter_argv, 2, filter_options(), {});
  CHECK_THROWS_WITH(parse_filter(with_kind, nullptr), Catch::Contains("--kind \"nonsense\""));
}

namespace {

/// Parses `--type VALUE` for show as the command line would.
Filter type_filter(const std::string& value) {
  static const auto dicts = Dictionaries::load(default_spec_dir());
  std::vector<std::string> words{"fixgate-journal", "show", "DIR", "--type", value};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  const Args args("show", static_cast<int>(argv.size()), argv.data(), 2, filter_options(), {});
  return parse_filter(args, &dicts);
}

}  // namespace

TEST_CASE("--type takes MsgType codes, dictionary names and upstream op/event names, nothing else") {
  CHECK(type_filter("8").msg_types == std::set<std::string>{"8"});
  CHECK(type_filter("ExecutionReport,D").msg_types == std::set<std::string>{"8", "D"});
  CHECK(type_filter("new,accepted,set_limit,kill_switch").msg_types ==
        std::set<std::string>{"new", "accepted", "set_limit", "kill_switch"});
  CHECK_THROWS_WITH(type_filter("execution_report_x"), Catch::Contains("--type \"execution_report_x\""));
  CHECK_THROWS_WITH(type_filter("ZZ"), Catch::Contains("--type \"ZZ\""));
  CHECK_THROWS_WITH(type_filter("Execution"), Catch::Contains("--type \"Execution\""));
}
