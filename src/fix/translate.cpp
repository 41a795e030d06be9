// SPDX-License-Identifier: Apache-2.0
#include "translate.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "fixgate/core/fix_text.hpp"

namespace fixgate::fix {
namespace {

constexpr int tag_account = 1;
constexpr int tag_avg_px = 6;
constexpr int tag_cl_ord_id = 11;
constexpr int tag_cum_qty = 14;
constexpr int tag_exec_id = 17;
constexpr int tag_exec_ref_id = 19;
constexpr int tag_exec_trans_type = 20;
constexpr int tag_handl_inst = 21;
constexpr int tag_last_px = 31;
constexpr int tag_last_qty = 32;
constexpr int tag_msg_type = 35;
constexpr int tag_order_id = 37;
constexpr int tag_order_qty = 38;
constexpr int tag_ord_status = 39;
constexpr int tag_ord_type = 40;
constexpr int tag_orig_cl_ord_id = 41;
constexpr int tag_poss_dup = 43;
constexpr int tag_price = 44;
constexpr int tag_ref_seq_num = 45;
constexpr int tag_side = 54;
constexpr int tag_symbol = 55;
constexpr int tag_text = 58;
constexpr int tag_time_in_force = 59;
constexpr int tag_transact_time = 60;
constexpr int tag_stop_px = 99;
constexpr int tag_poss_resend = 97;
constexpr int tag_expire_time = 126;
constexpr int tag_exec_inst = 18;
constexpr int tag_cxl_rej_reason = 102;
constexpr int tag_exec_type = 150;
constexpr int tag_leaves_qty = 151;
constexpr int tag_ref_msg_type = 372;
constexpr int tag_session_reject_reason = 373;
constexpr int tag_business_reject_ref_id = 379;
constexpr int tag_business_reject_reason = 380;
constexpr int tag_cxl_rej_response_to = 434;

const char* begin_string(config::FixVersion v) { return v == config::FixVersion::fix42 ? "FIX.4.2" : "FIX.4.4"; }

FIX::Message start(config::FixVersion version, const char* msg_type) {
  FIX::Message m;
  m.getHeader().setField(FIX::BeginString(begin_string(version)));
  m.getHeader().setField(FIX::MsgType(msg_type));
  return m;
}

void put(FIX::Message& m, int tag, const std::string& value) {
  if (!value.empty()) m.setField(tag, value);
}
void put(FIX::Message& m, int tag, char value) { m.setField(tag, std::string(1, value)); }

FIX::Message build(const order::NewOrderSingle& c, config::FixVersion v) {
  auto m = start(v, "D");
  put(m, tag_cl_ord_id, c.cl_ord_id);
  put(m, tag_account, c.account);
  if (v == config::FixVersion::fix42) put(m, tag_handl_inst, '1');  // automated, no intervention
  put(m, tag_symbol, c.symbol);
  put(m, tag_side, to_fix(c.side));
  put(m, tag_transact_time, utc_timestamp(c.transact_time));
  put(m, tag_order_qty, c.order_qty.to_string());
  put(m, tag_ord_type, to_fix(c.ord_type));
  if (c.price) put(m, tag_price, c.price->to_string());
  if (c.stop_price) put(m, tag_stop_px, c.stop_price->to_string());
  put(m, tag_time_in_force, to_fix(c.tif));
  if (c.expire_time) put(m, tag_expire_time, utc_timestamp(*c.expire_time));
  put(m, tag_exec_inst, c.exec_inst);
  return m;
}

FIX::Message build(const order::OrderCancelRequest& c, config::FixVersion v) {
  auto m = start(v, "F");
  put(m, tag_orig_cl_ord_id, c.orig_cl_ord_id);
  put(m, tag_cl_ord_id, c.cl_ord_id);
  put(m, tag_order_id, c.order_id);
  put(m, tag_account, c.account);
  put(m, tag_symbol, c.symbol);
  put(m, tag_side, to_fix(c.side));
  put(m, tag_transact_time, utc_timestamp(c.transact_time));
  put(m, tag_order_qty, c.order_qty.to_string());
  return m;
}

FIX::Message build(const order::OrderCancelReplaceRequest& c, config::FixVersion v) {
  auto m = start(v, "G");
  put(m, tag_orig_cl_ord_id, c.orig_cl_ord_id);
  put(m, tag_cl_ord_id, c.cl_ord_id);
  put(m, tag_order_id, c.order_id);
  put(m, tag_account, c.account);
  if (v == config::FixVersion::fix42) put(m, tag_handl_inst, '1');
  put(m, tag_symbol, c.symbol);
  put(m, tag_side, to_fix(c.side));
  put(m, tag_transact_time, utc_timestamp(c.transact_time));
  put(m, tag_order_qty, c.order_qty.to_string());
  put(m, tag_ord_type, to_fix(c.ord_type));
  if (c.price) put(m, tag_price, c.price->to_string());
  if (c.stop_price) put(m, tag_stop_px, c.stop_price->to_string());
  put(m, tag_time_in_force, to_fix(c.tif));
  if (c.expire_time) put(m, tag_expire_time, utc_timestamp(*c.expire_time));
  put(m, tag_exec_inst, c.exec_inst);
  return m;
}

FIX::Message build(const OrderStatusRequest& c, config::FixVersion v) {
  auto m = start(v, "H");
  put(m, tag_cl_ord_id, c.cl_ord_id);
  put(m, tag_order_id, c.order_id);
  put(m, tag_symbol, c.symbol);
  put(m, tag_side, to_fix(c.side));
  return m;
}

/// A whole non-negative number, or nullopt for anything else (empty included).
template <class T>
std::optional<T> number(const std::string& text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// Field reading with the offending tag named on failure.
class Reader {
 public:
  explicit Reader(const FIX::Message& m) : m_(m) {}

  std::string text(int tag) const { return m_.isSetField(tag) ? m_.getField(tag) : std::string{}; }

  template <class T>
  T decimal(int tag, const char* name, bool required = true) {
    if (!m_.isSetField(tag)) {
      if (required) fail(tag, name, "missing");
      return T{};
    }
    const auto& raw = m_.getField(tag);
    auto value = T::parse(raw);
    if (!value) {
      fail(tag, name, "not a decimal: " + raw);
      return T{};
    }
    return *value;
  }

  template <class E>
  E enumeration(int tag, const char* name, std::optional<E> (*from)(char), E fallback) {
    const auto raw = text(tag);
    if (raw.size() != 1) {
      fail(tag, name, raw.empty() ? "missing" : "not one character: " + raw);
      return fallback;
    }
    auto value = from(raw[0]);
    if (!value) {
      fail(tag, name, "unknown value: " + raw);
      return fallback;
    }
    return *value;
  }

  void require(int tag, const char* name) {
    if (!m_.isSetField(tag)) fail(tag, name, "missing");
  }

  const std::optional<std::string>& problem() const { return problem_; }

 private:
  void fail(int tag, const char* name, const std::string& what) {
    if (!problem_) problem_ = fmt::format("tag {} ({}): {}", tag, name, what);
  }
  const FIX::Message& m_;
  std::optional<std::string> problem_;
};

Inbound read_execution_report(const FIX::Message& m, config::FixVersion v) {
  Reader r(m);
  order::ExecReport e;
  e.cl_ord_id = r.text(tag_cl_ord_id);
  e.orig_cl_ord_id = r.text(tag_orig_cl_ord_id);
  e.order_id = r.text(tag_order_id);
  e.exec_id = r.text(tag_exec_id);
  e.exec_ref_id = r.text(tag_exec_ref_id);
  e.symbol = r.text(tag_symbol);
  e.text = r.text(tag_text);
  r.require(tag_exec_id, "ExecID");
  e.exec_type = r.enumeration(tag_exec_type, "ExecType", exec_type_from_fix, ExecType::new_order);
  e.ord_status = r.enumeration(tag_ord_status, "OrdStatus", ord_status_from_fix, OrdStatus::new_order);
  e.side = r.enumeration(tag_side, "Side", side_from_fix, Side::buy);
  e.order_qty = r.decimal<Qty>(tag_order_qty, "OrderQty", false);
  if (m.isSetField(tag_price)) e.price = r.decimal<WidePrice>(tag_price, "Price");
  e.last_qty = r.decimal<Qty>(tag_last_qty, "LastQty", false);
  e.last_px = r.decimal<WidePrice>(tag_last_px, "LastPx", false);
  e.cum_qty = r.decimal<Qty>(tag_cum_qty, "CumQty");
  e.leaves_qty = r.decimal<Qty>(tag_leaves_qty, "LeavesQty");
  e.avg_px = r.decimal<WidePrice>(tag_avg_px, "AvgPx", false);
  const auto& header = m.getHeader();
  e.poss_dup = (header.isSetField(tag_poss_dup) && header.getField(tag_poss_dup) == "Y") ||
               (header.isSetField(tag_poss_resend) && header.getField(tag_poss_resend) == "Y");
  if (v == config::FixVersion::fix42) {
    // 4.2 reports fills as ExecType 1/2 and corrections through ExecTransType (20).
    if (e.exec_type == ExecType::partial_fill || e.exec_type == ExecType::fill) e.exec_type = ExecType::trade;
    const auto trans = r.text(tag_exec_trans_type);
    if (trans == "1") e.exec_type = ExecType::trade_cancel;
    if (trans == "2") e.exec_type = ExecType::trade_correct;
    if (trans == "3") e.exec_type = ExecType::order_status;
  }
  if (auto problem = r.problem())
    return Unreadable{"8", *problem, m.toString(), e.cl_ord_id, e.orig_cl_ord_id, e.order_id, e.exec_id};
  return e;
}

// A reject never becomes unreadable: its numbers only help to find what it refers to.
MessageReject read_message_reject(const FIX::Message& m, const std::string& type) {
  Reader r(m);
  MessageReject rej;
  rej.msg_type = type;
  rej.ref_seq_num = number<std::uint64_t>(r.text(tag_ref_seq_num));
  rej.ref_msg_type = r.text(tag_ref_msg_type);
  if (type == "j") rej.business_reject_ref_id = r.text(tag_business_reject_ref_id);
  rej.reason = number<int>(r.text(type == "j" ? tag_business_reject_reason : tag_session_reject_reason));
  rej.text = r.text(tag_text);
  return rej;
}

Inbound read_cancel_reject(const FIX::Message& m) {
  Reader r(m);
  order::CancelReject c;
  c.cl_ord_id = r.text(tag_cl_ord_id);
  c.orig_cl_ord_id = r.text(tag_orig_cl_ord_id);
  c.order_id = r.text(tag_order_id);
  c.text = r.text(tag_text);
  if (m.isSetField(tag_ord_status)) {
    c.ord_status = r.enumeration(tag_ord_status, "OrdStatus", ord_status_from_fix, OrdStatus::new_order);
  }
  c.reason = number<int>(r.text(tag_cxl_rej_reason));
  const auto to = r.text(tag_cxl_rej_response_to);
  c.response_to = to == "2" ? order::CxlRejResponseTo::replace : order::CxlRejResponseTo::cancel;
  r.require(tag_cl_ord_id, "ClOrdID");
  if (auto problem = r.problem())
    return Unreadable{"9", *problem, m.toString(), c.cl_ord_id, c.orig_cl_ord_id, c.order_id, {}};
  return c;
}

}  // namespace

std::string utc_timestamp(Timestamp t) {
  const std::time_t seconds = t.nanos / 1'000'000'000;
  const auto millis = (t.nanos / 1'000'000) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}{:02}{:02}-{:02}:{:02}:{:02}.{:03}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

void refer_to_sent(MessageReject& reject, std::string_view sent) {
  if (sent.empty()) return;
  reject.sent_msg_type = std::string(msg_type_of(sent));
  reject.sent_cl_ord_id = std::string(fix_field(sent, tag_cl_ord_id).value_or(""));
}

FIX::Message to_fix(const Outbound& command, config::FixVersion version) {
  return std::visit([&](const auto& c) { return build(c, version); }, command);
}

Inbound from_fix(const FIX::Message& message, config::FixVersion version) {
  const auto& header = message.getHeader();
  const std::string type = header.isSetField(tag_msg_type) ? header.getField(tag_msg_type) : "";
  if (type == "8") return read_execution_report(message, version);
  if (type == "9") return read_cancel_reject(message);
  if (type == "j" || type == "3") return read_message_reject(message, type);
  return Unreadable{type, "message type not handled by fixgate", message.toString()};
}

}  // namespace fixgate::fix
