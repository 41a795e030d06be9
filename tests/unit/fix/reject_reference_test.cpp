// SPDX-License-Identifier: Apache-2.0
// A counterparty answering fixgate's orders the way QuickFIX's example acceptors do: a session
// Reject (35=3) when a field value is refused (the executor and a market order), and QuickFIX's own
// BusinessMessageReject (35=j) with no BusinessRejectRefID for a message type it does not support
// (ordermatch and a cancel/replace). The session layer must hand each reject to the engine with
// the message it refers to as fixgate sent it. Real QuickFIX on both ends, loopback TCP.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixgate/fix/quickfix.hpp"
#include "fixgate/fix/session_manager.hpp"

#include "loopback_acceptor.hpp"

namespace {

using namespace std::chrono_literals;
using namespace fixgate;
using fix_test::free_port;
using fix_test::source_dir;

// Refuses every order the way the executor example refuses a market order, and supports nothing
// else, so QuickFIX answers a cancel/replace with its automatic BusinessMessageReject.
class RefusingBroker final : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    if (message.getHeader().getField(35) == "D") throw FIX::IncorrectTagValue(40);
    throw FIX::UnsupportedMessageType();
  }
};

template <class Done>
bool bounded(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("a session Reject and a BusinessMessageReject without 379 come with the message they refer to") {
  const int port = free_port();
  FIX::SessionSettings acceptor_settings = fix_test::broker_acceptor_settings(port);
  RefusingBroker broker;
  FIX::MemoryStoreFactory broker_store;
  FIX::ScreenLogFactory quiet(false, false, false);
  FIX::ThreadedSocketAcceptor acceptor(broker, broker_store, acceptor_settings, quiet);
  acceptor.start();

  config::Session session;
  session.name = "EXEC";
  session.sender_comp_id = "FIXGATE";
  session.target_comp_id = "BROKER";
  session.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
  session.reconnect_seconds = 1;
  session.data_dictionary = source_dir() + "/spec/FIX44.xml";
  std::mutex mutex;
  std::vector<fix::MessageReject> rejects;
  fix::SessionCallbacks callbacks;
  callbacks.on_inbound = [&](const std::string&, fix::Inbound message, std::string, std::uint64_t) {
    std::lock_guard lock(mutex);
    if (auto* r = std::get_if<fix::MessageReject>(&message)) rejects.push_back(*r);
  };
  fix::SessionManager sessions({session}, callbacks, nullptr);
  sessions.start();
  REQUIRE(bounded([&] { return sessions.is_logged_on("EXEC"); }));

  order::NewOrderSingle market;
  market.session = "EXEC";
  market.cl_ord_id = "FG1";
  market.account = "ACC1";
  market.symbol = "7203";
  market.ord_type = OrdType::market;
  market.order_qty = Qty::from_whole(100);
  REQUIRE(sessions.try_send("EXEC", market) == fix::SendStatus::queued);
  order::OrderCancelReplaceRequest replace;
  replace.session = "EXEC";
  replace.cl_ord_id = "FG2";
  replace.orig_cl_ord_id = "FG0";
  replace.account = "ACC1";
  replace.symbol = "7203";
  replace.order_qty = Qty::from_whole(200);
  replace.price = Price::from_whole(10);
  REQUIRE(sessions.try_send("EXEC", replace) == fix::SendStatus::queued);
  REQUIRE(bounded([&] {
    std::lock_guard lock(mutex);
    return rejects.size() == 2;
  }));
  sessions.stop();
  acceptor.stop();

  const auto& session_reject = rejects[0];
  CHECK(session_reject.msg_type == "3");
  CHECK(session_reject.ref_msg_type == "D");
  CHECK(session_reject.reason == 5);  // value is incorrect (out of range) for this tag
  CHECK_THAT(session_reject.text, Catch::Contains("Value is incorrect"));
  REQUIRE(session_reject.ref_seq_num.has_value());
  CHECK(session_reject.sent_msg_type == "D");
  CHECK(session_reject.sent_cl_ord_id == "FG1");

  const auto& business_reject = rejects[1];
  CHECK(business_reject.msg_type == "j");
  CHECK(business_reject.business_reject_ref_id.empty());
  CHECK(business_reject.ref_msg_type == "G");
  CHECK(business_reject.text == "Unsupported Message Type");
  REQUIRE(business_reject.ref_seq_num.has_value());
  CHECK(*business_reject.ref_seq_num == *session_reject.ref_seq_num + 1);
  CHECK(business_reject.sent_msg_type == "G");
  CHECK(business_reject.sent_cl_ord_id == "FG2");
}
