// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/types.hpp"

#include <array>
#include <utility>

namespace fixgate {
namespace {

template <class E, std::size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<Side, 3> side_names{{{Side::buy, "buy"}, {Side::sell, "sell"}, {Side::sell_short, "sell_short"}}};
constexpr Table<OrdType, 4> ord_type_names{{{OrdType::market, "market"},
                                            {OrdType::limit, "limit"},
                                            {OrdType::stop, "stop"},
                                            {OrdType::stop_limit, "stop_limit"}}};
constexpr Table<TimeInForce, 5> tif_names{{{TimeInForce::day, "day"},
                                           {TimeInForce::gtc, "gtc"},
                                           {TimeInForce::ioc, "ioc"},
                                           {TimeInForce::fok, "fok"},
                                           {TimeInForce::gtd, "gtd"}}};
constexpr Table<OrdStatus, 15> ord_status_names{{{OrdStatus::new_order, "new"},
                                                 {OrdStatus::partially_filled, "partially_filled"},
                                                 {OrdStatus::filled, "filled"},
                                                 {OrdStatus::done_for_day, "done_for_day"},
                                                 {OrdStatus::canceled, "canceled"},
                                                 {OrdStatus::replaced, "replaced"},
                                                 {OrdStatus::pending_cancel, "pending_cancel"},
                                                 {OrdStatus::stopped, "stopped"},
                                                 {OrdStatus::rejected, "rejected"},
                                                 {OrdStatus::suspended, "suspended"},
                                                 {OrdStatus::pending_new, "pending_new"},
                                                 {OrdStatus::calculated, "calculated"},
                                                 {OrdStatus::expired, "expired"},
                                                 {OrdStatus::accepted_for_bidding, "accepted_for_bidding"},
                                                 {OrdStatus::pending_replace, "pending_replace"}}};
constexpr Table<ExecType, 19> exec_type_names{{{ExecType::new_order, "new"},
                                               {ExecType::partial_fill, "partial_fill"},
                                               {ExecType::fill, "fill"},
                                               {ExecType::done_for_day, "done_for_day"},
                                               {ExecType::canceled, "canceled"},
                                               {ExecType::replaced, "replaced"},
                                               {ExecType::pending_cancel, "pending_cancel"},
                                               {ExecType::stopped, "stopped"},
                                               {ExecType::rejected, "rejected"},
                                               {ExecType::suspended, "suspended"},
                                               {ExecType::pending_new, "pending_new"},
                                               {ExecType::calculated, "calculated"},
                                               {ExecType::expired, "expired"},
                                               {ExecType::restated, "restated"},
                                               {ExecType::pending_replace, "pending_replace"},
                                               {ExecType::trade, "trade"},
                                               {ExecType::trade_correct, "trade_correct"},
                                               {ExecType::trade_cancel, "trade_cancel"},
                                               {ExecType::order_status, "order_status"}}};

template <class E, std::size_t N>
std::optional<E> by_char(const Table<E, N>& table, char c) {
  for (const auto& [value, text] : table) {
    if (static_cast<char>(value) == c) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::optional<E> by_name(const Table<E, N>& table, std::string_view n) {
  for (const auto& [value, text] : table) {
    if (text == n) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const Table<E, N>& table, E v) {
  for (const auto& [value, text] : table) {
    if (value == v) return text;
  }
  return "unknown";
}

}  // namespace

std::optional<Side> side_from_fix(char c) { return by_char(side_names, c); }
std::optional<OrdType> ord_type_from_fix(char c) { return by_char(ord_type_names, c); }
std::optional<TimeInForce> tif_from_fix(char c) { return by_char(tif_names, c); }
std::optional<OrdStatus> ord_status_from_fix(char c) { return by_char(ord_status_names, c); }
std::optional<ExecType> exec_type_from_fix(char c) { return by_char(exec_type_names, c); }

std::string_view name(Side v) { return name_of(side_names, v); }
std::string_view name(OrdType v) { return name_of(ord_type_names, v); }
std::string_view name(TimeInForce v) { return name_of(tif_names, v); }
std::string_view name(OrdStatus v) { return name_of(ord_status_names, v); }
std::string_view name(ExecType v) { return name_of(exec_type_names, v); }

std::optional<Side> side_from_name(std::string_view n) { return by_name(side_names, n); }
std::optional<OrdType> ord_type_from_name(std::string_view n) { return by_name(ord_type_names, n); }
std::optional<TimeInForce> tif_from_name(std::string_view n) { return by_name(tif_names, n); }

}  // namespace fixgate
