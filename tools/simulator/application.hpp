#pragma once
// The QuickFIX Application of the simulator: session events go to the recorder, orders to the
// exchange. QuickFIX calls it on the transport thread only.

#include <spdlog/spdlog.h>

#include "exchange.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "recorder.hpp"

namespace fixgate::sim {

/// Routes QuickFIX callbacks to the exchange and the recorder.
class SimApplication : public FIX::Application {
 public:
  SimApplication(Exchange& exchange, Recorder& recorder) : exchange_(exchange), recorder_(recorder) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    spdlog::info("logon {}", id.toString());
    recorder_.on_session_event("logon", id.toString());
  }
  void onLogout(const FIX::SessionID& id) override {
    spdlog::info("logout {}", id.toString());
    recorder_.on_session_event("logout", id.toString());
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    exchange_.on_message(msg, id);
  }

 private:
  Exchange& exchange_;
  Recorder& recorder_;
};

}  // namespace fixgate::sim
