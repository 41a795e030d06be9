// SPDX-License-Identifier: Apache-2.0
#pragma once
// Order vocabulary shared by every component. Each enum's underlying value is its FIX wire char,
// so translation to and from FIX is a cast plus a validity check.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fixgate {

/// Side (54).
enum class Side : char { buy = '1', sell = '2', sell_short = '5' };
/// OrdType (40).
enum class OrdType : char { market = '1', limit = '2', stop = '3', stop_limit = '4' };
/// TimeInForce (59).
enum class TimeInForce : char { day = '0', gtc = '1', ioc = '3', fok = '4', gtd = '6' };
/// OrdStatus (39).
enum class OrdStatus : char {
  new_order = '0',
  partially_filled = '1',
  filled = '2',
  done_for_day = '3',
  canceled = '4',
  replaced = '5',  // FIX 4.2 only; 4.4 reports the replacement's own status
  pending_cancel = '6',
  stopped = '7',
  rejected = '8',
  suspended = '9',
  pending_new = 'A',
  calculated = 'B',
  expired = 'C',
  accepted_for_bidding = 'D',
  pending_replace = 'E',
};
/// ExecType (150). FIX 4.2's partial fill '1' and fill '2' map to trade '[F]' on input.
enum class ExecType : char {
  new_order = '0',
  partial_fill = '1',
  fill = '2',
  done_for_day = '3',
  canceled = '4',
  replaced = '5',
  pending_cancel = '6',
  stopped = '7',
  rejected = '8',
  suspended = '9',
  pending_new = 'A',
  calculated = 'B',
  expired = 'C',
  restated = 'D',
  pending_replace = 'E',
  trade = 'F',
  trade_correct = 'G',
  trade_cancel = 'H',
  order_status = 'I',
};

std::optional<Side> side_from_fix(char c);
std::optional<OrdType> ord_type_from_fix(char c);
std::optional<TimeInForce> tif_from_fix(char c);
std::optional<OrdStatus> ord_status_from_fix(char c);
std::optional<ExecType> exec_type_from_fix(char c);

constexpr char to_fix(Side v) { return static_cast<char>(v); }
constexpr char to_fix(OrdType v) { return static_cast<char>(v); }
constexpr char to_fix(TimeInForce v) { return static_cast<char>(v); }
constexpr char to_fix(OrdStatus v) { return static_cast<char>(v); }
constexpr char to_fix(ExecType v) { return static_cast<char>(v); }

/// Lower-case names used on the upstream protocol and in logs ("buy", "limit", "partially_filled").
std::string_view name(Side v);
std::string_view name(OrdType v);
std::string_view name(TimeInForce v);
std::string_view name(OrdStatus v);
std::string_view name(ExecType v);

std::optional<Side> side_from_name(std::string_view n);
std::optional<OrdType> ord_type_from_name(std::string_view n);
std::optional<TimeInForce> tif_from_name(std::string_view n);

/// True for states no report can leave except a trade correction/cancel.
constexpr bool is_terminal(OrdStatus s) {
  return s == OrdStatus::filled || s == OrdStatus::canceled || s == OrdStatus::rejected ||
         s == OrdStatus::expired || s == OrdStatus::done_for_day || s == OrdStatus::replaced;
}

/// Nanoseconds since the Unix epoch. Time is an input to the core, never read inside it.
struct Timestamp {
  std::int64_t nanos = 0;
  auto operator<=>(const Timestamp&) const = default;
};

}  // namespace fixgate
