// SPDX-License-Identifier: Apache-2.0
// Broker CSV reading (RFC 4180, errors with file:line and column), export quoting, which journal
// records are fills, and the reconciliation of both sides.

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>

#include "common.hpp"
#include "export.hpp"
#include "recon.hpp"

using namespace fixgate::journal_tool;
using fixgate::Price;
using fixgate::Qty;

namespace {

const std::string header = "exec_id,order_id,side,symbol,qty,price,time\n";

Execution exec(std::string id, std::string order, std::string side, std::string symbol, const char* qty,
               const char* price, bool poss_dup = false) {
  Execution e;
  e.exec_id = std::move(id);
  e.order_id = std::move(order);
  e.side = std::move(side);
  e.symbol = std::move(symbol);
  e.qty = *Qty::parse(qty);
  e.price = *Price::parse(price);
  e.poss_dup = poss_dup;
  e.where = "test";
  return e;
}

std::set<std::pair<std::string, std::string>> kinds(const ReconResult& r) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& b : r.breaks) out.emplace(b.kind, b.exec_id);
  return out;
}

}  // namespace

TEST_CASE("broker CSV: plain, quoted and CRLF records") {
  const auto rows = read_broker_csv(header +
                                        "E1,O1,buy,7203,150,2500.5,2026-11-26T13:47:07.883577Z\r\n"
                                        "\"E,2\",\"O\"\"1\",sell,\"HOLD 1\",0.0001,0.00000001,2026-11-26T13:47:07Z\n"
                                        "\n",
                                    "b.csv");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].exec_id == "E1");
  CHECK(rows[0].qty == *Qty::parse("150"));
  CHECK(rows[0].price == *Price::parse("2500.5"));
  CHECK(rows[0].where == "b.csv:2");
  CHECK(rows[1].exec_id == "E,2");
  CHECK(rows[1].order_id == "O\"1");
  CHECK(rows[1].symbol == "HOLD 1");
  CHECK(rows[1].qty.units() == 1);
  CHECK(rows[1].price == Price::from_units(1));
  CHECK(rows[1].where == "b.csv:3");
}

TEST_CASE("broker CSV errors name the file, line and column") {
  CHECK_THROWS_WITH(read_broker_csv("", "b.csv"), Catch::Contains("b.csv:1"));
  CHECK_THROWS_WITH(read_broker_csv("exec_id,qty\n", "b.csv"), Catch::Contains("b.csv:1") && Catch::Contains("header"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,buy,7203,abc,1,2026-11-26T00:00:00Z\n", "b.csv"),
                    Catch::Contains("b.csv:2") && Catch::Contains("column 5 (qty)"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,buy,7203,1,1,2026-11-26T00:00:00Z\nE2,O1,buy,7203,1,1.5e3,2026-11-26T00:00:00Z\n", "b.csv"),
                    Catch::Contains("b.csv:3") && Catch::Contains("column 6 (price)"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,up,7203,1,1,2026-11-26T00:00:00Z\n", "b.csv"),
                    Catch::Contains("column 3 (side)"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,buy,7203,1,1\n", "b.csv"), Catch::Contains("b.csv:2") && Catch::Contains("6 columns"));
  CHECK_THROWS_WITH(read_broker_csv(header + "\"E1,O1,buy,7203,1,1,x\n", "b.csv"), Catch::Contains("never closed"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,buy,7203,1,1,noon\n", "b.csv"), Catch::Contains("column 7 (time)"));
  CHECK_THROWS_WITH(read_broker_csv(header + "E1,O1,buy,7203,-1,1,2026-11-26T00:00:00Z\n", "b.csv"), Catch::Contains("qty"));
}

TEST_CASE("export CSV fields are quoted per RFC 4180 only when needed") {
  CHECK(csv_field("abc") == "abc");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_line({"1", "a,b", ""}) == "1,\"a,b\",\r\n");
}

TEST_CASE("only trade reports with a quantity are fills") {
  fixgate::journal::RecordView r;
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.stream = "SIM";
  r.payload = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "37=O1\x01" "54=1\x01" "55=IBM\x01" "150=F\x01" "32=100\x01" "31=10.5\x01";
  auto fill = journal_fill(r);
  REQUIRE(fill.has_value());
  CHECK(fill->qty == *Qty::parse("100"));
  CHECK(fill->price == *Price::parse("10.5"));
  CHECK(fill->side == "buy");
  r.payload = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=F\x01" "32=0\x01";
  CHECK_FALSE(journal_fill(r).has_value());
  r.payload = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=I\x01" "32=5\x01";
  CHECK_FALSE(journal_fill(r).has_value());
  r.payload = "8=FIX.4.2\x01" "35=8\x01" "17=E1\x01" "20=0\x01" "150=1\x01" "32=5\x01" "31=1\x01";
  CHECK(journal_fill(r).has_value());
  r.payload = "8=FIX.4.2\x01" "35=8\x01" "17=E1\x01" "20=3\x01" "150=2\x01" "32=5\x01" "31=1\x01";  // status
  CHECK_FALSE(journal_fill(r).has_value());
  r.kind = fixgate::journal::RecordKind::fix_out;
  r.payload = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=F\x01" "32=5\x01";
  CHECK_FALSE(journal_fill(r).has_value());
}

TEST_CASE("broker prices past 8 decimals are read exactly on both sides") {
  const auto rows = read_broker_csv(header + "E1,O1,buy,7203,1,9.96666666666667,2026-11-26T00:00:00Z\n", "b.csv");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].price.to_string() == "9.96666666666667");
  fixgate::journal::RecordView r;
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.payload = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=F\x01" "32=1\x01" "31=9.96666666666667\x01";
  REQUIRE(journal_fill(r).has_value());
  CHECK(journal_fill(r)->price == rows[0].price);
}

TEST_CASE("only fills the engine applied count, not copies the session layer threw away") {
  using fixgate::journal::RecordKind;
  AppliedFills applied;
  auto add = [&](std::uint64_t seq, RecordKind kind, std::string payload) {
    fixgate::journal::RecordView r;
    r.seq = seq;
    r.kind = kind;
    r.stream = "SIM";
    r.payload = payload;
    applied.add(r);
  };
  const std::string fill = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=F\x01" "32=100\x01" "31=10\x01";
  const std::string garbled = "8=FIX.4.4\x01" "35=8\x01" "17=E1\x01" "150=F\x01" "32=170\x01" "31=10\x01";
  add(1, RecordKind::fix_in, garbled);  // refused by the session layer: no marker ever names it
  add(2, RecordKind::fix_in, fill);
  add(3, RecordKind::engine_event, "apply_fix 2");
  add(4, RecordKind::engine_event,
      "apply_raw 8=FIX.4.4\x01" "35=8\x01" "17=E2\x01" "150=F\x01" "32=5\x01" "31=10.5\x01");
  add(5, RecordKind::fix_in, "8=FIX.4.4\x01" "35=8\x01" "17=E3\x01" "150=F\x01" "32=5\x01" "31=10\x01");
  add(6, RecordKind::engine_event, "apply_fix 9 sent D FG1");  // a reject's marker: names no fill
  REQUIRE(applied.fills().size() == 2);
  CHECK(applied.fills()[0].exec_id == "E1");
  CHECK(applied.fills()[0].qty == *Qty::parse("100"));
  CHECK(applied.fills()[1].exec_id == "E2");
  CHECK(applied.not_applied() == 2);  // the garbled copy, and E3 still waiting for its marker
  const std::vector<Execution> broker{exec("E1", "", "", "", "100", "10"), exec("E2", "", "", "", "5", "10.5")};
  CHECK(reconcile(applied.fills(), broker).breaks.empty());
}

TEST_CASE("identical books reconcile with no break; decimals compare exactly") {
  const std::vector<Execution> ours{exec("E1", "O1", "buy", "IBM", "100", "10.50"), exec("E2", "O1", "buy", "IBM", "50", "10.5")};
  const std::vector<Execution> theirs{exec("E2", "O1", "buy", "IBM", "50.0000", "10.50000000"), exec("E1", "O1", "buy", "IBM", "100", "10.5")};
  const auto r = reconcile(ours, theirs);
  CHECK(r.breaks.empty());
  CHECK(r.matched == 2);
}

TEST_CASE("every kind of break is found, once, with its ExecID") {
  const std::vector<Execution> ours{
      exec("A", "O1", "buy", "IBM", "100", "10"),    // missing in broker
      exec("B", "O1", "buy", "IBM", "100", "10"),    // qty
      exec("C", "O1", "buy", "IBM", "100", "10"),    // price
      exec("D", "O1", "buy", "IBM", "100", "10"),    // side
      exec("E", "O1", "buy", "IBM", "100", "10"),    // symbol
      exec("F", "O1", "buy", "IBM", "100", "10"),    // order id
      exec("G", "O1", "buy", "IBM", "100", "10"),    // duplicated in the broker file
      exec("H", "O1", "buy", "IBM", "100", "10"),    // duplicated in the journal
      exec("H", "O1", "buy", "IBM", "100", "10"),
      exec("I", "O1", "buy", "IBM", "100", "10"),    // resent with PossDup: not a break
      exec("I", "O1", "buy", "IBM", "100", "10", true),
  };
  const std::vector<Execution> theirs{
      exec("B", "O1", "buy", "IBM", "100.0001", "10"), exec("C", "O1", "buy", "IBM", "100", "10.00000001"),
      exec("D", "O1", "sell", "IBM", "100", "10"),     exec("E", "O1", "buy", "IBMX", "100", "10"),
      exec("F", "O2", "buy", "IBM", "100", "10"),      exec("G", "O1", "buy", "IBM", "100", "10"),
      exec("G", "O1", "buy", "IBM", "100", "10"),      exec("H", "O1", "buy", "IBM", "100", "10"),
      exec("I", "O1", "buy", "IBM", "100", "10"),      exec("Z", "O9", "buy", "IBM", "1", "1"),
  };
  const auto r = reconcile(ours, theirs);
  const std::set<std::pair<std::string, std::string>> expected{
      {"missing_in_broker", "A"}, {"qty_mismatch", "B"},      {"price_mismatch", "C"},
      {"side_mismatch", "D"},     {"symbol_mismatch", "E"},   {"order_id_mismatch", "F"},
      {"duplicate_in_broker", "G"}, {"duplicate_in_journal", "H"}, {"missing_in_journal", "Z"},
  };
  CHECK(kinds(r) == expected);
  CHECK(r.breaks.size() == expected.size());
  CHECK(r.matched == 3);  // G, H, I
  CHECK(r.by_kind().size() == 9);
}

TEST_CASE("one record with several differences reports each") {
  const auto r = reconcile({exec("A", "O1", "buy", "IBM", "100", "10")}, {exec("A", "O2", "sell", "IBM", "99", "10")});
  CHECK(kinds(r) == std::set<std::pair<std::string, std::string>>{
                        {"qty_mismatch", "A"}, {"side_mismatch", "A"}, {"order_id_mismatch", "A"}});
  CHECK(r.matched == 0);
}
