// SPDX-License-Identifier: Apache-2.0
// Linking every record of one order: upstream ids, the engine's ClOrdIDs, OrderIDs and ExecIDs.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "chains.hpp"

using namespace fixgate::journal_tool;
using fixgate::journal::RecordKind;

namespace {

struct Feed {
  Chains chains;
  std::uint64_t seq = 0;
  std::vector<std::string> payloads;  // keep the bytes alive
  void add(RecordKind kind, const std::string& stream, std::string payload) {
    payloads.push_back(std::move(payload));
    fixgate::journal::RecordView r;
    r.seq = ++seq;
    r.kind = kind;
    r.stream = stream;
    r.payload = payloads.back();
    chains.add(r);
  }
};

std::string fix(const std::string& fields) {
  std::string out = "8=FIX.4.4|" + fields;
  for (char& c : out) {
    if (c == '|') c = '\x01';
  }
  return out;
}

}  // namespace

TEST_CASE("a new order, its replace and cancel and their reports form one chain") {
  Feed f;
  f.add(RecordKind::upstream_request, "demo",
        R"({"op":"new","client_order_id":"c1","account":"A","symbol":"S","side":"buy","qty":"100","price":"10.0"})");  // 1
  f.add(RecordKind::upstream_request, "demo",
        R"({"op":"new","client_order_id":"c2","account":"A","symbol":"S","side":"buy","qty":"100","price":"10"})");    // 2
  f.add(RecordKind::upstream_event, "demo", R"({"event":"accepted","seq":1,"client_order_id":"c1"})");               // 3
  f.add(RecordKind::upstream_event, "demo", R"({"event":"accepted","seq":2,"client_order_id":"c2"})");               // 4
  // Same content twice: the first NewOrderSingle belongs to the first accepted order.
  f.add(RecordKind::fix_out, "SIM", fix("35=D|11=FG1|1=A|55=S|54=1|38=100|44=10|"));                                 // 5
  f.add(RecordKind::fix_out, "SIM", fix("35=D|11=FG2|1=A|55=S|54=1|38=100|44=10|"));                                 // 6
  f.add(RecordKind::fix_in, "SIM", fix("35=8|11=FG1|37=O1|17=E1|150=0|"));                                           // 7
  f.add(RecordKind::engine_event, "SIM", "apply_fix 7");                                                             // 8
  f.add(RecordKind::upstream_event, "demo", R"({"event":"execution","client_order_id":"c1","exec_id":"E1"})");      // 9
  f.add(RecordKind::upstream_request, "demo", R"({"op":"replace","client_order_id":"c1-r","orig_client_order_id":"c1"})");  // 10
  f.add(RecordKind::fix_out, "SIM", fix("35=G|11=FG3|41=FG1|37=O1|"));                                               // 11
  f.add(RecordKind::fix_in, "SIM", fix("35=8|11=FG3|41=FG1|37=O1|17=E2|150=5|"));                                    // 12
  f.add(RecordKind::fix_out, "SIM", fix("35=F|11=FG4|41=FG3|37=O1|"));                                               // 13
  f.add(RecordKind::fix_in, "SIM", fix("35=8|11=FG2|37=O2|17=E3|150=0|"));                                           // 14
  f.add(RecordKind::fix_in, "SIM", fix("35=9|11=FG9|41=FG8|37=NONE|"));                                              // 15: unknown order

  const std::set<std::uint64_t> c1{1, 3, 5, 7, 8, 9, 10, 11, 12, 13};
  for (const char* id : {"c1", "c1-r", "FG1", "FG3", "FG4", "O1", "E1", "E2"}) {
    INFO(id);
    CHECK(f.chains.records_of(f.chains.roots_for_id(id)) == c1);
  }
  CHECK(f.chains.records_of(f.chains.roots_for_id("c2")) == std::set<std::uint64_t>{2, 4, 6, 14});
  CHECK(f.chains.records_of(f.chains.roots_for_id("NONE")).empty());
  CHECK(f.chains.roots_for_id("nothing").empty());
  const auto lines = f.chains.describe(f.chains.roots_for_id("c1"));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "client_order_id: demo/c1 demo/c1-r");
  CHECK(lines[2] == "OrderID: SIM/O1");
}

TEST_CASE("with the pairing journaled in accepted, identical orders link exactly whatever the wire order") {
  Feed f;
  f.add(RecordKind::upstream_request, "demo",
        R"({"op":"new","client_order_id":"c1","account":"A","symbol":"S","side":"buy","qty":"100","price":"10"})");  // 1
  f.add(RecordKind::upstream_event, "demo", R"({"event":"accepted","seq":1,"client_order_id":"c1","cl_ord_id":"FG1"})");  // 2
  f.add(RecordKind::upstream_request, "demo",
        R"({"op":"new","client_order_id":"c2","account":"A","symbol":"S","side":"buy","qty":"100","price":"10"})");  // 3
  f.add(RecordKind::upstream_event, "demo", R"({"event":"accepted","seq":2,"client_order_id":"c2","cl_ord_id":"FG2"})");  // 4
  // The second order reaches the wire first: matching by content would swap them.
  f.add(RecordKind::fix_out, "SIM", fix("35=D|11=FG2|1=A|55=S|54=1|38=100|44=10|"));  // 5
  f.add(RecordKind::fix_out, "SIM", fix("35=D|11=FG1|1=A|55=S|54=1|38=100|44=10|"));  // 6
  CHECK(f.chains.records_of(f.chains.roots_for_id("c1")) == std::set<std::uint64_t>{1, 2, 6});
  CHECK(f.chains.records_of(f.chains.roots_for_id("FG2")) == std::set<std::uint64_t>{3, 4, 5});
}
