// SPDX-License-Identifier: Apache-2.0
#pragma once
// The baseline: a bare QuickFIX SocketInitiator, configured as a QuickFIX user would run it
// (SocketNodelay=Y, data dictionary validation, FileStore or MemoryStore, no log), sending the
// same NewOrderSingles straight to the same simulator. QuickFIX types stay in this file's .cpp.

#include <cstdint>
#include <memory>
#include <string>

#include "driver.hpp"

namespace fixgate::bench {

/// Which QuickFIX MessageStore the baseline initiator uses.
enum class StoreKind { file, memory };

/// A logged-on bare QuickFIX initiator.
class QuickfixDriver {
 public:
  /// Starts the initiator as `sender_comp_id` → SIM at 127.0.0.1:port (FileStore under
  /// work_dir) and waits for the logon; throws BenchError after 20 s.
  QuickfixDriver(StoreKind store, const std::string& sender_comp_id, std::uint16_t port, const std::string& spec_dir,
                 const std::string& work_dir);
  ~QuickfixDriver();
  QuickfixDriver(const QuickfixDriver&) = delete;
  QuickfixDriver& operator=(const QuickfixDriver&) = delete;

  /// Runs `spec` to its last fill (or reject); throws BenchError on a stall.
  DriverOutcome run(const RunSpec& spec);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fixgate::bench
