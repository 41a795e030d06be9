// SPDX-License-Identifier: Apache-2.0
#pragma once
// fixgate's own FIX transport: one Boost.Asio io_context on one thread drives every configured
// initiator session through QuickFIX's FIX::Session (Session::next(frame, time) for each frame read,
// Session::next(time) for its timers, our Responder for what it writes). QuickFIX keeps the session
// protocol; the sockets, the connects and their timing are ours. Private to src/fix.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "fixgate/fix/quickfix.hpp"

namespace fixgate::fix {

/// The wait before reconnect attempt `failures + 1` (failures: consecutive failed attempts since
/// the last logon): `min` doubled per failure up to `max`, then drawn uniformly from its upper
/// half by `uniform` (a number in [0, 1)) so that many sessions losing one broker do not all
/// come back in the same instant; never below `min`. With max == min it is exactly min.
std::chrono::milliseconds reconnect_delay(unsigned failures, std::chrono::seconds min, std::chrono::seconds max,
                                          double uniform);

class AsioInitiator final : public FIX::Initiator {
 public:
  /// `name_of` names a session for log lines.
  AsioInitiator(FIX::Application& application, FIX::MessageStoreFactory& stores, const FIX::SessionSettings& settings,
                FIX::LogFactory& logs, std::function<std::string(const FIX::SessionID&)> name_of);
  ~AsioInitiator() override;
  /// Runs `work` on the transport's thread (sends: Session::send writes through our Responder there).
  void post(std::function<void()> work);

 private:
  void onConfigure(const FIX::SessionSettings&) override {}
  void onInitialize(const FIX::SessionSettings&) override {}
  void onStart() override;
  bool onPoll(double) override { return false; }
  void onStop() override;
  void doConnect(const FIX::SessionID& id, const FIX::Dictionary& settings) override;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fixgate::fix
