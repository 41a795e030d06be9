// SPDX-License-Identifier: Apache-2.0
#pragma once
// Brute-force protection for hello: after a failed login the client name and the source address
// are each locked out for a while, doubling with every further failure up to a ceiling, and a
// log budget so that a flood of failures cannot flood the log. Io thread only; time passed in.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fixgate::gateway::detail {

class LoginGuard {
 public:
  using Clock = std::chrono::steady_clock;

  LoginGuard(std::chrono::milliseconds first, std::chrono::milliseconds longest) : first_(first), longest_(longest) {}

  /// How much longer logins as `name` or from `address` (empty: not tracked) are refused.
  std::chrono::milliseconds locked_for(std::string_view name, std::string_view address, Clock::time_point now) const;
  /// Records a failed login: both keys are locked, for twice as long as their previous lock.
  void failed(std::string_view name, std::string_view address, Clock::time_point now);
  /// Keys tracked now (bounded by max_entries).
  std::size_t size() const { return entries_.size(); }

  /// Entries kept at most; past it, those whose lock and memory have run out are dropped first.
  static constexpr std::size_t max_entries = 16384;

 private:
  struct Entry {
    std::uint32_t failures = 0;
    Clock::time_point locked_until{};
  };
  std::chrono::milliseconds lock_after(std::uint32_t failures) const;
  void fail_key(const std::string& key, Clock::time_point now);
  void prune(Clock::time_point now);

  std::chrono::milliseconds first_;
  std::chrono::milliseconds longest_;
  std::unordered_map<std::string, Entry> entries_;  // "n:<name>" and "a:<address>"
};

/// At most `lines` log lines per `period`; counts what it held back so the next line can say so.
class LogBudget {
 public:
  LogBudget(std::uint32_t lines, std::chrono::milliseconds period) : lines_(lines), period_(period) {}
  /// True when a line may be logged at `now`; `suppressed` then receives how many were held back.
  bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

 private:
  std::uint32_t lines_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point window_start_{};
  std::uint32_t used_ = 0;
  std::uint64_t held_back_ = 0;
};

}  // namespace fixgate::gateway::detail
