// SPDX-License-Identifier: Apache-2.0
#include "chains.hpp"

#include <algorithm>
#include <charconv>

#include "fixgate/core/decimal.hpp"

namespace fixgate::journal_tool {
namespace {

constexpr char sep = '\x1f';

std::string upstream_key(std::string_view client, std::string_view id) {
  return std::string("u") + sep + std::string(client) + sep + std::string(id);
}
std::string cl_ord_key(std::string_view id) { return std::string("c") + sep + std::string(id); }
std::string order_key(std::string_view session, std::string_view id) {
  return std::string("o") + sep + std::string(session) + sep + std::string(id);
}
std::string exec_key(std::string_view id) { return std::string("e") + sep + std::string(id); }

/// Ids that name nothing: the simulator's and many venues' OrderID for an unknown order.
bool placeholder(std::string_view id) { return id.empty() || id == "NONE" || id == "0"; }

std::string canonical_qty(const std::string& text) {
  auto q = Qty::parse(text);
  return q ? q->to_string() : text;
}
std::string canonical_price(const std::string& text) {
  if (text.empty()) return text;
  auto p = Price::parse(text);
  return p ? p->to_string() : text;
}

std::string content_key(const Facts& f) {
  return f.account + sep + f.symbol + sep + f.side + sep + canonical_qty(f.qty) + sep + canonical_price(f.price);
}

}  // namespace

int Chains::node(const std::string& key) {
  auto [it, inserted] = ids_.try_emplace(key, static_cast<int>(keys_.size()));
  if (inserted) {
    keys_.push_back(key);
    parent_.push_back(it->second);
  }
  return it->second;
}

int Chains::find(int n) {
  while (parent_[static_cast<std::size_t>(n)] != n) {
    auto& p = parent_[static_cast<std::size_t>(n)];
    p = parent_[static_cast<std::size_t>(p)];
    n = p;
  }
  return n;
}

void Chains::unite(int a, int b) {
  a = find(a);
  b = find(b);
  if (a != b) parent_[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
}

void Chains::link(std::uint64_t seq, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  auto& nodes = record_nodes_[seq];
  for (const auto& k : keys) nodes.push_back(node(k));
  for (std::size_t i = 1; i < nodes.size(); ++i) unite(nodes[0], nodes[i]);
}

void Chains::add(const journal::RecordView& record) {
  using journal::RecordKind;
  if (record.kind == RecordKind::engine_event) {
    const auto text = trimmed(record.payload);
    if (text.starts_with("apply_fix ")) {
      std::uint64_t applied = 0;
      const auto digits = text.substr(10);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), applied);
      if (ec == std::errc{}) apply_markers_[record.seq] = applied;
    } else if (text.starts_with("not_resent ")) {
      // "not_resent <msg_type> <cl_ord_id>"
      const auto last_space = text.rfind(' ');
      if (last_space != std::string_view::npos && last_space > 11) link(record.seq, {cl_ord_key(text.substr(last_space + 1))});
    }
    return;
  }
  if (!is_fix(record.kind) && record.kind != RecordKind::upstream_request && record.kind != RecordKind::upstream_event) {
    return;
  }
  const Facts f = facts_of(record);
  std::vector<std::string> keys;
  if (record.kind == RecordKind::upstream_request) {
    if (!f.client_order_id.empty()) keys.push_back(upstream_key(record.stream, f.client_order_id));
    if (!f.orig_client_order_id.empty()) keys.push_back(upstream_key(record.stream, f.orig_client_order_id));
    if (f.msg_type == "new" && !f.client_order_id.empty()) {
      new_requests_[std::string(record.stream) + sep + f.client_order_id] = content_key(f);
    }
  } else if (record.kind == RecordKind::upstream_event) {
    if (!f.client_order_id.empty()) keys.push_back(upstream_key(record.stream, f.client_order_id));
    if (!f.orig_client_order_id.empty()) keys.push_back(upstream_key(record.stream, f.orig_client_order_id));
    if (!placeholder(f.exec_id)) keys.push_back(exec_key(f.exec_id));
    // An accepted event names the ClOrdID its request went out under: the exact link. Journals
    // written before it did are linked by content below.
    if (f.msg_type == "accepted" && !f.cl_ord_id.empty()) keys.push_back(cl_ord_key(f.cl_ord_id));
    if (f.msg_type == "accepted") {
      const auto it = new_requests_.find(std::string(record.stream) + sep + f.client_order_id);
      if (it != new_requests_.end()) {
        if (f.cl_ord_id.empty()) waiting_nos_[it->second].push_back(upstream_key(record.stream, f.client_order_id));
        new_requests_.erase(it);
      }
    }
  } else {
    if (!f.cl_ord_id.empty()) keys.push_back(cl_ord_key(f.cl_ord_id));
    if (!f.orig_cl_ord_id.empty()) keys.push_back(cl_ord_key(f.orig_cl_ord_id));
    if (!placeholder(f.order_id)) keys.push_back(order_key(record.stream, f.order_id));
    if (record.kind == RecordKind::fix_in && f.msg_type == "8" && !placeholder(f.exec_id)) keys.push_back(exec_key(f.exec_id));
    if (record.kind == RecordKind::fix_out && f.msg_type == "D" && !f.poss_dup) {
      auto it = waiting_nos_.find(content_key(f));
      if (it != waiting_nos_.end() && !it->second.empty()) {
        keys.push_back(it->second.front());
        it->second.pop_front();
      }
    }
  }
  link(record.seq, keys);
}

std::set<int> Chains::roots_for_id(const std::string& id) {
  std::set<int> roots;
  for (std::size_t n = 0; n < keys_.size(); ++n) {
    const auto& key = keys_[n];
    const auto last = key.rfind(sep);
    if (key.compare(last + 1, std::string::npos, id) == 0) roots.insert(find(static_cast<int>(n)));
  }
  return roots;
}

std::set<int> Chains::roots_of_record(std::uint64_t seq) {
  std::set<int> roots;
  const auto it = record_nodes_.find(seq);
  if (it == record_nodes_.end()) return roots;
  for (const int n : it->second) roots.insert(find(n));
  return roots;
}

std::set<std::uint64_t> Chains::records_of(const std::set<int>& roots) {
  std::set<std::uint64_t> out;
  for (const auto& [seq, nodes] : record_nodes_) {
    for (const int n : nodes) {
      if (roots.count(find(n)) != 0) {
        out.insert(seq);
        break;
      }
    }
  }
  for (const auto& [marker, applied] : apply_markers_) {
    if (out.count(applied) != 0) out.insert(marker);
  }
  return out;
}

std::set<std::string> Chains::raw_ids(const std::set<int>& roots) {
  std::set<std::string> out;
  for (std::size_t n = 0; n < keys_.size(); ++n) {
    if (roots.count(find(static_cast<int>(n))) == 0) continue;
    out.insert(keys_[n].substr(keys_[n].rfind(sep) + 1));
  }
  return out;
}

std::map<std::string, std::vector<std::string>> Chains::ids(const std::set<int>& roots) {
  std::map<std::string, std::vector<std::string>> by_kind{
      {"client_order_id", {}}, {"ClOrdID", {}}, {"OrderID", {}}, {"ExecID", {}}};
  for (std::size_t n = 0; n < keys_.size(); ++n) {
    if (roots.count(find(static_cast<int>(n))) == 0) continue;
    const auto& key = keys_[n];
    std::string text = key.substr(2);
    for (char& c : text) {
      if (c == sep) c = '/';
    }
    const char* kind = key[0] == 'u' ? "client_order_id" : key[0] == 'c' ? "ClOrdID" : key[0] == 'o' ? "OrderID" : "ExecID";
    by_kind[kind].push_back(std::move(text));
  }
  // Node order depends on the order records were read in; the answer must not.
  for (auto& [kind, values] : by_kind) std::sort(values.begin(), values.end());
  return by_kind;
}

std::vector<std::string> Chains::describe(const std::set<int>& roots) {
  std::vector<std::string> lines;
  const auto by_kind = ids(roots);
  for (const char* kind : {"client_order_id", "ClOrdID", "OrderID", "ExecID"}) {
    const auto& values = by_kind.at(kind);
    if (values.empty()) continue;
    std::string line = std::string(kind) + ":";
    for (const auto& v : values) line += " " + v;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace fixgate::journal_tool
