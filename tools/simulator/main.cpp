// SPDX-License-Identifier: Apache-2.0
// fixgate-simulator: an exchange for fixgate to talk to in tests, demos and benchmarks.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "fixgate/cli/exit_codes.hpp"
#include "application.hpp"
#include "exchange.hpp"
#include "fix_log.hpp"
#include "options.hpp"
#include "recorder.hpp"
#include "transport.hpp"

namespace {

using namespace fixgate::sim;
namespace fs = std::filesystem;

std::string dictionary_file(const std::string& dir, const std::string& begin_string) {
  return dir + (begin_string == "FIX.4.4" ? "/FIX44.xml" : "/FIX42.xml");
}

// QuickFIX settings in its own INI syntax, so every knob is where a QuickFIX user looks for it.
std::string settings_text(const Options& opts, const std::string& store_dir) {
  std::ostringstream out;
  out << "[DEFAULT]\nConnectionType=acceptor\nStartTime=00:00:00\nEndTime=00:00:00\n"
      << "HeartBtInt=" << opts.heartbeat_seconds << "\nFileStorePath=" << store_dir << '\n'
      << "UseDataDictionary=" << (opts.dictionary_dir.empty() ? "N" : "Y") << '\n'
      << "ValidateUserDefinedFields=N\n";
  for (const auto& s : opts.sessions) {
    out << "\n[SESSION]\nBeginString=" << s.begin_string << "\nSenderCompID=" << s.sender
        << "\nTargetCompID=" << s.target << '\n';
    if (!opts.dictionary_dir.empty())
      out << "DataDictionary=" << dictionary_file(opts.dictionary_dir, s.begin_string) << '\n';
  }
  return out.str();
}

// A fresh store per run unless --store-dir names one to continue from.
std::string make_temp_store() {
  fs::create_directories("var");
  std::string templ = "var/simulator-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("cannot create " + templ);
  return templ;
}

std::string start_prefix() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return std::to_string(us.count());
}

int run(const Options& opts) {
  const bool temp_store = opts.store_dir.empty();
  const std::string store_dir = temp_store ? make_temp_store() : opts.store_dir;
  fs::create_directories(store_dir);
  if (!opts.fix_log_dir.empty()) fs::create_directories(opts.fix_log_dir);
  for (const auto& s : opts.sessions)
    if (!opts.dictionary_dir.empty() && !fs::exists(dictionary_file(opts.dictionary_dir, s.begin_string)))
      throw std::runtime_error("no data dictionary " + dictionary_file(opts.dictionary_dir, s.begin_string));

  std::istringstream settings_stream(settings_text(opts, store_dir));
  FIX::SessionSettings settings(settings_stream);
  FIX::FileStoreFactory store(settings);
  SimLogFactory log(opts.fix_log_dir);

  Recorder recorder(opts.executions_path, opts.executions_csv_path, opts.logons_path);
  LoopbackAcceptor* acceptor_ptr = nullptr;
  Behaviour behaviour{opts.fill_mode, opts.partial_fills, std::chrono::milliseconds(opts.fill_delay_ms),
                      opts.reject_symbols, opts.reject_accounts, opts.fill_prices, opts.modes};
  Exchange exchange(
      behaviour, recorder,
      [&acceptor_ptr](const FIX::SessionID& id, FIX::Message& msg) {
        FIX::Session* session = acceptor_ptr->getSession(id);
        return session != nullptr && session->send(msg);
      },
      start_prefix());
  SimApplication app(exchange, recorder, opts.refuse_logon);
  LoopbackAcceptor acceptor(app, store, settings, log, exchange, recorder);
  acceptor_ptr = &acceptor;
  for (const auto& id : acceptor.getSessions()) {
    FIX::Session* session = acceptor.getSession(id);
    const FIX::MessageStore* stored = session->getStore();
    std::vector<std::string> sent;
    stored->get(1, stored->getNextSenderMsgSeqNum() - 1, sent);
    if (const auto n = record_stored_fills(id, sent, recorder); n > 0)
      spdlog::warn("{}: recorded {} fill(s) the store held but the execution files missed (a crash between "
                   "sending and recording)", id.toString(), n);
    // Written to the store (after it was read above), so they hold until a logon moves them.
    if (opts.next_target_seq) session->setNextTargetMsgSeqNum(*opts.next_target_seq);
    if (opts.next_sender_seq) session->setNextSenderMsgSeqNum(*opts.next_sender_seq);
  }

  const std::uint16_t port = acceptor.bind_and_listen(opts.listen_host, opts.listen_port);
  acceptor.start();
  const bool v6 = opts.listen_host.find(':') != std::string::npos;
  std::printf(v6 ? "listening [%s]:%u\n" : "listening %s:%u\n", opts.listen_host.c_str(),
              static_cast<unsigned>(port));
  std::fflush(stdout);
  spdlog::info("serving {} session(s), store {}", opts.sessions.size(), store_dir);

  // SIGINT/SIGTERM are blocked in every thread (see main) and taken here synchronously.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  const timespec wait{0, 200'000'000};
  int rc = 0;
  for (;;) {
    const int sig = ::sigtimedwait(&stop_signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("signal {}: logging out and stopping", sig);
      break;
    }
    if (acceptor.failed()) {
      rc = fixgate::cli::exit_failure;
      break;
    }
  }
  acceptor.logout_all(std::chrono::seconds(10));
  acceptor.stop();
  if (temp_store) fs::remove_all(store_dir);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) return parsed.error();
  // stdout carries only the "listening" line that tests read; logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("simulator"));

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before any thread starts
  std::signal(SIGPIPE, SIG_IGN);

  try {
    return run(*parsed);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return fixgate::cli::exit_failure;
  }
}
