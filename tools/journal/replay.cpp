// SPDX-License-Identifier: Apache-2.0
// replay: re-send one session's outbound application messages, in journal order, to a FIX
// counterparty through a real QuickFIX initiator (MemoryStore, ResetOnLogon=Y). QuickFIX stamps
// the header afresh (BeginString, BodyLength, MsgSeqNum, CompIDs, SendingTime, CheckSum);
// PossDupFlag, PossResend and OrigSendingTime are dropped, and records that were themselves
// resends (PossDupFlag=Y) are skipped: their originals are replayed already.

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "fixgate/core/fix_text.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "fixgate/journal/reader.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {
namespace {

/// Header tags QuickFIX fills in on send, or that only make sense on the original send.
bool restamped(int tag) {
  switch (tag) {
    case 8: case 9: case 10: case 34: case 35: case 43: case 49: case 52: case 56: case 97: case 122:
    case 89: case 93:  // signature of the original bytes
      return true;
    default: return false;
  }
}

/// Other standard header tags: kept, but in the header.
bool header_tag(int tag) {
  switch (tag) {
    case 50: case 57: case 90: case 91: case 115: case 116: case 128: case 129: case 142: case 143: case 144:
    case 145: case 212: case 213: case 347: case 369: case 627:
      return true;
    default: return false;
  }
}

class ReplayApplication final : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on.store(true); }
  void onLogout(const FIX::SessionID&) override { logged_on.store(false); }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    const auto& header = message.getHeader();
    const std::string type = header.isSetField(35) ? header.getField(35) : "";
    if (type == "8") execution_reports.fetch_add(1);
    else if (type == "9") cancel_rejects.fetch_add(1);
    else other.fetch_add(1);
    last_inbound_ns.store(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  std::atomic<bool> logged_on{false};
  std::atomic<int> execution_reports{0};
  std::atomic<int> cancel_rejects{0};
  std::atomic<int> other{0};
  std::atomic<std::int64_t> last_inbound_ns{0};
};

struct Outgoing {
  std::uint64_t seq = 0;
  std::int64_t timestamp_ns = 0;
  std::string msg_type;
  std::string cl_ord_id;
  std::vector<std::pair<int, std::string>> header;
  std::vector<std::pair<int, std::string>> body;
};

/// Names of the application messages fixgate sends, for the "sent" lines.
const char* msg_type_name(const std::string& type) {
  if (type == "D") return "NewOrderSingle";
  if (type == "F") return "OrderCancelRequest";
  if (type == "G") return "OrderCancelReplaceRequest";
  if (type == "H") return "OrderStatusRequest";
  return "";
}

std::atomic<bool> interrupted{false};
extern "C" void on_signal(int) { interrupted.store(true); }

double seconds_option(const Args& args, const std::string& option, double fallback) {
  const auto text = args.get(option);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const double v = std::stod(*text, &used);
    if (used == text->size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  args.fail(option + " \"" + *text + "\" is not a non-negative number of seconds");
}

}  // namespace

int cmd_replay(const Args& args) {
  const auto session = args.get("--session");
  const auto connect = args.get("--connect");
  const auto sender = args.get("--sender");
  const auto target = args.get("--target");
  if (!session) args.fail("missing --session NAME (the journal stream to replay)");
  if (!connect) args.fail("missing --connect HOST:PORT");
  if (!sender) args.fail("missing --sender COMPID");
  if (!target) args.fail("missing --target COMPID");
  const auto colon = connect->rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0) args.fail("--connect \"" + *connect + "\" is not HOST:PORT");
  const std::string host = connect->substr(0, colon);
  {
    const auto digits = connect->substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port <= 0 || port > 65535) {
      args.fail("--connect \"" + *connect + "\": port \"" + digits + "\" is not 1..65535");
    }
  }
  const std::string speed_text = args.get("--speed").value_or("1");
  double speed = 0;  // 0 = as fast as possible
  if (speed_text != "max") {
    try {
      std::size_t used = 0;
      speed = std::stod(speed_text, &used);
      if (used != speed_text.size() || speed <= 0) throw std::invalid_argument("speed");
    } catch (const std::exception&) {
      args.fail("--speed \"" + speed_text + "\" must be a positive number (1, 10, ...) or max");
    }
  }
  const double wait_seconds = seconds_option(args, "--wait", 10);
  const double max_gap = seconds_option(args, "--max-gap", 5);
  const double heartbeat = seconds_option(args, "--heartbeat", 30);
  auto begin_string = args.get("--begin-string");
  if (begin_string && *begin_string != "FIX.4.4" && *begin_string != "FIX.4.2") {
    args.fail("--begin-string \"" + *begin_string + "\" must be FIX.4.4 or FIX.4.2");
  }
  const auto source = open_source(args);

  // Collect the messages first: a damaged journal stops the replay before anything is sent.
  std::vector<Outgoing> messages;
  std::size_t skipped_resends = 0;
  auto scanned = source->scan([&](const journal::RecordView& record) {
    if (record.kind != journal::RecordKind::fix_out || record.stream != *session) return true;
    const auto type = msg_type_of(record.payload);
    if (type.empty() || is_session_level(type)) return true;
    Outgoing out;
    out.seq = record.seq;
    out.timestamp_ns = record.timestamp_ns;
    out.msg_type = std::string(type);
    bool resend = false;
    for (const auto& f : split_fix(record.payload)) {
      if (f.tag == 8 && !begin_string) begin_string = std::string(f.value);
      if ((f.tag == 43 || f.tag == 97) && f.value == "Y") resend = true;
      if (f.tag == 11 && out.cl_ord_id.empty()) out.cl_ord_id = std::string(f.value);
      if (f.tag <= 0 || restamped(f.tag)) continue;
      (header_tag(f.tag) ? out.header : out.body).emplace_back(f.tag, std::string(f.value));
    }
    if (resend) {
      ++skipped_resends;
      return true;
    }
    messages.push_back(std::move(out));
    return true;
  });
  if (!scanned) {
    std::cerr << "fixgate-journal replay: " << scanned.error().to_string() << "\n";
    return exit_for(scanned.error());
  }
  if (!begin_string) begin_string = "FIX.4.4";
  std::cout << fmt::format("replay: {} outbound application messages of session {} ({} resends skipped) to {} as {} -> {} ({})\n",
                           messages.size(), *session, skipped_resends, *connect, *sender, *target, *begin_string);
  std::cout.flush();

  ReplayApplication application;
  FIX::SessionID id(*begin_string, *sender, *target);
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "initiator");
  defaults.setInt("ReconnectInterval", 1);
  FIX::Dictionary d;
  d.setString("SocketConnectHost", host);
  d.setInt("SocketConnectPort", port);
  d.setInt("HeartBtInt", static_cast<int>(heartbeat));
  d.setString("SocketNodelay", "Y");
  d.setString("StartTime", "00:00:00");
  d.setString("EndTime", "00:00:00");
  d.setString("UseDataDictionary", "N");
  d.setString("ResetOnLogon", "Y");
  d.setString("PersistMessages", "N");
  FIX::SessionSettings settings;
  settings.set(defaults);
  settings.set(id, d);
  FIX::MemoryStoreFactory stores;
  FIX::SocketInitiator initiator(application, stores, settings);

  interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a write blocked on a full pipe must finish, not lose output
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  initiator.start();
  const auto logon_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!application.logged_on.load() && !interrupted.load() && std::chrono::steady_clock::now() < logon_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!application.logged_on.load()) {
    initiator.stop(true);
    std::cerr << "fixgate-journal replay: --connect " << *connect << ": no logon as " << *sender << " -> " << *target
              << " within 10 s\n";
    return exit_finding;
  }

  std::size_t sent = 0;
  std::optional<std::int64_t> previous_ns;
  for (const auto& m : messages) {
    if (interrupted.load()) break;
    if (speed > 0 && previous_ns) {
      double gap = static_cast<double>(m.timestamp_ns - *previous_ns) / 1e9 / speed;
      gap = std::clamp(gap, 0.0, max_gap);
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(gap);
      while (!interrupted.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::min(std::chrono::duration<double>(0.05),
                                             std::chrono::duration<double>(until - std::chrono::steady_clock::now())));
      }
    }
    previous_ns = m.timestamp_ns;
    FIX::Message message;
    message.getHeader().setField(35, m.msg_type);
    for (const auto& [tag, value] : m.header) message.getHeader().setField(tag, value);
    for (const auto& [tag, value] : m.body) message.setField(tag, value);
    bool ok = false;
    try {
      ok = FIX::Session::sendToTarget(message, id);
    } catch (const std::exception& e) {
      std::cerr << "fixgate-journal replay: record #" << m.seq << " not sent: " << e.what() << "\n";
    }
    if (!ok) {
      std::cerr << "fixgate-journal replay: record #" << m.seq << " refused by the session (logged out?)\n";
      break;
    }
    ++sent;
    const char* type_name = msg_type_name(m.msg_type);
    std::cout << fmt::format("sent #{} 35={}{}{}{} 11={}\n", m.seq, m.msg_type, *type_name ? " (" : "", type_name,
                             *type_name ? ")" : "", m.cl_ord_id);
  }
  std::cout.flush();

  // Answers: wait until the line has been quiet for a second, at most --wait seconds.
  const auto wait_start = std::chrono::steady_clock::now();
  const auto wait_deadline = wait_start + std::chrono::duration<double>(wait_seconds);
  while (!interrupted.load() && std::chrono::steady_clock::now() < wait_deadline) {
    const auto now_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto last = std::max(application.last_inbound_ns.load(), wait_start.time_since_epoch().count());
    if (now_ns - last > 1'000'000'000LL && application.execution_reports.load() >= static_cast<int>(sent > 0 ? 1 : 0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  initiator.stop();
  std::cout << fmt::format("replay: sent {} of {} messages; received {} execution reports, {} cancel rejects, {} other application messages\n",
                           sent, messages.size(), application.execution_reports.load(),
                           application.cancel_rejects.load(), application.other.load());
  return sent == messages.size() ? exit_ok : exit_finding;
}

}  // namespace fixgate::journal_tool
