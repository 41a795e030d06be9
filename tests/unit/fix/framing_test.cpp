// SPDX-License-Identifier: Apache-2.0
// The framing check every inbound frame passes before it is journaled as a message.

#include <catch2/catch.hpp>

#include <string>

#include "fixgate/fix/framing.hpp"

using fixgate::fix::framing_problem;

namespace {

std::string frame(const std::string& body, const std::string& begin = "FIX.4.4") {
  std::string head = "8=" + begin + "\x01" "9=" + std::to_string(body.size()) + "\x01";
  unsigned sum = 0;
  for (unsigned char c : head + body) sum += c;
  char trailer[8];
  std::snprintf(trailer, sizeof trailer, "10=%03u\x01", sum % 256);
  return head + body + trailer;
}

const std::string fill_body = "35=8\x01" "34=7\x01" "49=SIM\x01" "56=FIXGATE\x01" "32=75\x01" "150=F\x01";

}  // namespace

TEST_CASE("a well-framed message passes") {
  CHECK_FALSE(framing_problem(frame(fill_body), "FIX.4.4").has_value());
  CHECK_FALSE(framing_problem(frame(fill_body, "FIX.4.2"), "FIX.4.2").has_value());
}

TEST_CASE("a changed byte under the same CheckSum is named") {
  std::string garbled = frame(fill_body);
  garbled.replace(garbled.find("32=75"), 5, "32=71");
  const auto problem = framing_problem(garbled, "FIX.4.4");
  REQUIRE(problem.has_value());
  CHECK_THAT(*problem, Catch::StartsWith("CheckSum (10)"));
}

TEST_CASE("a BodyLength that does not reach CheckSum, or merges two frames, is named") {
  std::string shorter = frame(fill_body);
  shorter.replace(shorter.find("9=") + 2, 2, std::to_string(fill_body.size() - 5));
  REQUIRE(framing_problem(shorter, "FIX.4.4").has_value());
  CHECK_THAT(*framing_problem(shorter, "FIX.4.4"), Catch::StartsWith("BodyLength (9)"));
  // The first frame's BodyLength grown by the second frame's size: QuickFIX's parser then reads
  // both as one message ending at the second frame's CheckSum.
  const std::string second = frame("35=0\x01" "34=8\x01" "49=SIM\x01" "56=FIXGATE\x01");
  std::string merged = frame(fill_body);
  merged.replace(merged.find("9=") + 2, std::to_string(fill_body.size()).size(),
                 std::to_string(fill_body.size() + second.size()));
  merged += second;
  CHECK(framing_problem(merged, "FIX.4.4").has_value());
}

TEST_CASE("another BeginString, a missing BodyLength and a cut frame are named") {
  CHECK_THAT(*framing_problem(frame(fill_body, "FIX.4.2"), "FIX.4.4"), Catch::StartsWith("BeginString (8)"));
  CHECK_THAT(*framing_problem("8=FIX.4.4\x01" "35=8\x01" "10=000\x01", "FIX.4.4"), Catch::StartsWith("BodyLength (9)"));
  const std::string whole = frame(fill_body);
  CHECK(framing_problem(whole.substr(0, whole.size() / 2), "FIX.4.4").has_value());
  CHECK(framing_problem("", "FIX.4.4").has_value());
}
