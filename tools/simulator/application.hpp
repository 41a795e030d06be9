// SPDX-License-Identifier: Apache-2.0
#pragma once
// The QuickFIX Application of the simulator: session events go to the recorder, orders to the
// exchange. QuickFIX calls it on the transport thread only.

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "exchange.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "recorder.hpp"

namespace fixgate::sim {

/// A RejectLogon whose Logout text is exactly `text` (QuickFIX's own prefixes "Rejected Logon Attempt: ").
struct RefuseLogon : FIX::RejectLogon {
  explicit RefuseLogon(std::string text) : text_(std::move(text)) {}
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

/// Routes QuickFIX callbacks to the exchange and the recorder.
class SimApplication : public FIX::Application {
 public:
  /// A non-empty `refuse_logon` is the text of the Logout that answers every Logon.
  SimApplication(Exchange& exchange, Recorder& recorder, std::string refuse_logon = {})
      : exchange_(exchange), recorder_(recorder), refuse_logon_(std::move(refuse_logon)) {}

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
  void fromAdmin(const FIX::Message& msg, const FIX::SessionID&) override {
    // QuickFIX answers RejectLogon with a Logout carrying its what(), then disconnects.
    if (!refuse_logon_.empty() && msg.getHeader().getField(FIX::FIELD::MsgType) == "A")
      throw RefuseLogon(refuse_logon_);
  }
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    exchange_.on_message(msg, id);
  }

 private:
  Exchange& exchange_;
  Recorder& recorder_;
  std::string refuse_logon_;
};

}  // namespace fixgate::sim
