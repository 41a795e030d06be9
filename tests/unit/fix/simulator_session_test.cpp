// SPDX-License-Identifier: Apache-2.0
// The simulator's session-layer modes, byte for byte: a counterparty that refuses every logon, one
// that expects a higher MsgSeqNum than we send, and one whose own numbers start where it is told.

#include "simulator_process.hpp"

using namespace simtest;

TEST_CASE("--refuse-logon answers every Logon with a Logout carrying exactly the text, then hangs up",
          "[tools][system]") {
  const fs::path dir = fresh_dir("simulator-refuse-logon");
  SimulatorProcess sim(dir, {"--refuse-logon", "Rejected Logon Attempt"});
  const int port = sim.require_port();

  for (int attempt = 1; attempt <= 2; ++attempt) {
    RawFixClient client(port, "FIX.4.4", "SMOKE44");
    const auto answer = client.logon();
    REQUIRE(answer);
    CHECK(shown(*answer) == "8=FIX.4.4|9=*|35=5|34=" + std::to_string(attempt) +
                                "|49=SIM|52=*|56=SMOKE44|58=Rejected Logon Attempt|10=*|");
    CHECK(client.wait_closed());
  }
  CHECK(sim.terminate() == 0);
  const std::string logons = slurp(dir / "logons.jsonl");
  CHECK(logons.find(R"("detail":"Logout: Rejected Logon Attempt","event":"logon_refused")") != std::string::npos);
  CHECK(logons.find(R"("event":"logon")") == std::string::npos);
}

TEST_CASE("--next-target-seq: a Logon below it gets QuickFIX's 'MsgSeqNum too low' Logout, one at it is accepted",
          "[tools][system]") {
  const fs::path dir = fresh_dir("simulator-next-target");
  SimulatorProcess sim(dir, {"--next-target-seq", "41"});
  const int port = sim.require_port();
  {
    RawFixClient client(port, "FIX.4.4", "SMOKE44");
    const auto answer = client.logon(1);
    REQUIRE(answer);
    CHECK(shown(*answer) ==
          "8=FIX.4.4|9=*|35=5|34=1|49=SIM|52=*|56=SMOKE44|58=MsgSeqNum too low, expecting 41 but received 1|10=*|");
    CHECK(client.wait_closed());
  }
  {
    // The refused Logon did not move the expected number: 41 is still what it waits for.
    RawFixClient client(port, "FIX.4.4", "SMOKE44");
    const auto answer = client.logon(41);
    REQUIRE(answer);
    CHECK(shown(*answer) == "8=FIX.4.4|9=*|35=A|34=2|49=SIM|52=*|56=SMOKE44|98=0|108=30|10=*|");
    client.close();
  }
  CHECK(sim.terminate() == 0);
  CHECK(slurp(dir / "logons.jsonl").find("MsgSeqNum too low, expecting 41 but received 1") != std::string::npos);
}

TEST_CASE("--next-sender-seq starts our numbers there, also for a store that had gone further", "[tools][system]") {
  const fs::path dir = fresh_dir("simulator-next-sender");
  {
    SimulatorProcess sim(dir, {"--next-sender-seq", "7"});
    const int port = sim.require_port();
    RawFixClient client(port, "FIX.4.4", "SMOKE44");
    const auto answer = client.logon();
    REQUIRE(answer);
    CHECK(shown(*answer) == "8=FIX.4.4|9=*|35=A|34=7|49=SIM|52=*|56=SMOKE44|98=0|108=30|10=*|");
    client.send("1", {{112, "PING"}});
    const auto heartbeat = client.read_frame();
    REQUIRE(heartbeat);
    CHECK(shown(*heartbeat) == "8=FIX.4.4|9=*|35=0|34=8|49=SIM|52=*|56=SMOKE44|112=PING|10=*|");
    client.close();
    CHECK(sim.terminate() == 0);
  }
  // The same store, restarted as a counterparty that reset its numbers: it expects our 3 and sends 1.
  SimulatorProcess sim(dir, {"--next-sender-seq", "1"});
  const int port = sim.require_port();
  RawFixClient client(port, "FIX.4.4", "SMOKE44");
  const auto answer = client.logon(3);
  REQUIRE(answer);
  CHECK(shown(*answer) == "8=FIX.4.4|9=*|35=A|34=1|49=SIM|52=*|56=SMOKE44|98=0|108=30|10=*|");
  client.close();
  CHECK(sim.terminate() == 0);
}

TEST_CASE("simulator refuses bad session-layer flag values with the flag named", "[tools]") {
  const fs::path dir = fresh_dir("simulator-bad-flags");
  CHECK_THAT(refused_with(dir, {"--next-target-seq", "0"}), Catch::Contains("--next-target-seq wants a whole number >= 1"));
  CHECK_THAT(refused_with(dir, {"--next-sender-seq", "x"}), Catch::Contains("--next-sender-seq wants a whole number >= 1"));
  CHECK_THAT(refused_with(dir, {"--refuse-logon", ""}), Catch::Contains("--refuse-logon wants the Logout text"));
}
