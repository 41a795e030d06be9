// SPDX-License-Identifier: Apache-2.0
// Logon credentials and SubIDs: a real QuickFIX acceptor on loopback sees Username (553), Password
// (554), SenderSubID (50) and TargetSubID (57) as configured; the journal on disk and the log hold
// the password only as asterisks.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "fixgate/fix/journal_store.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "fixgate/fix/session_manager.hpp"
#include "fixgate/journal/journal.hpp"

#include "loopback_acceptor.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace fixgate;
using fix_test::free_port;
using fix_test::source_dir;

namespace {

constexpr const char* password = "pw-5e8b2d91";  // distinctive, so a leak anywhere is found

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("fixgate-credentials-test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

/// Keeps the header fields of the first Logon and the first order it receives.
class RecordingBroker final : public FIX::Application {
 public:
  std::mutex mutex;
  std::map<int, std::string> logon;
  std::map<int, std::string> order;

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& message, const FIX::SessionID&) override {
    if (message.getHeader().getField(35) != "A") return;
    std::lock_guard lock(mutex);
    if (logon.empty()) logon = fields(message, {553, 554, 50, 57});
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    std::lock_guard lock(mutex);
    if (order.empty()) order = fields(message, {35, 50, 57});
  }

 private:
  static std::map<int, std::string> fields(const FIX::Message& message, std::initializer_list<int> tags) {
    std::map<int, std::string> out;
    for (int tag : tags) {
      if (message.isSetField(tag)) out[tag] = message.getField(tag);
      if (message.getHeader().isSetField(tag)) out[tag] = message.getHeader().getField(tag);
    }
    return out;
  }
};

template <class Done>
bool bounded(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  return done();
}

std::string all_bytes_under(const fs::path& dir) {
  std::string bytes;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    bytes += contents.str();
  }
  return bytes;
}

}  // namespace

TEST_CASE("the Logon carries the configured credentials and every message the SubIDs; the password stays out of the journal and the log") {
  const int port = free_port();
  FIX::SessionSettings acceptor_settings = fix_test::broker_acceptor_settings(port);
  RecordingBroker broker;
  FIX::MemoryStoreFactory broker_store;
  FIX::ScreenLogFactory quiet(false, false, false);
  FIX::ThreadedSocketAcceptor acceptor(broker, broker_store, acceptor_settings, quiet);
  acceptor.start();

  std::ostringstream log_text;
  auto previous_logger = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  config::Session session;
  session.name = "EXEC";
  session.sender_comp_id = "FIXGATE";
  session.target_comp_id = "BROKER";
  session.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
  session.reconnect_seconds = 1;
  session.data_dictionary = source_dir() + "/spec/FIX44.xml";
  session.username = "trader7";
  session.password = password;
  session.sender_sub_id = "DESK1";
  session.target_sub_id = "TSE";

  TempDir dir;
  journal::Options options;
  options.dir = dir.path / "journal";
  auto opened = journal::Journal::open(options);
  REQUIRE(opened.has_value());
  auto& j = **opened;
  {
    // A store created "now": QuickFIX logs out a session whose store predates today's session time.
    fix::JournalStores stores(j, {session}, {}, [] {
      return std::int64_t{std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
    });
    fix::SessionManager sessions({session}, fix::SessionCallbacks{}, &stores);
    sessions.start();
    const bool logged_on = bounded([&] { return sessions.is_logged_on("EXEC"); });
    INFO("fixgate's log: " << log_text.str());
    REQUIRE(logged_on);
    order::NewOrderSingle order;
    order.session = "EXEC";
    order.cl_ord_id = "FG1";
    order.account = "ACC1";
    order.symbol = "7203";
    order.ord_type = OrdType::limit;
    order.order_qty = Qty::from_whole(100);
    order.price = Price::from_whole(2500);
    REQUIRE(sessions.try_send("EXEC", order) == fix::SendStatus::queued);
    REQUIRE(bounded([&] {
      std::lock_guard lock(broker.mutex);
      return !broker.order.empty();
    }));
    sessions.stop();
  }
  REQUIRE(j.close().has_value());
  acceptor.stop();
  spdlog::set_default_logger(previous_logger);

  std::lock_guard lock(broker.mutex);
  CHECK(broker.logon[553] == "trader7");
  CHECK(broker.logon[554] == password);
  CHECK(broker.logon[50] == "DESK1");
  CHECK(broker.logon[57] == "TSE");
  CHECK(broker.order[50] == "DESK1");
  CHECK(broker.order[57] == "TSE");

  const std::string journal_bytes = all_bytes_under(dir.path / "journal");
  CHECK(journal_bytes.find("35=A\x01") != std::string::npos);  // the Logon was journaled
  CHECK(journal_bytes.find(password) == std::string::npos);
  CHECK(journal_bytes.find("554=***********\x01") != std::string::npos);
  CHECK(log_text.str().find(password) == std::string::npos);
}
