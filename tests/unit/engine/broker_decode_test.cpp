// SPDX-License-Identifier: Apache-2.0
// Broker messages as the session layer reads them (fix::decode, which recovery uses too): every
// FIX decimal a broker may send is read, and a value that truly cannot be read comes back naming
// the order and the execution it belongs to.

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "fixgate/fix/session_manager.hpp"

using namespace fixgate;

namespace {

/// A well-formed FIX message (BodyLength and CheckSum computed) with `body` after the header.
std::string fix_message(const std::string& version, const std::string& type,
                        const std::vector<std::pair<int, std::string>>& body) {
  std::string fields = "35=" + type + "\x01" "34=7\x01" "49=SIM\x01" "52=20261126-12:00:00.000\x01" "56=FIXGATE\x01";
  for (const auto& [tag, value] : body) fields += std::to_string(tag) + "=" + value + "\x01";
  std::string m = "8=" + version + "\x01" "9=" + std::to_string(fields.size()) + "\x01" + fields;
  unsigned sum = 0;
  for (unsigned char c : m) sum += c;
  char trailer[8];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return m + trailer;
}

std::vector<std::pair<int, std::string>> fill_fields(std::string last_px, std::string avg_px) {
  return {{6, std::move(avg_px)}, {11, "t-7"},  {14, "300"}, {17, "E-9"}, {31, std::move(last_px)},
          {32, "100"},            {37, "O-1"},  {38, "300"}, {39, "2"},   {54, "1"},
          {55, "7203"},           {150, "F"},   {151, "0"}};
}

}  // namespace

TEST_CASE("an execution report with prices past 8 decimals is read exactly, not dropped") {
  // As ordermatch (AvgPx) and jspurefix (LastPx) really sent them.
  const auto raw = fix_message("FIX.4.4", "8", fill_fields("9.959999999999999", "9.96666666666667"));
  const auto decoded = fix::decode("SIM", config::FixVersion::fix44, raw);
  const auto* report = std::get_if<order::ExecReport>(&decoded);
  if (const auto* bad = std::get_if<fix::Unreadable>(&decoded)) FAIL("unreadable: " << bad->problem);
  REQUIRE(report != nullptr);
  CHECK(report->last_px.to_string() == "9.959999999999999");
  CHECK(report->avg_px.to_string() == "9.96666666666667");
  CHECK(report->cum_qty == Qty::from_whole(300));
}

TEST_CASE("a FIX 4.2 fill with a long AvgPx is read as a trade") {
  auto fields = fill_fields("10", "9.96666666666667");
  fields[11] = {150, "2"};
  fields.push_back({20, "0"});
  const auto decoded = fix::decode("SIM", config::FixVersion::fix42, fix_message("FIX.4.2", "8", fields));
  const auto* report = std::get_if<order::ExecReport>(&decoded);
  REQUIRE(report != nullptr);
  CHECK(report->exec_type == ExecType::trade);
  CHECK(report->avg_px.to_string() == "9.96666666666667");
}

TEST_CASE("a value that cannot be read names the field, the order and the execution") {
  const auto raw = fix_message("FIX.4.4", "8", fill_fields("1e3", "10"));
  const auto decoded = fix::decode("SIM", config::FixVersion::fix44, raw);
  const auto* bad = std::get_if<fix::Unreadable>(&decoded);
  REQUIRE(bad != nullptr);
  CHECK(bad->problem == "tag 31 (LastPx): not a decimal: 1e3");
  CHECK(bad->cl_ord_id == "t-7");
  CHECK(bad->order_id == "O-1");
  CHECK(bad->exec_id == "E-9");
}

TEST_CASE("a BusinessMessageReject without BusinessRejectRefID keeps RefSeqNum to find what it refers to") {
  // QuickFIX's automatic answer to a message type the counterparty does not support.
  const auto raw = fix_message("FIX.4.2", "j", {{45, "22"}, {58, "Unsupported Message Type"}, {372, "G"}, {380, "3"}});
  const auto decoded = fix::decode("SIM", config::FixVersion::fix42, raw);
  const auto* reject = std::get_if<fix::MessageReject>(&decoded);
  REQUIRE(reject != nullptr);
  CHECK(reject->msg_type == "j");
  CHECK(reject->ref_seq_num == 22u);
  CHECK(reject->ref_msg_type == "G");
  CHECK(reject->business_reject_ref_id.empty());
  CHECK(reject->reason == 3);
  CHECK(reject->text == "Unsupported Message Type");
  CHECK(reject->sent_msg_type.empty());  // only the session layer knows what it sent as 22
}

TEST_CASE("a session Reject of an order and a BusinessMessageReject with 379 are read field by field") {
  const auto session_reject = fix::decode(
      "SIM", config::FixVersion::fix44,
      fix_message("FIX.4.4", "3", {{45, "5"}, {58, "Value is incorrect (out of range) for this tag"}, {371, "40"},
                                   {372, "D"}, {373, "5"}}));
  const auto* r3 = std::get_if<fix::MessageReject>(&session_reject);
  REQUIRE(r3 != nullptr);
  CHECK(r3->msg_type == "3");
  CHECK(r3->ref_seq_num == 5u);
  CHECK(r3->ref_msg_type == "D");
  CHECK(r3->reason == 5);
  CHECK(r3->text == "Value is incorrect (out of range) for this tag");
  const auto business = fix::decode(
      "SIM", config::FixVersion::fix44,
      fix_message("FIX.4.4", "j", {{45, "x"}, {58, "no"}, {372, "F"}, {379, "t-9"}, {380, "0"}}));
  const auto* rj = std::get_if<fix::MessageReject>(&business);
  REQUIRE(rj != nullptr);
  CHECK_FALSE(rj->ref_seq_num.has_value());  // not a number: left out, the reject still arrives
  CHECK(rj->business_reject_ref_id == "t-9");
  CHECK(rj->reason == 0);
}

TEST_CASE("an order cancel reject keeps the broker's text and CxlRejReason") {
  const auto decoded = fix::decode(
      "SIM", config::FixVersion::fix44,
      fix_message("FIX.4.4", "9", {{11, "t-2"}, {37, "O-1"}, {39, "0"}, {41, "t-1"}, {58, "Too late to cancel"},
                                   {102, "0"}, {434, "1"}}));
  const auto* reject = std::get_if<order::CancelReject>(&decoded);
  REQUIRE(reject != nullptr);
  CHECK(reject->text == "Too late to cancel");
  CHECK(reject->reason == 0);
  CHECK(reject->response_to == order::CxlRejResponseTo::cancel);
}
