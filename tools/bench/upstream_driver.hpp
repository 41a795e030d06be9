// SPDX-License-Identifier: Apache-2.0
#pragma once
// Drives orders through fixgate's upstream socket as a client would: JSON lines over TCP, one
// `new` per write, the next order sent as soon as a fill frees a slot in the window.

#include <cstdint>
#include <string>

#include "driver.hpp"

namespace fixgate::bench {

/// A connected, authenticated upstream client.
class UpstreamDriver {
 public:
  /// Connects to 127.0.0.1:port and says hello; throws BenchError when not welcomed within 10 s.
  UpstreamDriver(std::uint16_t port, const std::string& client, const std::string& token);
  ~UpstreamDriver();
  UpstreamDriver(const UpstreamDriver&) = delete;
  UpstreamDriver& operator=(const UpstreamDriver&) = delete;

  /// Runs `spec` to its last fill (or reject); throws BenchError on a stall or a broken line.
  DriverOutcome run(const RunSpec& spec);

 private:
  void send_line(const std::string& line);
  /// Reads what is there (waiting at most timeout_ms); false when nothing arrived in time.
  bool read_some(int timeout_ms);

  int fd_ = -1;
  std::string in_;
};

}  // namespace fixgate::bench
