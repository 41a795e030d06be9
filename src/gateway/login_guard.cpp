// SPDX-License-Identifier: Apache-2.0
#include "login_guard.hpp"

#include <algorithm>

namespace fixgate::gateway::detail {
namespace {

std::string name_key(std::string_view name) { return "n:" + std::string(name); }
std::string address_key(std::string_view address) { return "a:" + std::string(address); }

}  // namespace

std::chrono::milliseconds LoginGuard::lock_after(std::uint32_t failures) const {
  // first × 2^(failures-1), capped; the shift is bounded so it cannot overflow.
  const auto doublings = std::min<std::uint32_t>(failures - 1, 30);
  const auto ms = std::min<std::int64_t>(first_.count() << doublings, longest_.count());
  return std::chrono::milliseconds(ms);
}

std::chrono::milliseconds LoginGuard::locked_for(std::string_view name, std::string_view address,
                                                 Clock::time_point now) const {
  Clock::time_point until{};
  for (const auto& key : {name_key(name), address.empty() ? std::string() : address_key(address)}) {
    if (key.empty()) continue;
    if (auto it = entries_.find(key); it != entries_.end()) until = std::max(until, it->second.locked_until);
  }
  if (until <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(until - now);
}

void LoginGuard::failed(std::string_view name, std::string_view address, Clock::time_point now) {
  if (entries_.size() >= max_entries) prune(now);
  fail_key(name_key(name), now);
  if (!address.empty()) fail_key(address_key(address), now);
}

void LoginGuard::fail_key(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // Full of live locks (an attack spread over many names): keep what is there rather than grow.
    if (entries_.size() >= max_entries) return;
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  // A key quiet for as long as the longest lock since its last lock ended starts over.
  if (e.failures > 0 && now > e.locked_until + longest_) e.failures = 0;
  e.failures = std::min<std::uint32_t>(e.failures + 1, 1000);
  e.locked_until = now + lock_after(e.failures);
}

void LoginGuard::prune(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& entry) { return now > entry.second.locked_until + longest_; });
}

bool LogBudget::allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed) {
  if (now - window_start_ >= period_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= lines_) {
    ++held_back_;
    return false;
  }
  ++used_;
  suppressed = held_back_;
  held_back_ = 0;
  return true;
}

}  // namespace fixgate::gateway::detail
