// SPDX-License-Identifier: Apache-2.0
#include "exchange.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include <spdlog/spdlog.h>

#include "fixgate/core/types.hpp"

namespace fixgate::sim {
namespace {

// Tags we read and write; the generated FIX::FIELD constants would do, named here for brevity.
constexpr int kAccount = 1, kAvgPx = 6, kClOrdID = 11, kCumQty = 14, kExecID = 17,
              kExecTransType = 20, kLastPx = 31, kLastQty = 32, kOrderID = 37, kOrderQty = 38,
              kOrdStatus = 39, kOrdType = 40, kOrigClOrdID = 41, kPrice = 44, kSide = 54,
              kSymbol = 55, kText = 58, kTimeInForce = 59, kTransactTime = 60,
              kCxlRejReason = 102, kOrdRejReason = 103, kExecType = 150, kLeavesQty = 151,
              kCxlRejResponseTo = 434;

constexpr char kNew = '0', kPartial = '1', kFilled = '2', kCanceled = '4', kRejected = '8';

std::string get(const FIX::FieldMap& m, int tag) {
  return m.isSetField(tag) ? m.getField(tag) : std::string();
}

bool live(char status) { return status == kNew || status == kPartial; }

std::optional<Request> request_of(const std::string& msg_type) {
  if (msg_type == "D") return Request::new_order;
  if (msg_type == "F") return Request::cancel;
  if (msg_type == "G") return Request::replace;
  if (msg_type == "H") return Request::status;
  return std::nullopt;
}

std::string key(const FIX::SessionID& session, const std::string& cl_ord_id) {
  return session.toString() + '|' + cl_ord_id;
}

// UTCTimestamp with milliseconds, written as text so no QuickFIX version-specific setter is needed.
std::string fix_time_now() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // roomy: the compiler cannot bound tm_year
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string side_name(const std::string& fix_side) {
  if (fix_side.size() == 1)
    if (auto side = side_from_fix(fix_side[0])) return std::string(name(*side));
  return fix_side;
}

// Splits what is left into `fills_left` parts, in whole units when the quantity is whole.
Qty next_fill_qty(Qty leaves, int fills_left) {
  if (fills_left <= 1) return leaves;
  const std::int64_t step = leaves.units() % Qty::scale == 0 ? Qty::scale : 1;
  const std::int64_t parts = std::max<std::int64_t>(1, leaves.units() / step / fills_left);
  return Qty::from_units(std::min(leaves.units(), parts * step));
}

// "20261126-12:45:00.123" (TransactTime) as "2026-11-26T12:45:00.123000Z", the recorder's form.
std::string iso_from_fix_time(const std::string& t) {
  if (t.size() < 17 || t[8] != '-') return t;
  std::string frac = t.size() > 18 ? t.substr(18) : "";
  frac.resize(6, '0');
  return t.substr(0, 4) + '-' + t.substr(4, 2) + '-' + t.substr(6, 2) + 'T' + t.substr(9, 8) + '.' + frac +
         'Z';
}

// The record of a fill as its ExecutionReport tells it (LastQty and LastPx set).
ExecutionRecord fill_record(const FIX::Message& er, const FIX::SessionID& session, std::string time) {
  return {get(er, kExecID), get(er, kOrderID), get(er, kClOrdID), side_name(get(er, kSide)), get(er, kSymbol),
          get(er, kLastQty), get(er, kLastPx), std::move(time), session.toString()};
}

}  // namespace

std::size_t record_stored_fills(const FIX::SessionID& session, const std::vector<std::string>& stored,
                                Recorder& recorder) {
  std::size_t recorded_now = 0;
  for (const auto& text : stored) {
    FIX::Message msg(text, /*validate=*/false);
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != "8" || !msg.isSetField(kLastQty)) continue;
    const auto last_qty = Qty::parse(msg.getField(kLastQty));
    if (!last_qty || last_qty->units() <= 0) continue;
    if (recorder.on_execution(fill_record(msg, session, iso_from_fix_time(get(msg, kTransactTime))))) ++recorded_now;
  }
  return recorded_now;
}

bool is_fix44(const FIX::SessionID& session) {
  return session.getBeginString().getValue() == "FIX.4.4";
}

Exchange::Exchange(Behaviour behaviour, Recorder& recorder, SendFn send, std::string id_prefix)
    : behaviour_(std::move(behaviour)), prices_(behaviour_.modes.price_text), recorder_(recorder),
      send_(std::move(send)), id_prefix_(std::move(id_prefix)) {}

void Exchange::on_message(const FIX::Message& msg, const FIX::SessionID& session) {
  const std::string type = msg.getHeader().getField(FIX::FIELD::MsgType);
  const auto request = request_of(type);
  if (!request) throw FIX::UnsupportedMessageType();
  const std::string symbol = get(msg, kSymbol);
  const std::string seq = msg.getHeader().getField(FIX::FIELD::MsgSeqNum);
  if (find_rule(behaviour_.modes.session_rejects, *request, symbol)) {
    spdlog::info("{}: session-level Reject of {} {} (seq {})", session.toString(), type, symbol, seq);
    throw FIX::IncorrectTagValue(kSymbol);  // QuickFIX: 373=5, 371=55, "Value is incorrect (out of range) ..."
  }
  if (find_rule(behaviour_.modes.business_rejects, *request, symbol)) {
    spdlog::info("{}: BusinessMessageReject of {} {} (seq {})", session.toString(), type, symbol, seq);
    throw FIX::UnsupportedMessageType();  // QuickFIX: 35=j 380=3 with 45 and 372, no 379
  }
  pending_.push(Pending{Clock::now(), ++pending_seq_, {}, msg, session});
}

int Exchange::do_work(Clock::time_point now) {
  int taken = 0;
  while (!pending_.empty() && pending_.top().due <= now) {
    Pending item = pending_.top();
    pending_.pop();
    ++taken;
    if (item.request) {
      work(*item.request, item.session, item.due);
      continue;
    }
    auto it = orders_.find(item.fill_order_id);
    if (it != orders_.end() && live(it->second.status)) fill_step(it->second, item.due);
  }
  return taken;
}

void Exchange::work(const FIX::Message& msg, const FIX::SessionID& session, Clock::time_point at) {
  switch (*request_of(msg.getHeader().getField(FIX::FIELD::MsgType))) {
    case Request::new_order: return on_new_order(msg, session, at);
    case Request::cancel: return on_cancel(msg, session);
    case Request::replace: return on_replace(msg, session);
    case Request::status: return on_status(msg, session);
  }
}

std::optional<Clock::time_point> Exchange::next_due() const {
  if (pending_.empty()) return std::nullopt;
  return pending_.top().due;
}

void Exchange::on_new_order(const FIX::Message& msg, const FIX::SessionID& session, Clock::time_point at) {
  Order order;
  order.session = session;
  order.order_id = "O" + id_prefix_ + "-" + std::to_string(++order_seq_);
  order.cl_ord_id = get(msg, kClOrdID);
  order.account = get(msg, kAccount);
  order.symbol = get(msg, kSymbol);
  order.side = get(msg, kSide);
  order.ord_type = get(msg, kOrdType);
  order.time_in_force = get(msg, kTimeInForce);
  const auto qty = Qty::parse(get(msg, kOrderQty));
  if (qty) order.qty = *qty;
  if (msg.isSetField(kPrice)) order.price = SimPrice::parse(get(msg, kPrice));
  if (order.price && !prices_.writable(*order.price)) order.price.reset();  // more decimals than exact text keeps

  std::string why;
  int reason = 0;  // BrokerCredit / broker option: valid in both versions
  if (!qty || qty->units() <= 0) {
    why = "OrderQty must be a positive decimal";
    reason = is_fix44(session) ? 13 : 0;
  } else if (msg.isSetField(kPrice) && !order.price) {
    why = "Price must be a positive decimal";
    reason = is_fix44(session) ? 99 : 0;
  } else if (cl_ord_id_used(session, order.cl_ord_id)) {
    why = "duplicate ClOrdID";
    reason = 6;
  } else if (why = reject_reason_for(order); !why.empty()) {
    reason = why.starts_with("unknown account") ? (is_fix44(session) ? 15 : 0) : 1;
  }

  if (!why.empty()) {
    order.status = kRejected;
    FIX::Message er = report(order, kRejected);
    er.setField(kOrdRejReason, std::to_string(reason));
    er.setField(kText, why);
    send(session, std::move(er));
    spdlog::info("{} rejected {}: {}", session.toString(), order.cl_ord_id, why);
    if (reason != 6) {  // a duplicate must not shadow the order that owns the ClOrdID
      index(order);
      orders_.emplace(order.order_id, order);
    }
    return;
  }

  order.status = kNew;
  FIX::Message ack = report(order, kNew);
  order.ack_exec_id = get(ack, kExecID);
  send(session, std::move(ack));
  const bool hold = order.symbol.starts_with("HOLD");
  if (!hold && behaviour_.fill_mode != FillMode::none) {
    order.fills_left = behaviour_.fill_mode == FillMode::full ? 1 : behaviour_.partial_fills;
    queue_fill(order, at + behaviour_.fill_delay);
  }
  index(order);
  orders_.emplace(order.order_id, std::move(order));
}

void Exchange::on_cancel(const FIX::Message& msg, const FIX::SessionID& session) {
  const std::string cl_ord_id = get(msg, kClOrdID);
  Order* order = find(session, get(msg, kOrigClOrdID), get(msg, kOrderID));
  const bool v44 = is_fix44(session);
  if (order == nullptr)
    return send(session, cancel_reject(session, msg, nullptr, '1', 1, "unknown order"));
  if (cl_ord_id_used(session, cl_ord_id))
    return send(session, cancel_reject(session, msg, order, '1', v44 ? 6 : 2, "duplicate ClOrdID"));
  if (!live(order->status))
    return send(session, cancel_reject(session, msg, order, '1', 0, "too late to cancel"));
  if (const auto* rule = cancel_reject_rule(Request::cancel))
    return send(session, cancel_reject(session, msg, order, '1', rule->reason, rule->text));

  const std::string orig = order->cl_ord_id;
  order->cl_ord_id = cl_ord_id;
  order->status = kCanceled;
  index(*order);
  FIX::Message er = report(*order, kCanceled);
  er.setField(kOrigClOrdID, orig);
  send(session, std::move(er));
}

void Exchange::on_replace(const FIX::Message& msg, const FIX::SessionID& session) {
  const std::string cl_ord_id = get(msg, kClOrdID);
  Order* order = find(session, get(msg, kOrigClOrdID), get(msg, kOrderID));
  const bool v44 = is_fix44(session);
  const int other = v44 ? 99 : 2;  // 4.2 has no "Other"; broker option is the closest
  if (order == nullptr)
    return send(session, cancel_reject(session, msg, nullptr, '2', 1, "unknown order"));
  if (cl_ord_id_used(session, cl_ord_id))
    return send(session, cancel_reject(session, msg, order, '2', v44 ? 6 : 2, "duplicate ClOrdID"));
  if (!live(order->status))
    return send(session, cancel_reject(session, msg, order, '2', 0, "too late to replace"));
  if (const auto* rule = cancel_reject_rule(Request::replace))
    return send(session, cancel_reject(session, msg, order, '2', rule->reason, rule->text));
  const auto qty = Qty::parse(get(msg, kOrderQty));
  std::optional<SimPrice> price;
  if (msg.isSetField(kPrice)) price = SimPrice::parse(get(msg, kPrice));
  if (!qty || qty->units() <= 0 || (msg.isSetField(kPrice) && (!price || !prices_.writable(*price))))
    return send(session, cancel_reject(session, msg, order, '2', other, "bad OrderQty or Price"));
  // FIX 4.4 Vol 4 D.9: a reduction below what has executed cannot be applied.
  if (*qty < order->cum)
    return send(session, cancel_reject(session, msg, order, '2', other, "OrderQty below CumQty"));

  const std::string orig = order->cl_ord_id;
  order->cl_ord_id = cl_ord_id;
  order->qty = *qty;
  if (price) order->price = price;
  if (msg.isSetField(kOrdType)) order->ord_type = get(msg, kOrdType);
  if (msg.isSetField(kTimeInForce)) order->time_in_force = get(msg, kTimeInForce);
  // Reducing to exactly the executed quantity completes the order (Vol 4 D.10).
  order->status = *qty == order->cum ? kFilled : (order->cum.is_zero() ? kNew : kPartial);
  index(*order);
  FIX::Message er = report(*order, '5');
  er.setField(kOrigClOrdID, orig);
  send(session, std::move(er));
}

void Exchange::on_status(const FIX::Message& msg, const FIX::SessionID& session) {
  Order* order = find(session, get(msg, kClOrdID), get(msg, kOrderID));
  if (order != nullptr) return send(session, status_report(*order));
  Order unknown;
  unknown.session = session;
  unknown.order_id = "NONE";
  unknown.cl_ord_id = get(msg, kClOrdID);
  unknown.symbol = get(msg, kSymbol);
  unknown.side = get(msg, kSide);
  unknown.status = kRejected;
  FIX::Message er = status_report(unknown);
  er.setField(kOrdRejReason, "5");  // unknown order
  send(session, std::move(er));
}

FIX::Message Exchange::status_report(const Order& order) {
  const bool v44 = is_fix44(order.session);
  FIX::Message er = report(order, v44 ? 'I' : order.status);
  if (!v44) er.setField(kExecTransType, "3");
  if (behaviour_.modes.status_exec_id) er.setField(kExecID, *behaviour_.modes.status_exec_id);
  return er;
}

void Exchange::fill_step(Order& order, Clock::time_point at) {
  const Qty leaves = order.qty - order.cum;
  const Qty last_qty = next_fill_qty(leaves, order.fills_left);
  const SimPrice last_px = fill_price_for(order);
  order.cum += last_qty;
  order.value.add(last_px, last_qty);
  order.status = order.cum == order.qty ? kFilled : kPartial;
  order.fills_left = std::max(0, order.fills_left - 1);
  ++order.fills_done;

  const bool v44 = is_fix44(order.session);
  FIX::Message er = report(order, v44 ? 'F' : order.status);
  er.setField(kLastQty, last_qty.to_string());
  er.setField(kLastPx, prices_.price(last_px));
  const auto repeat = behaviour_.modes.repeat_exec_id;
  if (repeat == RepeatExecId::ack && order.fills_done == 1) er.setField(kExecID, order.ack_exec_id);
  if (repeat == RepeatExecId::fill && order.fills_done > 1) er.setField(kExecID, order.last_fill_exec_id);
  order.last_fill_exec_id = get(er, kExecID);
  // Sent (or stored for resend) first, recorded after: a simulator killed in between must not
  // leave a fill in its execution file that its FIX store never held (no one could ever get it).
  ExecutionRecord record = fill_record(er, order.session, iso_now());
  if (!send_(order.session, er))
    spdlog::warn("fill for {} kept in the store: session not logged on", order.cl_ord_id);
  recorder_.on_execution(record);
  if (order.status == kPartial && order.fills_left > 0) queue_fill(order, at + behaviour_.fill_delay);
}

Exchange::Order* Exchange::find(const FIX::SessionID& session, const std::string& cl_ord_id,
                                const std::string& order_id) {
  if (auto it = by_clid_.find(key(session, cl_ord_id)); !cl_ord_id.empty() && it != by_clid_.end())
    return &orders_.at(it->second);
  if (auto it = orders_.find(order_id); !order_id.empty() && it != orders_.end())
    if (it->second.session == session) return &it->second;
  return nullptr;
}

bool Exchange::cl_ord_id_used(const FIX::SessionID& session, const std::string& cl_ord_id) const {
  return by_clid_.contains(key(session, cl_ord_id));
}

void Exchange::index(const Order& order) { by_clid_[key(order.session, order.cl_ord_id)] = order.order_id; }

std::string Exchange::reject_reason_for(const Order& order) const {
  const auto& syms = behaviour_.reject_symbols;
  if (order.symbol.starts_with("REJ") || std::find(syms.begin(), syms.end(), order.symbol) != syms.end())
    return "unknown symbol " + order.symbol;
  const auto& accs = behaviour_.reject_accounts;
  if (!order.account.empty() && std::find(accs.begin(), accs.end(), order.account) != accs.end())
    return "unknown account " + order.account;
  return {};
}

FIX::Message Exchange::report(const Order& order, char exec_type) {
  FIX::Message er;
  er.getHeader().setField(FIX::MsgType("8"));
  er.setField(kOrderID, order.order_id);
  er.setField(kClOrdID, order.cl_ord_id);
  er.setField(kExecID, next_exec_id());
  if (!is_fix44(order.session)) er.setField(kExecTransType, "0");  // status replies overwrite with 3
  er.setField(kExecType, std::string(1, exec_type));
  er.setField(kOrdStatus, std::string(1, order.status));
  if (!order.account.empty()) er.setField(kAccount, order.account);
  er.setField(kSymbol, order.symbol);
  er.setField(kSide, order.side);
  if (order.qty.units() > 0) er.setField(kOrderQty, order.qty.to_string());
  if (!order.ord_type.empty()) er.setField(kOrdType, order.ord_type);
  if (order.price) er.setField(kPrice, prices_.price(*order.price));
  if (!order.time_in_force.empty()) er.setField(kTimeInForce, order.time_in_force);
  const Qty leaves = live(order.status) ? order.qty - order.cum : Qty{};
  er.setField(kLeavesQty, leaves.to_string());
  er.setField(kCumQty, order.cum.to_string());
  er.setField(kAvgPx, prices_.average(order.value, order.cum));
  er.setField(kTransactTime, fix_time_now());
  return er;
}

FIX::Message Exchange::cancel_reject(const FIX::SessionID& session, const FIX::Message& request,
                                     const Order* order, char response_to, int reason,
                                     const std::string& text) {
  FIX::Message rej;
  rej.getHeader().setField(FIX::MsgType("9"));
  rej.setField(kOrderID, order != nullptr ? order->order_id : "NONE");
  rej.setField(kClOrdID, get(request, kClOrdID));
  rej.setField(kOrigClOrdID, get(request, kOrigClOrdID));
  rej.setField(kOrdStatus, std::string(1, order != nullptr ? order->status : kRejected));
  if (order != nullptr && !order->account.empty()) rej.setField(kAccount, order->account);
  rej.setField(kTransactTime, fix_time_now());
  rej.setField(kCxlRejResponseTo, std::string(1, response_to));
  rej.setField(kCxlRejReason, std::to_string(reason));
  rej.setField(kText, text);
  spdlog::info("{} cancel/replace {} rejected: {}", session.toString(), get(request, kClOrdID), text);
  return rej;
}

void Exchange::send(const FIX::SessionID& session, FIX::Message msg) {
  if (!send_(session, msg)) spdlog::warn("report for {} kept in the store: session not logged on", session.toString());
}

const CancelRejectRule* Exchange::cancel_reject_rule(Request request) const {
  for (const auto& rule : behaviour_.modes.cancel_rejects)
    if (rule.request == request) return &rule;
  return nullptr;
}

void Exchange::queue_fill(const Order& order, Clock::time_point due) {
  pending_.push(Pending{due, ++pending_seq_, order.order_id, std::nullopt, order.session});
}

SimPrice Exchange::fill_price_for(const Order& order) const {
  const auto& listed = behaviour_.fill_prices;
  if (!listed.empty()) return listed[std::min<std::size_t>(static_cast<std::size_t>(order.fills_done), listed.size() - 1)];
  if (order.price) return *order.price;
  return SimPrice::from(Price::from_whole(100));
}

std::string Exchange::next_exec_id() { return "E" + id_prefix_ + "-" + std::to_string(++exec_seq_); }

}  // namespace fixgate::sim
