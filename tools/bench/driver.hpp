// SPDX-License-Identifier: Apache-2.0
#pragma once
// What both order drivers (fixgate's upstream socket, the bare QuickFIX initiator) share: the run
// they are asked for, the order they send, and what they hand back.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "stats.hpp"

namespace fixgate::bench {

/// The one order both targets send, so the work is the same: a day limit buy the simulator fills
/// at once (no HOLD/REJ symbol prefix).
namespace order_content {
inline constexpr std::string_view account = "BENCH";
inline constexpr std::string_view symbol = "ACME";
inline constexpr std::string_view qty = "100";
inline constexpr std::string_view price = "100.25";
}  // namespace order_content

/// One run: `orders` orders with at most `window` unfilled at a time.
struct RunSpec {
  std::string id_prefix;  ///< client order ids are id_prefix + index, distinct across runs
  std::size_t orders = 0;
  std::size_t window = 1;
  std::chrono::milliseconds stall_timeout{15000};  ///< fail when nothing arrives for this long
};

/// Per-order times and how each order ended.
struct DriverOutcome {
  std::vector<OrderTimes> times;
  std::size_t filled = 0;
  std::size_t rejected = 0;
};

/// The order index encoded after the last '-' of a client order id, or npos.
inline std::size_t index_of(std::string_view id) {
  const auto dash = id.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == id.size()) return std::string_view::npos;
  std::size_t n = 0;
  for (char c : id.substr(dash + 1)) {
    if (c < '0' || c > '9') return std::string_view::npos;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace fixgate::bench
