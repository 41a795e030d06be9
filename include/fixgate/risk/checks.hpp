// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pre-trade risk checks: pure functions and small state machines over the order, the limits that
// apply to it and the account's current exposure. Time is an input; nothing here reads a clock,
// so the engine's replay makes the same decisions it made live.

#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fixgate/core/decimal.hpp"
#include "fixgate/core/reject.hpp"
#include "fixgate/core/types.hpp"

namespace fixgate::risk {

/// One step of a tick size table: prices up to and including `up_to` move in `tick`s; the last
/// step has no `up_to` and covers every higher price.
struct TickStep {
  std::optional<Price> up_to;
  Price tick;
  bool operator==(const TickStep&) const = default;
};

/// Steps in ascending `up_to` order (validated by the config loader).
using TickTable = std::vector<TickStep>;

/// The tick that applies at `price`.
Price tick_at(const TickTable& table, Price price);

/// Everything that limits one order, already merged from defaults, account and symbol (unset:
/// no limit). Pointers refer to data that outlives the check.
struct Limits {
  std::optional<Qty> max_order_qty;
  std::optional<Price> max_order_notional;
  std::optional<Price> price_band_percent;  ///< limit price within ±this percent of the reference
  std::optional<std::uint32_t> max_open_orders;
  std::optional<Price> max_open_notional;
  std::optional<Qty> lot_size;
  const TickTable* tick_table = nullptr;
  bool restricted = false;                  ///< the symbol may not be traded at all
};

/// What the checks look at in an order.
struct OrderView {
  std::string_view account;
  std::string_view symbol;
  Qty qty;
  std::optional<Price> price;  ///< limit price; market orders have none
};

/// An account's live orders as the checks see them.
struct Exposure {
  std::uint32_t open_orders = 0;
  Price open_notional;  ///< leaves quantity × price over the account's live orders; saturates
};

/// What a new order adds to its account's exposure: one order and its notional.
struct Addition {
  std::uint32_t orders = 1;
  Price notional;
};

/// Runs every check in a fixed order (restricted, lot, tick, band, order qty, order notional,
/// open orders, notional range, open notional); the first failure names the check in
/// `Reject::limit`. "notional_range" refuses an order whose notional, or the account's open
/// notional with it, is past the largest amount a Price holds, whatever the limits.
/// `reference` is the price the band is measured from (no reference: the band is not applied).
/// `addition` is what the order would add to `exposure` (a replace passes its difference).
std::expected<void, Reject> check_order(const OrderView& order, const Limits& limits, const Exposure& exposure,
                                        std::optional<Price> reference, Addition addition);

/// Notional an order ties up: quantity × its price, or × the reference for a market order;
/// zero when neither is known. Saturates instead of wrapping.
Price open_notional(Qty qty, std::optional<Price> price, std::optional<Price> reference);

/// Running exposure per account, updated order by order: each order's last contribution is
/// remembered so an update replaces it exactly (fills, cancels and replaces all move it).
class ExposureBook {
 public:
  /// Sets what order `order` (a stable index) contributes to `account`; live=false removes it.
  void update(std::uint32_t order, std::string_view account, bool live, Price notional);
  /// The account's exposure (zero for an account never seen).
  Exposure of(std::string_view account) const;

 private:
  struct Contribution {
    std::string account;
    Price notional;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  /// Totals in 128 bits: a sum of client amounts never wraps, whatever was let in.
  struct Totals {
    std::uint32_t open_orders = 0;
    Int128 open_notional_units = 0;
  };
  std::unordered_map<std::uint32_t, Contribution> live_;
  std::unordered_map<std::string, Totals, Hash, std::equal_to<>> accounts_;
};

/// At most `limit` events in any `window_ns` (a sliding window); limit 0 means no limit.
class RateWindow {
 public:
  RateWindow() = default;
  RateWindow(std::uint32_t limit, std::int64_t window_ns) : limit_(limit), window_ns_(window_ns) {}
  /// Would one more event at `now_ns` stay within the limit?
  bool allows(std::int64_t now_ns);
  /// Counts an event at `now_ns` (times never go backwards for one window).
  void record(std::int64_t now_ns);
  /// Events counted inside the window ending at `now_ns`.
  std::uint32_t count(std::int64_t now_ns);
  std::uint32_t limit() const { return limit_; }
  /// Changes the limit, keeping the events already counted.
  void set_limit(std::uint32_t limit) { limit_ = limit; }

 private:
  void expire(std::int64_t now_ns);
  std::uint32_t limit_ = 0;
  std::int64_t window_ns_ = 0;
  std::deque<std::int64_t> times_;
};

/// Refuses an order identical (account, symbol, side, qty, price) to one accepted within the
/// window; window 0 turns it off.
class DuplicateGuard {
 public:
  explicit DuplicateGuard(std::int64_t window_ns = 0) : window_ns_(window_ns) {}
  /// The time the same order was last accepted, if inside the window ending at `now_ns`.
  std::optional<std::int64_t> recent(std::string_view account, std::string_view symbol, Side side, Qty qty,
                                     std::optional<Price> price, std::int64_t now_ns);
  void record(std::string_view account, std::string_view symbol, Side side, Qty qty, std::optional<Price> price,
              std::int64_t now_ns);
  void set_window(std::int64_t window_ns) { window_ns_ = window_ns; }
  std::int64_t window_ns() const { return window_ns_; }

 private:
  static std::string key(std::string_view account, std::string_view symbol, Side side, Qty qty,
                         std::optional<Price> price);
  void expire(std::int64_t now_ns);
  std::int64_t window_ns_;
  std::unordered_map<std::string, std::int64_t> last_;
  std::deque<std::pair<std::int64_t, std::string>> order_;
};

/// Where a kill switch applies.
enum class KillScope : std::uint8_t { all, account, session };
std::string_view name(KillScope scope);
std::optional<KillScope> kill_scope_from_name(std::string_view text);

/// One engaged kill switch: who pulled it, why and when.
struct Kill {
  KillScope scope = KillScope::all;
  std::string target;  ///< account or session name; empty for all
  std::string by;      ///< client name, or "auto" for a breach
  std::string reason;
  std::int64_t since_ns = 0;
};

/// The kill switches engaged now. Engaging one blocks new orders in its scope until it is
/// released explicitly; nothing releases it by itself.
class KillSwitch {
 public:
  /// false when the same scope/target is already engaged (the first one stays on record).
  bool engage(Kill kill);
  /// false when it was not engaged.
  bool release(KillScope scope, std::string_view target);
  /// The switch that blocks an order for this account on this session, if any (all first).
  const Kill* blocking(std::string_view account, std::string_view session) const;
  const Kill* find(KillScope scope, std::string_view target) const;
  const std::vector<Kill>& engaged() const { return engaged_; }

 private:
  std::vector<Kill> engaged_;
};

}  // namespace fixgate::risk
