// SPDX-License-Identifier: Apache-2.0
// The export row: names for ExecType and OrdStatus with the codes beside them, the reason and by
// columns, and CSV cells a spreadsheet would run as a formula.

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "export.hpp"

using namespace fixgate::journal_tool;
using fixgate::journal::RecordKind;

namespace {

/// The row of one record as column name -> value.
std::map<std::string, std::string> row_of(RecordKind kind, std::string stream, std::string payload) {
  for (char& c : payload) {
    if (c == '|') c = '\x01';
  }
  fixgate::journal::RecordView r;
  r.seq = 7;
  r.timestamp_ns = 1795694400000000000LL;
  r.kind = kind;
  r.stream = stream;
  r.payload = payload;
  const auto values = export_row(r);
  const auto& columns = export_columns();
  REQUIRE(values.size() == columns.size());
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < columns.size(); ++i) out[columns[i]] = values[i];
  return out;
}

}  // namespace

TEST_CASE("export columns only grow: the new ones come after payload") {
  const auto& c = export_columns();
  REQUIRE(c.size() == 28);
  CHECK(c[23] == "payload");
  CHECK(c[24] == "exec_type_code");
  CHECK(c[25] == "ord_status_code");
  CHECK(c[26] == "reason");
  CHECK(c[27] == "by");
}

TEST_CASE("ExecType and OrdStatus are names in every row, with the FIX code in its own column") {
  auto fix44 = row_of(RecordKind::fix_in, "SIM", "8=FIX.4.4|35=8|11=FG1|17=E1|150=F|39=1|58=partly|");
  CHECK(fix44["exec_type"] == "trade");
  CHECK(fix44["exec_type_code"] == "F");
  CHECK(fix44["ord_status"] == "partially_filled");
  CHECK(fix44["ord_status_code"] == "1");
  CHECK(fix44["reason"] == "partly");

  auto fix42 = row_of(RecordKind::fix_in, "SIM", "8=FIX.4.2|35=8|11=FG1|17=E1|150=2|39=2|");
  CHECK(fix42["exec_type"] == "fill");
  CHECK(fix42["exec_type_code"] == "2");
  CHECK(fix42["ord_status"] == "filled");

  auto upstream = row_of(RecordKind::upstream_event, "demo",
                         R"({"event":"execution","seq":3,"client_order_id":"c1","exec_id":"E1","exec_type":"canceled","status":"canceled"})");
  CHECK(upstream["exec_type"] == "canceled");
  CHECK(upstream["exec_type_code"] == "4");
  CHECK(upstream["ord_status"] == "canceled");
  CHECK(upstream["ord_status_code"] == "4");

  auto unknown = row_of(RecordKind::fix_in, "SIM", "8=FIX.4.4|35=8|150=Z|39=Q|");
  CHECK(unknown["exec_type"] == "Z");  // a value we have no name for stays as sent
  CHECK(unknown["exec_type_code"] == "Z");
  CHECK(unknown["ord_status"] == "Q");
}

TEST_CASE("reason and by say why and who, for rejects and admin actions") {
  auto rejected = row_of(RecordKind::upstream_event, "demo",
                         R"({"event":"rejected","seq":2,"client_order_id":"c9","reason":"risk_limit","text":"max_order_qty: too big"})");
  CHECK(rejected["reason"] == "risk_limit");
  CHECK(rejected["by"].empty());

  auto kill = row_of(RecordKind::upstream_request, "ops", R"({"op":"kill","scope":"account","target":"ACC1","reason":"runaway algo"})");
  CHECK(kill["msg_type"] == "kill");
  CHECK(kill["reason"] == "runaway algo");
  CHECK(kill["by"] == "ops");

  auto status = row_of(RecordKind::upstream_event, "demo",
                       R"({"event":"kill_switch","seq":4,"scope":"account","target":"ACC1","engaged":true,"by":"ops","reason":"runaway algo"})");
  CHECK(status["by"] == "ops");
  CHECK(status["reason"] == "runaway algo");

  auto reload = row_of(RecordKind::engine_event, "signal",
                      R"x(audit {"action":"reload","source":"SIGHUP from pid 7 (uid 0)","outcome":"unchanged"})x");
  CHECK(reload["msg_type"] == "audit");
  CHECK(reload["by"] == "SIGHUP from pid 7 (uid 0)");
  CHECK(row_of(RecordKind::engine_event, "ops", R"(audit {"request_seq":3,"outcome":"done"})")["by"] == "ops");

  auto order = row_of(RecordKind::upstream_request, "demo", R"({"op":"new","client_order_id":"c1","account":"A"})");
  CHECK(order["by"].empty());  // who sent an order is the stream; `by` is for admin actions
}

TEST_CASE("CSV cells a spreadsheet would take for a formula are escaped with a leading quote") {
  CHECK(csv_field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(csv_field("+1") == "'+1");
  CHECK(csv_field("-5") == "'-5");
  CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_field("\tx") == "'\tx");
  CHECK(csv_field("=a,b") == "\"'=a,b\"");
  CHECK(csv_field("a=b") == "a=b");
  CHECK(csv_field("8=FIX.4.4|35=8|") == "8=FIX.4.4|35=8|");
}
