// SPDX-License-Identifier: Apache-2.0
#pragma once
// QuickFIX logs for the simulator: nothing by default, or one file per session with every message
// in and out and every session event, one line each (SOH shown as '|').

#include <fstream>
#include <string>

#include "fixgate/fix/quickfix.hpp"
#include "recorder.hpp"

namespace fixgate::sim {

/// Appends "time dir text" lines to one file.
class LineLog : public FIX::Log {
 public:
  explicit LineLog(const std::string& path) : out_(path, std::ios::app) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string& msg) override { write("in", msg); }
  void onOutgoing(const std::string& msg) override { write("out", msg); }
  void onEvent(const std::string& text) override { write("event", text); }

 private:
  void write(const char* dir, std::string text) {
    for (char& c : text)
      if (c == '\x01') c = '|';
    out_ << iso_now() << ' ' << dir << ' ' << text << '\n' << std::flush;
  }
  std::ofstream out_;
};

/// Null logs when `dir` is empty, else DIR/<session>.log per session and DIR/global.log.
class SimLogFactory : public FIX::LogFactory {
 public:
  explicit SimLogFactory(std::string dir) : dir_(std::move(dir)) {}
  FIX::Log* create() override { return make("global"); }
  FIX::Log* create(const FIX::SessionID& id) override {
    std::string name = id.toString();
    for (char& c : name)
      if (c == ':' || c == '>' || c == '/') c = '_';
    return make(name);
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  FIX::Log* make(const std::string& name) {
    if (dir_.empty()) return new FIX::NullLog;
    return new LineLog(dir_ + "/" + name + ".log");
  }
  std::string dir_;
};

}  // namespace fixgate::sim
