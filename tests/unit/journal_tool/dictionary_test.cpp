// SPDX-License-Identifier: Apache-2.0
// The data dictionary reader and the show rendering built on it.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "common.hpp"
#include "dictionary.hpp"
#include "render.hpp"

using namespace fixgate::journal_tool;

namespace {

std::string spec_dir() {
  const char* root = std::getenv("FIXGATE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/spec";
}

}  // namespace

TEST_CASE("a small QuickFIX dictionary parses, entities included") {
  const auto d = Dictionary::parse(R"(<fix major="4" minor="4">
  <header><field name="BeginString" required="Y"/></header>
  <fields>
    <field number="8" name="BeginString" type="STRING"/>
    <field number="54" name="Side" type="CHAR">
      <value enum="1" description="BUY"/>
      <value enum="2" description="Sell &amp; more"/>
    </field>
    <field number="5001" name="Custom" type="STRING"/>
  </fields>
</fix>)", "test.xml");
  CHECK(d.field_name(8) == "BeginString");
  CHECK(d.field_name(54) == "Side");
  CHECK(d.field_name(5001) == "Custom");
  CHECK(d.field_name(55).empty());
  CHECK(d.value_name(54, "1") == "BUY");
  CHECK(d.value_name(54, "2") == "Sell & more");
  CHECK(d.value_name(54, "9").empty());
  CHECK(d.tag_of("side") == 54);
  CHECK(d.field_count() == 3);
}

TEST_CASE("malformed dictionaries are refused with the file and line") {
  CHECK_THROWS_WITH(Dictionary::parse("<fix/>", "x.xml"), Catch::Contains("x.xml") && Catch::Contains("<fields>"));
  CHECK_THROWS_WITH(Dictionary::parse("<fix>\n<fields>\n<field number=\"abc\" name=\"X\"/>\n</fields></fix>", "y.xml"),
                    Catch::Contains("y.xml:3"));
  CHECK_THROWS_WITH(Dictionary::load("/nonexistent/FIX44.xml"), Catch::Contains("/nonexistent/FIX44.xml"));
}

TEST_CASE("the spec dictionaries name fields and values for both versions") {
  const auto dicts = Dictionaries::load(spec_dir());
  const auto& d44 = dicts.for_begin_string("FIX.4.4");
  CHECK(d44.field_name(11) == "ClOrdID");
  CHECK(d44.field_name(37) == "OrderID");
  CHECK(d44.value_name(35, "8") == "ExecutionReport");
  CHECK(d44.value_name(39, "2") == "Filled");
  CHECK(d44.value_name(54, "1") == "Buy");
  CHECK(d44.value_name(150, "F") == "Trade");
  const auto& d42 = dicts.for_begin_string("FIX.4.2");
  CHECK(d42.value_name(150, "2") == "Fill");
  CHECK(d42.field_name(20) == "ExecTransType");
  CHECK(dicts.msg_type_of_name("ExecutionReport") == "8");
  CHECK(dicts.msg_type_of_name("newordersingle") == "D");
  CHECK_FALSE(dicts.msg_type_of_name("NoSuchThing").has_value());
}

TEST_CASE("show renders FIX with names, upstream JSON as pairs, engine events as text") {
  const auto dicts = Dictionaries::load(spec_dir());
  const Renderer plain(dicts, false);
  fixgate::journal::RecordView r;
  r.seq = 7;
  r.timestamp_ns = 1795694400000000000LL;
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.stream = "SIM";
  r.payload = "8=FIX.4.4\x01" "9=20\x01" "35=8\x01" "11=FG1\x01" "39=2\x01" "54=1\x01" "9999=x\x01" "10=000\x01";
  std::string out;
  plain.render(r, out);
  CHECK(out.find("#7 2026-11-26T12:00:00.000000000Z fix_in SIM in 35=8 (ExecutionReport)\n") == 0);
  CHECK(out.find("ClOrdID") != std::string::npos);
  CHECK(out.find("11=FG1\n") != std::string::npos);
  CHECK(out.find("39=2 (Filled)") != std::string::npos);
  CHECK(out.find("54=1 (Buy)") != std::string::npos);
  CHECK(out.find("(tag 9999)") != std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);

  std::string coloured;
  Renderer(dicts, true).render(r, coloured);
  CHECK(coloured.find("\x1b[") != std::string::npos);

  r.kind = fixgate::journal::RecordKind::upstream_request;
  r.stream = "demo";
  r.payload = "{\"op\":\"new\",\"client_order_id\":\"c1\",\"qty\":\"100\"}\n";
  out.clear();
  plain.render(r, out);
  CHECK(out == "#7 2026-11-26T12:00:00.000000000Z upstream_request demo in new: client_order_id=c1 qty=100\n");

  r.kind = fixgate::journal::RecordKind::engine_event;
  r.stream = "SIM";
  r.payload = "apply_fix 5";
  out.clear();
  plain.render(r, out);
  CHECK(out.find("apply_fix 5 (applied the FIX message in record #5)") != std::string::npos);
  r.payload = "apply_fix 6 sent D FG1";  // a reject's marker names what it refers to
  out.clear();
  plain.render(r, out);
  CHECK(out.find("apply_fix 6 sent D FG1 (applied the FIX message in record #6)") != std::string::npos);
}

TEST_CASE("FIX 4.2 records are named from the 4.2 dictionary") {
  const auto dicts = Dictionaries::load(spec_dir());
  fixgate::journal::RecordView r;
  r.seq = 1;
  r.kind = fixgate::journal::RecordKind::fix_in;
  r.stream = "SIM42";
  r.payload = "8=FIX.4.2\x01" "35=8\x01" "20=0\x01" "150=2\x01" "39=2\x01" "10=000\x01";
  std::string out;
  Renderer(dicts, false).render(r, out);
  CHECK(out.find("ExecTransType          20=0 (New)") != std::string::npos);
  CHECK(out.find("150=2 (Fill)") != std::string::npos);
  CHECK(out.find("39=2 (Filled)") != std::string::npos);
}
