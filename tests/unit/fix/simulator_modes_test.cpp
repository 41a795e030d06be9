// SPDX-License-Identifier: Apache-2.0
// The simulator's broker-contract modes, byte for byte, and the order of its reports: each test
// speaks FIX by hand (RawFixClient) so what the simulator writes is seen exactly as it is sent.

#include "simulator_process.hpp"

using namespace simtest;

namespace {

// The reports that answer one logon-and-requests script, until `count` arrived or 10 s passed.
std::vector<std::string> read_reports(RawFixClient& client, std::size_t count) {
  std::vector<std::string> out;
  while (out.size() < count)
    if (auto f = client.read_app()) out.push_back(*f); else break;
  return out;
}

Fields new_order(const std::string& cl_ord_id, const std::string& symbol, const std::string& qty,
                 const std::string& price) {
  return {{11, cl_ord_id}, {55, symbol}, {54, "1"}, {60, "20260101-00:00:00.000"}, {38, qty}, {40, "2"}, {44, price}};
}

Fields replace(const std::string& orig, const std::string& cl_ord_id, const std::string& symbol, const std::string& qty,
               const std::string& price) {
  return {{41, orig}, {11, cl_ord_id}, {55, symbol}, {54, "1"}, {60, "20260101-00:00:00.000"}, {38, qty},
          {40, "2"},  {44, price}};
}

Fields cancel(const std::string& orig, const std::string& cl_ord_id, const std::string& symbol) {
  return {{41, orig}, {11, cl_ord_id}, {55, symbol}, {54, "1"}, {60, "20260101-00:00:00.000"}};
}

// A simulator started with `args` in a fresh folder, and a raw FIX 4.4 client logged on to it as SMOKE44.
struct Venue {
  Venue(const std::string& name, std::vector<std::string> args)
      : dir(fresh_dir(name)), sim(dir, std::move(args)), client(sim.require_port(), "FIX.4.4", "SMOKE44") {
    const auto answer = client.logon();
    REQUIRE(answer);
    REQUIRE(raw_field(*answer, 35) == "A");
  }
  /// Hangs up and stops the simulator, which must exit cleanly.
  void stop() {
    client.close();
    CHECK(sim.terminate() == 0);
  }
  fs::path dir;
  SimulatorProcess sim;
  RawFixClient client;
};

// "ExecType:ClOrdID:LastQty:CumQty" of each report, to read an order's history at a glance.
std::vector<std::string> history(const std::vector<std::string>& reports) {
  std::vector<std::string> out;
  for (const auto& r : reports) {
    UNSCOPED_INFO(shown(r));
    out.push_back((raw_field(r, 35) == "9" ? "9" : raw_field(r, 150)) + ":" + raw_field(r, 11) + ":" + raw_field(r, 32) +
                  ":" + raw_field(r, 14));
  }
  return out;
}

}  // namespace

TEST_CASE("fills due when a replace arrives go out first, on the old ClOrdID, never on the new one before Replaced",
          "[tools][system]") {
  Venue v("simulator-replace-order", {"--fill", "partial:2", "--fill-price", "10"});
  // Both in one segment: with no fill delay, both fills fall due as the order is taken, before the
  // replace arrived; so the order is filled on A and the replace comes too late.
  const std::string order = v.client.frame("D", new_order("A", "IBM", "100", "10"));
  v.client.write(order + v.client.frame("G", replace("A", "B", "IBM", "150", "10")));
  CHECK(history(read_reports(v.client, 4)) == std::vector<std::string>{"0:A::0", "F:A:50:50", "F:A:50:100", "9:B::"});
  v.stop();
}

TEST_CASE("a replace between delayed fills: Replaced carries the fills before it, later fills are on the new ClOrdID",
          "[tools][system]") {
  Venue v("simulator-replace-delayed", {"--fill", "partial:2", "--fill-delay-ms", "100", "--fill-price", "10"});
  v.client.send("D", new_order("A", "IBM", "100", "10"));
  const auto ack = v.client.read_app();
  REQUIRE(ack);
  REQUIRE(raw_field(*ack, 150) == "0");
  v.client.send("G", replace("A", "B", "IBM", "150", "10"));
  // Where the replace lands among the fills depends on the machine's speed; the order's story must
  // be consistent wherever it lands.
  std::vector<std::string> reports;
  for (int i = 0; i < 4; ++i) {
    auto r = v.client.read_app();
    if (!r) break;
    reports.push_back(*r);
    if (raw_field(*r, 14) == "150") break;
  }
  const auto seen = history(reports);
  REQUIRE(!seen.empty());
  CHECK(raw_field(reports.back(), 14) == "150");
  bool replaced = false;
  std::string cum = "0";
  for (const auto& r : reports) {
    const std::string exec_type = raw_field(r, 150);
    if (exec_type == "5") {
      replaced = true;
      CHECK(raw_field(r, 14) == cum);  // the fills sent before it
    }
    CHECK(raw_field(r, 11) == (replaced ? "B" : "A"));
    if (exec_type == "F") cum = raw_field(r, 14);
  }
  CHECK(replaced);
  v.stop();
}

TEST_CASE("--price-text quickfix writes AvgPx as QuickFIX writes a double: 6=9.96666666666667", "[tools][system]") {
  Venue v("simulator-price-quickfix", {"--fill", "partial:3", "--fill-price", "9.9,10", "--price-text", "quickfix"});
  v.client.send("D", new_order("Q1", "IBM", "30", "10.1"));
  const auto reports = read_reports(v.client, 4);
  REQUIRE(reports.size() == 4);
  CHECK(history(reports) == std::vector<std::string>{"0:Q1::0", "F:Q1:10:10", "F:Q1:10:20", "F:Q1:10:30"});
  CHECK(shown(reports[3], {9, 10, 17, 37, 52, 60}) ==
        "8=FIX.4.4|9=*|35=8|34=5|49=SIM|52=*|56=SMOKE44|6=9.96666666666667|11=Q1|14=30|17=*|31=10|32=10|37=*|38=30|"
        "39=2|40=2|44=10.1|54=1|55=IBM|60=*|150=F|151=0|10=*|");
  CHECK(raw_field(reports[1], 31) == "9.9");
  CHECK(raw_field(reports[2], 6) == "9.95");
  v.stop();
  // The execution record keeps LastPx as sent.
  CHECK(slurp(v.dir / "executions.csv").find(",IBM,10,9.9,") != std::string::npos);
}

TEST_CASE("--price-text javascript writes doubles as their shortest round trip: 31=9.959999999999999",
          "[tools][system]") {
  Venue v("simulator-price-javascript", {"--fill", "partial:3", "--fill-price", "9.959999999999999,9.9,10", "--price-text",
                             "javascript"});
  v.client.send("D", new_order("J1", "IBM", "100", "10"));
  const auto reports = read_reports(v.client, 4);
  REQUIRE(reports.size() == 4);
  CHECK(shown(reports[1], {9, 10, 17, 37, 52, 60}) ==
        "8=FIX.4.4|9=*|35=8|34=3|49=SIM|52=*|56=SMOKE44|6=9.959999999999999|11=J1|14=33|17=*|31=9.959999999999999|"
        "32=33|37=*|38=100|39=1|40=2|44=10|54=1|55=IBM|60=*|150=F|151=67|10=*|");
  CHECK(raw_field(reports[2], 6) == "9.929999999999998");  // (33 × 9.959999999999999 + 33 × 9.9) / 66 in doubles
  CHECK(raw_field(reports[3], 6) == "9.9538");
  v.stop();
  CHECK(slurp(v.dir / "executions.jsonl").find(R"("price":"9.959999999999999")") != std::string::npos);
}

TEST_CASE("exact prices stay the default: a fill price beyond 8 decimals is refused at start-up", "[tools]") {
  const fs::path dir = fresh_dir("simulator-price-exact-flags");
  CHECK_THAT(refused_with(dir, {"--fill-price", "9.959999999999999"}),
             Catch::Contains("--fill-price 9.959999999999999 has more than 8 decimals"));
  CHECK_THAT(refused_with(dir, {"--fill-price", "10,-1"}), Catch::Contains("--fill-price wants positive decimals, got -1"));
  CHECK_THAT(refused_with(dir, {"--price-text", "float"}), Catch::Contains("--price-text wants exact, quickfix or javascript"));

  // An order priced beyond 8 decimals is rejected, and the report carries no Price it cannot write.
  Venue v("simulator-price-exact", {});
  v.client.send("D", new_order("L1", "IBM", "10", "9.959999999999999"));
  const auto rejected = v.client.read_app();
  REQUIRE(rejected);
  CHECK(raw_field(*rejected, 150) == "8");
  CHECK(raw_field(*rejected, 58) == "Price must be a positive decimal");
  CHECK(shown(*rejected).find("|44=") == std::string::npos);
  v.stop();
}

TEST_CASE("--session-reject answers a new order, a cancel and a replace with QuickFIX's session-level Reject",
          "[tools][system]") {
  Venue v("simulator-session-reject", {"--session-reject", "new:SREJ", "--session-reject", "cancel:HOLDC",
                                       "--session-reject", "replace:HOLDR"});

  v.client.send("D", new_order("N1", "SREJX", "10", "5"));  // seq 2
  auto reject = v.client.read_app();
  REQUIRE(reject);
  CHECK(shown(*reject) == "8=FIX.4.4|9=*|35=3|34=2|49=SIM|52=*|56=SMOKE44|45=2|58=Value is incorrect (out of range) "
                          "for this tag|371=55|372=D|373=5|10=*|");

  v.client.send("D", new_order("C1", "HOLDC", "10", "5"));  // seq 3: other symbols are worked as usual
  REQUIRE(raw_field(*v.client.read_app(), 150) == "0");
  v.client.send("F", cancel("C1", "C2", "HOLDC"));  // seq 4
  reject = v.client.read_app();
  REQUIRE(reject);
  CHECK(shown(*reject) == "8=FIX.4.4|9=*|35=3|34=4|49=SIM|52=*|56=SMOKE44|45=4|58=Value is incorrect (out of range) "
                          "for this tag|371=55|372=F|373=5|10=*|");

  v.client.send("D", new_order("R1", "HOLDR", "10", "5"));  // seq 5
  REQUIRE(raw_field(*v.client.read_app(), 150) == "0");
  v.client.send("G", replace("R1", "R2", "HOLDR", "20", "5"));  // seq 6
  reject = v.client.read_app();
  REQUIRE(reject);
  CHECK(shown(*reject) == "8=FIX.4.4|9=*|35=3|34=6|49=SIM|52=*|56=SMOKE44|45=6|58=Value is incorrect (out of range) "
                          "for this tag|371=55|372=G|373=5|10=*|");
  // The refused requests changed nothing: R1 still cancels as R1.
  v.client.send("F", cancel("R1", "R3", "HOLDR"));
  const auto canceled = v.client.read_app();
  REQUIRE(canceled);
  CHECK(history({*canceled}) == std::vector<std::string>{"4:R3::0"});
  v.stop();
}

TEST_CASE("--business-reject answers a replace with QuickFIX's BusinessMessageReject, no BusinessRejectRefID (379)",
          "[tools][system]") {
  Venue v("simulator-business-reject", {"--business-reject", "replace"});
  v.client.send("D", new_order("B1", "HOLDB", "10", "5"));  // seq 2
  REQUIRE(raw_field(*v.client.read_app(), 150) == "0");
  v.client.send("G", replace("B1", "B2", "HOLDB", "20", "5"));  // seq 3
  const auto reject = v.client.read_app();
  REQUIRE(reject);
  CHECK(shown(*reject) ==
        "8=FIX.4.4|9=*|35=j|34=3|49=SIM|52=*|56=SMOKE44|45=3|58=Unsupported Message Type|372=G|380=3|10=*|");
  v.client.send("F", cancel("B1", "B3", "HOLDB"));  // a cancel is still served
  const auto canceled = v.client.read_app();
  REQUIRE(canceled);
  CHECK(history({*canceled}) == std::vector<std::string>{"4:B3::0"});
  v.stop();
}

TEST_CASE("--cancel-reject refuses with the broker's own CxlRejReason and Text", "[tools][system]") {
  Venue v("simulator-cancel-reject", {"--cancel-reject", "cancel:3:Order already in Pending Cancel: wait",
                             "--cancel-reject", "replace:2:Exchange closed"});
  v.client.send("D", new_order("X1", "HOLDX", "10", "5"));
  const auto ack = v.client.read_app();
  REQUIRE(ack);
  v.client.send("F", cancel("X1", "X2", "HOLDX"));
  const auto cxl = v.client.read_app();
  REQUIRE(cxl);
  CHECK(shown(*cxl, {9, 10, 37, 52, 60}) ==
        "8=FIX.4.4|9=*|35=9|34=3|49=SIM|52=*|56=SMOKE44|11=X2|37=*|39=0|41=X1|58=Order already in Pending Cancel: "
        "wait|60=*|102=3|434=1|10=*|");
  v.client.send("G", replace("X1", "X3", "HOLDX", "20", "5"));
  const auto rep = v.client.read_app();
  REQUIRE(rep);
  CHECK(raw_field(*rep, 35) == "9");
  CHECK(raw_field(*rep, 434) == "2");
  CHECK(raw_field(*rep, 102) == "2");
  CHECK(raw_field(*rep, 58) == "Exchange closed");
  v.stop();
}

TEST_CASE("--status-exec-id 0 puts ExecID 0 on every order status report", "[tools][system]") {
  Venue v("simulator-status-exec-id", {"--status-exec-id", "0"});
  v.client.send("D", new_order("S1", "HOLDS", "10", "5"));
  const auto ack = v.client.read_app();
  REQUIRE(ack);
  CHECK(raw_field(*ack, 17) != "0");  // only status reports carry it
  for (int i = 0; i < 2; ++i) {
    v.client.send("H", {{11, "S1"}, {55, "HOLDS"}, {54, "1"}});
    const auto status = v.client.read_app();
    REQUIRE(status);
    CHECK(shown(*status, {9, 10, 34, 37, 52, 60}) ==
          "8=FIX.4.4|9=*|35=8|34=*|49=SIM|52=*|56=SMOKE44|6=0|11=S1|14=0|17=0|37=*|38=10|39=0|40=2|44=5|54=1|55=HOLDS|"
          "60=*|150=I|151=10|10=*|");
  }
  v.stop();
}

TEST_CASE("--repeat-exec-id: a fill reuses the New report's ExecID (ack) or the previous fill's (fill)",
          "[tools][system]") {
  for (const std::string mode : {"ack", "fill"}) {
    Venue v("simulator-repeat-exec-id-" + mode, {"--repeat-exec-id", mode, "--fill", "partial:2", "--fill-price", "5,6"});
    v.client.send("D", new_order("E1", "IBM", "10", "6"));
    const auto reports = read_reports(v.client, 3);
    REQUIRE(reports.size() == 3);
    CHECK(history(reports) == std::vector<std::string>{"0:E1::0", "F:E1:5:5", "F:E1:5:10"});
    const std::string ack = raw_field(reports[0], 17), first = raw_field(reports[1], 17),
                      second = raw_field(reports[2], 17);
    if (mode == "ack") {
      CHECK(first == ack);
      CHECK(second != ack);
    } else {
      CHECK(first != ack);
      CHECK(second == first);
      CHECK(raw_field(reports[2], 31) != raw_field(reports[1], 31));  // other content: LastPx 6 vs 5
    }
    v.stop();
  }
}

TEST_CASE("simulator refuses bad broker-mode values with the flag named", "[tools]") {
  const fs::path dir = fresh_dir("simulator-bad-modes");
  CHECK_THAT(refused_with(dir, {"--session-reject", "status"}), Catch::Contains("--session-reject wants new, cancel or replace"));
  CHECK_THAT(refused_with(dir, {"--business-reject", "quote"}),
             Catch::Contains("--business-reject wants new, cancel, replace or status"));
  CHECK_THAT(refused_with(dir, {"--cancel-reject", "new:1:text"}), Catch::Contains("--cancel-reject wants cancel|replace"));
  CHECK_THAT(refused_with(dir, {"--cancel-reject", "cancel:x:text"}), Catch::Contains("--cancel-reject wants"));
  CHECK_THAT(refused_with(dir, {"--cancel-reject", "cancel:1"}), Catch::Contains("--cancel-reject wants"));
  CHECK_THAT(refused_with(dir, {"--status-exec-id", ""}), Catch::Contains("--status-exec-id wants an ExecID"));
  CHECK_THAT(refused_with(dir, {"--repeat-exec-id", "twice"}), Catch::Contains("--repeat-exec-id wants ack or fill"));
}
