// SPDX-License-Identifier: Apache-2.0
// Upstream requests into the book: validation, ClOrdID generation, the one-pending-request rule,
// and the indexes that map every id an order has carried back to it.

#include "fixgate/order/book.hpp"

#include <algorithm>
#include <charconv>
#include <utility>
#include <variant>

namespace fixgate::order {
namespace {

std::string client_key(std::string_view client, std::string_view client_order_id) {
  // Length-prefixed, so no client name or id, whatever characters it holds, can make two
  // different pairs spell the same key.
  char size[24];
  auto [end, ec] = std::to_chars(size, size + sizeof size, client.size());
  (void)ec;  // 24 chars always hold a size_t
  std::string key;
  key.reserve(static_cast<std::size_t>(end - size) + 1 + client.size() + client_order_id.size());
  key.append(size, end).append(1, ':').append(client).append(client_order_id);
  return key;
}

bool needs_price(OrdType t) { return t == OrdType::limit || t == OrdType::stop_limit; }
bool needs_stop(OrdType t) { return t == OrdType::stop || t == OrdType::stop_limit; }

std::optional<Reject> missing(std::string_view value, std::string_view field) {
  if (!value.empty()) return std::nullopt;
  return Reject{RejectReason::missing_field, std::string(field) + " is required"};
}

// Field rules shared by new orders and replacements: the price fields must fit the order type.
std::optional<Reject> check_prices(OrdType type, const std::optional<Price>& price,
                                   const std::optional<Price>& stop_price) {
  if (needs_price(type) && !price)
    return Reject{RejectReason::missing_field,
                  "price is required for a " + std::string(name(type)) + " order"};
  if (!needs_price(type) && price)
    return Reject{RejectReason::invalid_field,
                  "price is not allowed on a " + std::string(name(type)) + " order"};
  if (needs_stop(type) && !stop_price)
    return Reject{RejectReason::missing_field,
                  "stop_price is required for a " + std::string(name(type)) + " order"};
  if (!needs_stop(type) && stop_price)
    return Reject{RejectReason::invalid_field,
                  "stop_price is not allowed on a " + std::string(name(type)) + " order"};
  if (price && (price->is_zero() || price->is_negative()))
    return Reject{RejectReason::invalid_field, "price must be positive, got " + price->to_string()};
  if (stop_price && (stop_price->is_zero() || stop_price->is_negative()))
    return Reject{RejectReason::invalid_field, "stop_price must be positive, got " + stop_price->to_string()};
  return std::nullopt;
}

std::optional<Reject> validate_new(const NewOrderRequest& r) {
  for (auto [value, field] : {std::pair{std::string_view(r.client), "client"},
                              {r.client_order_id, "client_order_id"},
                              {r.account, "account"},
                              {r.symbol, "symbol"},
                              {r.session, "session"}}) {
    if (auto reject = missing(value, field)) return reject;
  }
  if (r.qty.is_zero() || r.qty.is_negative())
    return Reject{RejectReason::invalid_field, "qty must be positive, got " + r.qty.to_string()};
  if (auto reject = check_prices(r.ord_type, r.price, r.stop_price)) return reject;
  if (r.tif == TimeInForce::gtd && !r.expire_time)
    return Reject{RejectReason::missing_field, "expire_time is required for a gtd order"};
  if (r.tif != TimeInForce::gtd && r.expire_time)
    return Reject{RejectReason::invalid_field, "expire_time is only allowed on a gtd order"};
  if (!ExecInstSet::parse(r.exec_inst))
    return Reject{RejectReason::invalid_field,
                  "exec_inst is FIX ExecInst values (one letter or digit each) separated by single spaces, got '" +
                      r.exec_inst + "'"};
  return std::nullopt;
}

}  // namespace

OrderBook::OrderBook(std::string cl_ord_id_prefix) : prefix_(std::move(cl_ord_id_prefix)) {}

std::string OrderBook::next_cl_ord_id() { return cl_ord_id_of(next_seq_++); }

std::string OrderBook::cl_ord_id_of(std::uint64_t seq) const {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, seq);
  (void)ec;  // 24 chars always hold a uint64
  std::string id;
  id.reserve(prefix_.size() + static_cast<std::size_t>(end - digits));
  id.append(prefix_).append(digits, end);
  return id;
}

Reject OrderBook::refuse(RejectReason reason, std::string text) {
  ++counters_.requests_rejected;
  return Reject{reason, std::move(text)};
}

std::optional<std::uint32_t> OrderBook::lookup(const Index& index, std::string_view key) const {
  if (key.empty()) return std::nullopt;
  auto it = index.find(key);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

// The sequence number in a ClOrdID this book generated, or 0 for any other text. Only the exact
// spelling it generates counts ("FG7", never "FG07"), so a foreign id can never alias an order.
std::uint64_t OrderBook::seq_of(std::string_view cl_ord_id) const {
  if (!cl_ord_id.starts_with(prefix_)) return 0;
  auto digits = cl_ord_id.substr(prefix_.size());
  if (digits.empty() || digits.front() == '0') return 0;
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return seq;
}

std::optional<std::uint32_t> OrderBook::lookup_cl_ord_id(std::string_view cl_ord_id) const {
  auto seq = seq_of(cl_ord_id);
  if (seq < seq_base_ || seq >= seq_base_ + by_seq_.size()) return std::nullopt;
  auto at = by_seq_[seq - seq_base_];
  if (at == kNoOrder) return std::nullopt;
  return at;
}

std::expected<NewOrderSingle, Reject> OrderBook::on_new(const NewOrderRequest& r) {
  if (auto reject = validate_new(r)) return std::unexpected(refuse(reject->reason, std::move(reject->text)));
  auto key = client_key(r.client, r.client_order_id);
  if (by_client_id_.contains(key))
    return std::unexpected(refuse(RejectReason::duplicate_client_order_id,
                                  "client_order_id " + r.client_order_id + " was already used"));
  auto at = static_cast<std::uint32_t>(orders_.size());
  Order& o = orders_.emplace_back();
  o.client = r.client;
  o.account = r.account;
  o.symbol = r.symbol;
  o.session = r.session;
  o.side = r.side;
  o.ord_type = r.ord_type;
  o.tif = r.tif;
  o.order_qty = r.qty;
  o.leaves_qty = r.qty;  // FIX reports a pending-new order with LeavesQty = OrderQty
  o.price = r.price;
  o.stop_price = r.stop_price;
  o.expire_time = r.expire_time;
  o.exec_inst = *ExecInstSet::parse(r.exec_inst);  // validate_new checked it
  o.created = r.time;
  o.updated = r.time;
  o.current = add_link(at, RequestKind::new_order, r.client_order_id);
  ++counters_.orders;
  return NewOrderSingle{o.session, o.cl_ord_id(), o.account, o.symbol,     o.side,        o.ord_type,
                        o.tif,     o.order_qty,   o.price,   o.stop_price, o.expire_time, r.time,
                        o.exec_inst.to_string()};
}

std::uint16_t OrderBook::add_link(std::uint32_t at, RequestKind kind, std::string_view client_order_id) {
  Order& o = orders_[at];
  o.chain.push_back(ChainLink{next_cl_ord_id(), std::string(client_order_id), kind, LinkState::pending});
  by_seq_.push_back(at);  // the link took sequence number next_seq_ - 1
  by_client_id_.emplace(client_key(o.client, client_order_id), at);
  return static_cast<std::uint16_t>(o.chain.size() - 1);
}

// The order a cancel/replace refers to, if one may be requested on it now.
std::expected<std::uint32_t, Reject> OrderBook::live_target(RequestKind kind, std::string_view client,
                                                            std::string_view orig_client_order_id,
                                                            std::string_view client_order_id) const {
  for (auto [value, field] : {std::pair{client, "client"},
                              {client_order_id, "client_order_id"},
                              {orig_client_order_id, "orig_client_order_id"}}) {
    if (auto reject = missing(value, field)) return std::unexpected(*reject);
  }
  if (by_client_id_.contains(client_key(client, client_order_id)))
    return std::unexpected(Reject{RejectReason::duplicate_client_order_id,
                                  "client_order_id " + std::string(client_order_id) + " was already used"});
  auto at = lookup(by_client_id_, client_key(client, orig_client_order_id));
  if (!at)
    return std::unexpected(Reject{RejectReason::unknown_order,
                                  "no order with client_order_id " + std::string(orig_client_order_id)});
  const Order& o = orders_[*at];
  // A filled order may still be replaced upward (FIX 4.4 Appendix D C.1.c); on_replace checks the qty.
  bool replaceable_fill = kind == RequestKind::replace && o.status == OrdStatus::filled;
  if (!o.is_live() && !replaceable_fill)
    return std::unexpected(Reject{RejectReason::order_done, "order " + o.client_order_id() + " is already " +
                                                                std::string(name(o.status))});
  if (const ChainLink* p = o.pending_link())
    return std::unexpected(Reject{RejectReason::pending_request,
                                  "a " + std::string(name(p->kind)) + " is already pending for order " +
                                      o.client_order_id() + " (client_order_id " + p->client_order_id +
                                      ", ClOrdID " + p->cl_ord_id + ")"});
  return *at;
}

std::expected<OrderCancelRequest, Reject> OrderBook::on_cancel(const CancelRequest& r) {
  auto at = live_target(RequestKind::cancel, r.client, r.orig_client_order_id, r.client_order_id);
  if (!at) return std::unexpected(refuse(at.error().reason, std::move(at.error().text)));
  std::string orig = orders_[*at].cl_ord_id();  // copy: add_link may grow the chain
  auto link = add_link(*at, RequestKind::cancel, r.client_order_id);
  Order& o = orders_[*at];
  o.pending = PendingRequest{RequestKind::cancel, link, std::nullopt, std::nullopt, false};
  o.updated = r.time;
  return OrderCancelRequest{o.session,       o.chain[link].cl_ord_id,
                            std::move(orig), o.order_id,
                            o.account,       o.symbol,
                            o.side,          o.order_qty,
                            r.time};
}

std::expected<OrderCancelReplaceRequest, Reject> OrderBook::on_replace(const ReplaceRequest& r) {
  auto at = live_target(RequestKind::replace, r.client, r.orig_client_order_id, r.client_order_id);
  if (!at) return std::unexpected(refuse(at.error().reason, std::move(at.error().text)));
  const Order& cur = orders_[*at];
  auto fail = [&](RejectReason reason, std::string text) {
    return std::unexpected(refuse(reason, std::move(text)));
  };
  if (cur.status == OrdStatus::pending_new)
    return fail(
        RejectReason::not_allowed_in_state,
        "order " + cur.client_order_id() + " is not yet acknowledged by the broker; cancel it instead");
  if (!r.qty && !r.price) return fail(RejectReason::missing_field, "a replace needs qty or price");
  if (r.qty && (r.qty->is_zero() || r.qty->is_negative()))
    return fail(RejectReason::invalid_field, "qty must be positive, got " + r.qty->to_string());
  if (r.qty && *r.qty < cur.cum_qty)
    return fail(RejectReason::invalid_field,
                "qty " + r.qty->to_string() + " is below the " + cur.cum_qty.to_string() + " already filled");
  auto price = r.price ? r.price : cur.price;
  if (r.price) {
    if (auto reject = check_prices(cur.ord_type, price, cur.stop_price))
      return fail(reject->reason, std::move(reject->text));
  }
  auto qty = r.qty.value_or(cur.order_qty);
  if (cur.status == OrdStatus::filled && qty <= cur.order_qty)
    return fail(RejectReason::order_done,
                "order " + cur.client_order_id() + " is filled; only a larger qty can reopen it");
  if (qty == cur.order_qty && price == cur.price)
    return fail(RejectReason::invalid_field, "replace changes neither qty nor price");
  std::string orig = cur.cl_ord_id();
  auto link = add_link(*at, RequestKind::replace, r.client_order_id);
  Order& o = orders_[*at];
  o.pending = PendingRequest{RequestKind::replace, link, r.qty, r.price, false};
  o.updated = r.time;
  return OrderCancelReplaceRequest{o.session,       o.chain[link].cl_ord_id,
                                   std::move(orig), o.order_id,
                                   o.account,       o.symbol,
                                   o.side,          o.ord_type,
                                   o.tif,           qty,
                                   price,           o.stop_price,
                                   o.expire_time,   r.time,
                                   o.exec_inst.to_string()};
}

void OrderBook::apply(const Input& input) {
  std::visit(
      [this](const auto& in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, NewOrderRequest>)
          (void)on_new(in);
        else if constexpr (std::is_same_v<T, CancelRequest>)
          (void)on_cancel(in);
        else if constexpr (std::is_same_v<T, ReplaceRequest>)
          (void)on_replace(in);
        else if constexpr (std::is_same_v<T, ExecReport>)
          (void)on_exec_report(in);
        else if constexpr (std::is_same_v<T, CancelReject>)
          (void)on_cancel_reject(in);
        else if constexpr (std::is_same_v<T, RequestReject>)
          (void)on_request_reject(in);
        else if constexpr (std::is_same_v<T, RequestTimeout>)
          (void)on_timeout(in);
        else
          (void)evict_done();
      },
      input);
}

const Order* OrderBook::find(std::string_view client, std::string_view client_order_id) const {
  auto at = lookup(by_client_id_, client_key(client, client_order_id));
  return at ? &orders_[*at] : nullptr;
}

const Order* OrderBook::find_by_cl_ord_id(std::string_view cl_ord_id) const {
  auto at = lookup_cl_ord_id(cl_ord_id);
  return at ? &orders_[*at] : nullptr;
}

const Order* OrderBook::find_by_order_id(std::string_view order_id) const {
  auto at = lookup(by_order_id_, order_id);
  return at ? &orders_[*at] : nullptr;
}

std::vector<const Order*> OrderBook::live_orders(std::optional<std::string_view> account) const {
  std::vector<const Order*> out;
  for (const Order& o : orders_) {
    if (o.is_live() && (!account || o.account == *account)) out.push_back(&o);
  }
  return out;
}

std::size_t OrderBook::evict_done() {
  auto before = orders_.size();
  std::erase_if(orders_, [](const Order& o) { return !o.is_live() && !o.pending; });
  rebuild_indexes();
  return before - orders_.size();
}

void OrderBook::rebuild_indexes() {
  by_client_id_.clear();
  by_order_id_.clear();
  // Sequence numbers below the oldest ClOrdID still held are dropped, so the index stays flat.
  seq_base_ = next_seq_;
  for (const Order& o : orders_) {
    for (const ChainLink& link : o.chain) seq_base_ = std::min(seq_base_, seq_of(link.cl_ord_id));
  }
  by_seq_.assign(next_seq_ - seq_base_, kNoOrder);
  for (std::uint32_t at = 0; at < orders_.size(); ++at) {
    const Order& o = orders_[at];
    for (const ChainLink& link : o.chain) {
      by_seq_[seq_of(link.cl_ord_id) - seq_base_] = at;
      by_client_id_.emplace(client_key(o.client, link.client_order_id), at);
    }
    if (!o.order_id.empty()) by_order_id_.emplace(o.order_id, at);
  }
}

bool OrderBook::operator==(const OrderBook& other) const {
  return prefix_ == other.prefix_ && next_seq_ == other.next_seq_ && counters_ == other.counters_ &&
         orders_ == other.orders_;
}

OrderBook rebuild(std::string cl_ord_id_prefix, std::span<const Input> inputs) {
  OrderBook book(std::move(cl_ord_id_prefix));
  for (const Input& input : inputs) book.apply(input);
  return book;
}

}  // namespace fixgate::order
