// SPDX-License-Identifier: Apache-2.0
// Starts the real fixgate-simulator on a free loopback port and talks to it with a plain QuickFIX
// initiator that validates every report against spec/. Every wait is bounded so a failure cannot hang.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>

#include "fixgate/fix/session_manager.hpp"
#include "simulator_process.hpp"

namespace {

using namespace simtest;

// Collects what the simulator sends; QuickFIX calls it from its own thread.
class Client : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { push(std::nullopt); }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& m, const FIX::SessionID&) override { push(m); }

  bool wait_logons(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 10s, [&] { return logons_ >= n; });
  }
  /// Next application message within 10 s.
  std::optional<FIX::Message> next() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, 10s, [&] { return !inbox_.empty(); })) return std::nullopt;
    FIX::Message m = inbox_.front();
    inbox_.pop_front();
    return m;
  }

 private:
  void push(std::optional<FIX::Message> m) {
    std::lock_guard lock(mutex_);
    if (m) inbox_.push_back(*m); else ++logons_;
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<FIX::Message> inbox_;
  int logons_ = 0;
};

std::string field(const FIX::Message& m, int tag) { return m.isSetField(tag) ? m.getField(tag) : ""; }

FIX::SessionSettings client_settings(const fs::path& dir, int port) {
  const std::string spec = env("FIXGATE_SOURCE_DIR") + "/spec/";
  std::ostringstream s;
  s << "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" << port
    << "\nHeartBtInt=30\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\nTargetCompID=SIM\n"
    << "FileStorePath=" << (dir / "client-store").string() << "\nUseDataDictionary=Y\n"
    << "\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=SMOKE44\nDataDictionary=" << spec << "FIX44.xml\n"
    << "\n[SESSION]\nBeginString=FIX.4.2\nSenderCompID=SMOKE42\nDataDictionary=" << spec << "FIX42.xml\n";
  std::istringstream in(s.str());
  return FIX::SessionSettings(in);
}

const FIX::SessionID kS44("FIX.4.4", "SMOKE44", "SIM");
const FIX::SessionID kS42("FIX.4.2", "SMOKE42", "SIM");

void send_new44(const std::string& cl_ord_id, const std::string& symbol, const std::string& qty,
                const std::string& px) {
  FIX44::NewOrderSingle nos(FIX::ClOrdID(cl_ord_id), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                            FIX::OrdType(FIX::OrdType_LIMIT));
  nos.setField(FIX::Symbol(symbol));
  nos.setField(FIX::FIELD::OrderQty, qty);
  nos.setField(FIX::FIELD::Price, px);
  FIX::Session::sendToTarget(nos, kS44);
}


// Sends a Logon as SMOKE44 on a second connection and reports whether the simulator hung up on
// it without an answer.
bool second_logon_is_refused(int port) {
  RawFixClient second(port, "FIX.4.4", "SMOKE44");
  return !second.logon() && second.wait_closed();
}

}  // namespace

TEST_CASE("simulator acks, fills, replaces, cancels and rejects over FIX 4.4 and 4.2", "[tools][system]") {
  REQUIRE(!env("FIXGATE_SIMULATOR").empty());
  const fs::path dir = fresh_dir("simulator-smoke");
  SimulatorProcess sim(dir, {});
  const int port = sim.require_port();

  Client client;
  FIX::SessionSettings settings = client_settings(dir, port);
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(client, store, settings);
  initiator.start();
  REQUIRE(client.wait_logons(2));

  SECTION("4.4 limit order: New then one Trade at the limit price") {
    send_new44("A1", "AAPL", "100", "189.25");
    auto ack = client.next();
    REQUIRE(ack);
    CHECK(field(*ack, 150) == "0");
    CHECK(field(*ack, 39) == "0");
    CHECK(field(*ack, 151) == "100");
    auto fill = client.next();
    REQUIRE(fill);
    CHECK(field(*fill, 150) == "F");
    CHECK(field(*fill, 39) == "2");
    CHECK(field(*fill, 32) == "100");
    CHECK(field(*fill, 31) == "189.25");
    CHECK(field(*fill, 6) == "189.25");
    CHECK(field(*fill, 14) == "100");
    CHECK(field(*fill, 151) == "0");
    CHECK(field(*fill, 17) != field(*ack, 17));
  }

  SECTION("4.4 HOLD order: replace, cancel, late cancel, status") {
    send_new44("H1", "HOLDX", "100", "10");
    auto ack = client.next();
    REQUIRE(ack);
    REQUIRE(field(*ack, 150) == "0");

    FIX44::OrderCancelReplaceRequest rep(FIX::OrigClOrdID("H1"), FIX::ClOrdID("H2"), FIX::Side(FIX::Side_BUY),
                                         FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT));
    rep.setField(FIX::Symbol("HOLDX"));
    rep.setField(FIX::FIELD::OrderQty, "150");
    rep.setField(FIX::FIELD::Price, "10.5");
    FIX::Session::sendToTarget(rep, kS44);
    auto replaced = client.next();
    REQUIRE(replaced);
    CHECK(field(*replaced, 150) == "5");
    CHECK(field(*replaced, 11) == "H2");
    CHECK(field(*replaced, 41) == "H1");
    CHECK(field(*replaced, 38) == "150");
    CHECK(field(*replaced, 44) == "10.5");
    CHECK(field(*replaced, 151) == "150");

    FIX44::OrderCancelRequest cxl(FIX::OrigClOrdID("H2"), FIX::ClOrdID("H3"), FIX::Side(FIX::Side_BUY),
                                  FIX::TransactTime());
    cxl.setField(FIX::Symbol("HOLDX"));
    cxl.setField(FIX::FIELD::OrderQty, "150");
    FIX::Session::sendToTarget(cxl, kS44);
    auto canceled = client.next();
    REQUIRE(canceled);
    CHECK(field(*canceled, 150) == "4");
    CHECK(field(*canceled, 39) == "4");
    CHECK(field(*canceled, 151) == "0");
    CHECK(field(*canceled, 41) == "H2");

    FIX44::OrderCancelRequest late(FIX::OrigClOrdID("H3"), FIX::ClOrdID("H4"), FIX::Side(FIX::Side_BUY),
                                   FIX::TransactTime());
    late.setField(FIX::Symbol("HOLDX"));
    FIX::Session::sendToTarget(late, kS44);
    auto rejected = client.next();
    REQUIRE(rejected);
    CHECK(rejected->getHeader().getField(35) == "9");
    CHECK(field(*rejected, 434) == "1");
    CHECK(field(*rejected, 102) == "0");

    FIX44::OrderStatusRequest status(FIX::ClOrdID("H3"), FIX::Side(FIX::Side_BUY));
    status.setField(FIX::Symbol("HOLDX"));
    FIX::Session::sendToTarget(status, kS44);
    auto st = client.next();
    REQUIRE(st);
    CHECK(field(*st, 150) == "I");
    CHECK(field(*st, 39) == "4");
  }

  SECTION("4.4 REJ symbol is rejected") {
    send_new44("R1", "REJECTME", "5", "1");
    auto rej = client.next();
    REQUIRE(rej);
    CHECK(field(*rej, 150) == "8");
    CHECK(field(*rej, 39) == "8");
    CHECK(field(*rej, 103) == "1");
  }

  SECTION("4.2 order: New then Fill with ExecTransType 0") {
    FIX42::NewOrderSingle nos(FIX::ClOrdID("B1"), FIX::HandlInst('1'), FIX::Symbol("MSFT"),
                              FIX::Side(FIX::Side_SELL), FIX::TransactTime(), FIX::OrdType(FIX::OrdType_MARKET));
    nos.setField(FIX::FIELD::OrderQty, "7");
    FIX::Session::sendToTarget(nos, kS42);
    auto ack = client.next();
    REQUIRE(ack);
    CHECK(field(*ack, 20) == "0");
    CHECK(field(*ack, 150) == "0");
    auto fill = client.next();
    REQUIRE(fill);
    CHECK(field(*fill, 150) == "2");
    CHECK(field(*fill, 39) == "2");
    CHECK(field(*fill, 32) == "7");
    CHECK(field(*fill, 31) == "100");
  }

  SECTION("4.2 HOLD order: replace keeps the live status, status request is ExecTransType 3") {
    FIX42::NewOrderSingle nos(FIX::ClOrdID("K1"), FIX::HandlInst('1'), FIX::Symbol("HOLD42"),
                              FIX::Side(FIX::Side_BUY), FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT));
    nos.setField(FIX::FIELD::OrderQty, "10");
    nos.setField(FIX::FIELD::Price, "2.5");
    FIX::Session::sendToTarget(nos, kS42);
    auto ack = client.next();
    REQUIRE(ack);
    REQUIRE(field(*ack, 150) == "0");
    FIX42::OrderCancelReplaceRequest rep(FIX::OrigClOrdID("K1"), FIX::ClOrdID("K2"), FIX::HandlInst('1'),
                                         FIX::Symbol("HOLD42"), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                                         FIX::OrdType(FIX::OrdType_LIMIT));
    rep.setField(FIX::FIELD::OrderQty, "5");
    rep.setField(FIX::FIELD::Price, "2.75");
    FIX::Session::sendToTarget(rep, kS42);
    auto replaced = client.next();
    REQUIRE(replaced);
    CHECK(field(*replaced, 20) == "0");
    CHECK(field(*replaced, 150) == "5");
    CHECK(field(*replaced, 39) == "0");
    CHECK(field(*replaced, 151) == "5");
    FIX42::OrderStatusRequest status(FIX::ClOrdID("K2"), FIX::Symbol("HOLD42"), FIX::Side(FIX::Side_BUY));
    FIX::Session::sendToTarget(status, kS42);
    auto st = client.next();
    REQUIRE(st);
    CHECK(field(*st, 20) == "3");
    CHECK(field(*st, 150) == "0");
    CHECK(field(*st, 44) == "2.75");
  }

  initiator.stop();
  CHECK(sim.terminate() == 0);
  const std::string logons = slurp(dir / "logons.jsonl");
  CHECK(logons.find("\"logon\"") != std::string::npos);
  CHECK(logons.find("\"logout\"") != std::string::npos);
  const std::string csv = slurp(dir / "executions.csv");
  CHECK(csv.rfind("exec_id,order_id,side,symbol,qty,price,time\n", 0) == 0);
}

TEST_CASE("simulator splits partial fills that sum to the order quantity", "[tools][system]") {
  REQUIRE(!env("FIXGATE_SIMULATOR").empty());
  const fs::path dir = fresh_dir("simulator-partial");
  SimulatorProcess sim(dir, {"--fill", "partial:3", "--fill-delay-ms", "20", "--fill-price", "50.125"});
  const int port = sim.require_port();
  Client client;
  FIX::SessionSettings settings = client_settings(dir, port);
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(client, store, settings);
  initiator.start();
  REQUIRE(client.wait_logons(2));

  send_new44("P1", "IBM", "100", "51");
  auto ack = client.next();
  REQUIRE(ack);
  CHECK(field(*ack, 150) == "0");
  std::vector<std::string> lasts;
  for (int i = 0; i < 3; ++i) {
    auto fill = client.next();
    REQUIRE(fill);
    CHECK(field(*fill, 150) == "F");
    CHECK(field(*fill, 31) == "50.125");
    lasts.push_back(field(*fill, 32));
    if (i < 2) CHECK(field(*fill, 39) == "1");
    else CHECK(field(*fill, 39) == "2");
  }
  CHECK(lasts == std::vector<std::string>{"33", "33", "34"});
  initiator.stop();
  CHECK(sim.terminate() == 0);
  std::ifstream json(dir / "executions.jsonl");
  int lines = 0;
  for (std::string line; std::getline(json, line);) ++lines;
  CHECK(lines == 3);
}

TEST_CASE("simulator refuses a second logon and logs out on SIGTERM", "[tools][system]") {
  REQUIRE(!env("FIXGATE_SIMULATOR").empty());
  const fs::path dir = fresh_dir("simulator-term");
  SimulatorProcess sim(dir, {});
  const int port = sim.require_port();
  Client client;
  FIX::SessionSettings settings = client_settings(dir, port);
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(client, store, settings);
  initiator.start();
  REQUIRE(client.wait_logons(2));

  CHECK(second_logon_is_refused(port));
  const auto started = std::chrono::steady_clock::now();
  CHECK(sim.terminate() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 12s);
  initiator.stop(true);

  const std::string logons = slurp(dir / "logons.jsonl");
  CHECK(logons.find("logon_refused") != std::string::npos);
  CHECK(logons.find("\"logout\",\"session\":\"FIX.4.4:SIM->SMOKE44\"") != std::string::npos);
}

TEST_CASE("session manager: messages counted both ways, the queue drains, sends past capacity are refused and counted",
          "[tools][system]") {
  REQUIRE(!env("FIXGATE_SIMULATOR").empty());
  const fs::path dir = fresh_dir("session-manager");
  SimulatorProcess sim(dir, {"--session", "FIX.4.4:QUEUE44"});
  const int port = sim.require_port();
  fixgate::config::Session session;
  session.name = "Q";
  session.sender_comp_id = "QUEUE44";
  session.target_comp_id = "SIM";
  session.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
  session.reconnect_seconds = 1;
  session.data_dictionary = env("FIXGATE_SOURCE_DIR") + "/spec/FIX44.xml";
  std::atomic<int> reports{0};
  fixgate::fix::SessionCallbacks callbacks;
  callbacks.on_inbound = [&](const std::string&, fixgate::fix::Inbound, std::string, std::uint64_t) { ++reports; };
  constexpr std::size_t capacity = 4;
  fixgate::fix::SessionManager sessions({session}, callbacks, nullptr, std::chrono::seconds(5), capacity);
  sessions.start();
  const auto bounded = [](auto done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return done();
  };
  REQUIRE(bounded([&] { return sessions.is_logged_on("Q"); }));
  const auto state = [&] {
    const auto all = sessions.states();
    REQUIRE(all.size() == 1);
    return all.front();
  };
  const auto before = state();
  CHECK(before.messages_in >= 1);  // the Logon exchange
  CHECK(before.messages_out >= 1);
  CHECK(before.queue_full == 0);

  // A tight burst far past the capacity: the sender thread cannot keep up, and every refusal is
  // counted. HOLD symbols are acknowledged by the simulator and never filled: one report each.
  int queued = 0;
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    fixgate::order::NewOrderSingle order;
    order.session = "Q";
    order.cl_ord_id = "Q" + std::to_string(i);
    order.account = "ACC1";
    order.symbol = "HOLDQ";
    order.order_qty = fixgate::Qty::from_whole(100);
    order.price = fixgate::Price::parse("10");
    order.transact_time = fixgate::Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count()};
    const auto status = sessions.try_send("Q", order);
    if (status == fixgate::fix::SendStatus::queued) {
      ++queued;
    } else {
      REQUIRE(status == fixgate::fix::SendStatus::queue_full);
      ++refused;
    }
  }
  CHECK(refused > 0);
  CHECK(state().queue_full == static_cast<std::uint64_t>(refused));
  REQUIRE(bounded([&] { return reports >= queued; }));
  const auto after = state();
  CHECK(after.queue_depth == 0);
  CHECK(after.messages_out - before.messages_out >= static_cast<std::uint64_t>(queued));
  CHECK(after.messages_in - before.messages_in >= static_cast<std::uint64_t>(queued));
  std::this_thread::sleep_for(500ms);
  CHECK(reports == queued);  // nothing refused was sent: no report beyond the queued orders'
  sessions.stop();
  CHECK(sim.terminate() == 0);
}
