// SPDX-License-Identifier: Apache-2.0
// spec/FIX44.xml and spec/FIX42.xml load in QuickFIX and accept what fixgate and the simulator send,
// while refusing what a strict counterparty would refuse.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "fixgate/fix/quickfix.hpp"

namespace {

std::string spec_path(const std::string& file) {
  const char* root = std::getenv("FIXGATE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/spec/" + file;
}

void stamp_header(FIX::Message& msg) {
  auto& header = msg.getHeader();
  header.setField(FIX::SenderCompID("FIXGATE"));
  header.setField(FIX::TargetCompID("SIM"));
  header.setField(FIX::MsgSeqNum(7));
  header.setField(FIX::SendingTime());
}

// Serialise and parse back so BodyLength/CheckSum exist and groups are read with the dictionary.
void validate_wire(const FIX::DataDictionary& dd, FIX::Message& msg) {
  stamp_header(msg);
  const std::string wire = msg.toString();
  FIX::Message parsed(wire, dd, true);
  dd.validate(parsed);
}

FIX44::NewOrderSingle nos44() {
  FIX44::NewOrderSingle nos(FIX::ClOrdID("C1"), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                            FIX::OrdType(FIX::OrdType_LIMIT));
  nos.setField(FIX::Symbol("AAPL"));
  nos.setField(FIX::Account("ACC1"));
  nos.setField(FIX::FIELD::OrderQty, "100");
  nos.setField(FIX::FIELD::Price, "189.25");
  nos.setField(FIX::TimeInForce(FIX::TimeInForce_DAY));
  nos.setField(FIX::HandlInst('1'));
  return nos;
}

FIX42::NewOrderSingle nos42() {
  FIX42::NewOrderSingle nos(FIX::ClOrdID("C1"), FIX::HandlInst('1'), FIX::Symbol("AAPL"),
                            FIX::Side(FIX::Side_SELL), FIX::TransactTime(),
                            FIX::OrdType(FIX::OrdType_LIMIT));
  nos.setField(FIX::FIELD::OrderQty, "250");
  nos.setField(FIX::FIELD::Price, "10.5");
  nos.setField(FIX::ExDestination("XNAS"));
  return nos;
}

}  // namespace

TEST_CASE("both dictionaries load and name their version", "[fix]") {
  FIX::DataDictionary dd44(spec_path("FIX44.xml"));
  FIX::DataDictionary dd42(spec_path("FIX42.xml"));
  CHECK(dd44.getVersion() == "FIX.4.4");
  CHECK(dd42.getVersion() == "FIX.4.2");
  std::string name;
  REQUIRE(dd44.getValueName(39, "2", name));
  CHECK(name == "Filled");
  REQUIRE(dd42.getValueName(150, "1", name));
  CHECK(name == "PartialFill");
  REQUIRE(dd44.getFieldName(553, name));
  CHECK(name == "Username");
}

TEST_CASE("accepts a well-formed FIX 4.4 NewOrderSingle and ExecutionReport", "[fix]") {
  FIX::DataDictionary dd(spec_path("FIX44.xml"));
  auto nos = nos44();
  CHECK_NOTHROW(validate_wire(dd, nos));

  FIX44::ExecutionReport er(FIX::OrderID("O1"), FIX::ExecID("E1"), FIX::ExecType(FIX::ExecType_TRADE),
                            FIX::OrdStatus(FIX::OrdStatus_FILLED), FIX::Side(FIX::Side_BUY),
                            FIX::LeavesQty(0), FIX::CumQty(100), FIX::AvgPx(189.25));
  er.setField(FIX::ClOrdID("C1"));
  er.setField(FIX::Symbol("AAPL"));
  er.setField(FIX::FIELD::OrderQty, "100");
  er.setField(FIX::FIELD::LastQty, "100");
  er.setField(FIX::FIELD::LastPx, "189.25");
  er.setField(FIX::TransactTime());
  CHECK_NOTHROW(validate_wire(dd, er));
}

TEST_CASE("accepts a well-formed FIX 4.2 NewOrderSingle and ExecutionReport", "[fix]") {
  FIX::DataDictionary dd(spec_path("FIX42.xml"));
  auto nos = nos42();
  CHECK_NOTHROW(validate_wire(dd, nos));

  FIX42::ExecutionReport er(FIX::OrderID("O1"), FIX::ExecID("E1"),
                            FIX::ExecTransType(FIX::ExecTransType_NEW),
                            FIX::ExecType(FIX::ExecType_PARTIAL_FILL),
                            FIX::OrdStatus(FIX::OrdStatus_PARTIALLY_FILLED), FIX::Symbol("AAPL"),
                            FIX::Side(FIX::Side_SELL), FIX::LeavesQty(150), FIX::CumQty(100),
                            FIX::AvgPx(10.5));
  er.setField(FIX::FIELD::LastShares, "100");
  er.setField(FIX::FIELD::LastPx, "10.5");
  CHECK_NOTHROW(validate_wire(dd, er));
}

TEST_CASE("accepts a FIX 4.4 Logon with Username and Password", "[fix]") {
  FIX::DataDictionary dd(spec_path("FIX44.xml"));
  // quickfix.hpp does not pull in the FIX44::Logon class; a generic message is the same bytes.
  FIX::Message logon;
  logon.getHeader().setField(FIX::BeginString("FIX.4.4"));
  logon.getHeader().setField(FIX::MsgType("A"));
  logon.setField(FIX::EncryptMethod(0));
  logon.setField(FIX::HeartBtInt(30));
  logon.setField(FIX::ResetSeqNumFlag(true));
  logon.setField(FIX::Username("trader"));
  logon.setField(FIX::Password("secret"));
  CHECK_NOTHROW(validate_wire(dd, logon));
}

TEST_CASE("refuses a message missing a required field", "[fix]") {
  FIX::DataDictionary dd44(spec_path("FIX44.xml"));
  auto nos = nos44();
  nos.removeField(FIX::FIELD::Symbol);
  CHECK_THROWS_AS(validate_wire(dd44, nos), FIX::RequiredTagMissing);

  FIX::DataDictionary dd42(spec_path("FIX42.xml"));
  auto nos2 = nos42();
  nos2.removeField(FIX::FIELD::HandlInst);
  CHECK_THROWS_AS(validate_wire(dd42, nos2), FIX::RequiredTagMissing);
}

TEST_CASE("refuses a bad enum value", "[fix]") {
  FIX::DataDictionary dd44(spec_path("FIX44.xml"));
  auto nos = nos44();
  nos.setField(FIX::Side('Z'));
  CHECK_THROWS_AS(validate_wire(dd44, nos), FIX::IncorrectTagValue);

  // 150=1 (partial fill) exists in 4.2 only; 4.4 reports trades as F.
  FIX44::ExecutionReport er(FIX::OrderID("O1"), FIX::ExecID("E1"), FIX::ExecType('1'),
                            FIX::OrdStatus(FIX::OrdStatus_PARTIALLY_FILLED), FIX::Side(FIX::Side_BUY),
                            FIX::LeavesQty(50), FIX::CumQty(50), FIX::AvgPx(1));
  er.setField(FIX::Symbol("AAPL"));
  CHECK_THROWS_AS(validate_wire(dd44, er), FIX::IncorrectTagValue);
}

TEST_CASE("refuses a field the message type does not carry", "[fix]") {
  FIX::DataDictionary dd42(spec_path("FIX42.xml"));
  auto nos = nos42();
  nos.setField(FIX::Username("u"));  // tag 553 does not exist in FIX 4.2
  CHECK_THROWS(validate_wire(dd42, nos));
}
