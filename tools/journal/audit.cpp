// SPDX-License-Identifier: Apache-2.0
// audit: who changed what, when, why and with what result: every admin request (kill switches,
// limits, sessions, sequence numbers, reloads) with the outcome the engine journaled for it, every
// reload from a signal with its sender, and every kill switch the engine engaged on its own; a
// change of limits or routes as the values that changed, before and after.

#include <cstdio>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "common.hpp"
#include "fixgate/journal/reader.hpp"
#include "json_out.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {
namespace {

struct Entry {
  std::uint64_t seq = 0;          // the request (or reload, or kill switch event) record
  std::int64_t time_ns = 0;
  std::string by;
  std::string action;
  Json what = Json::object();     // the request's own fields (scope, target, limit, value, session, ...)
  std::string reason;
  std::string outcome = "unknown";  // done | refused | changed | unchanged | unknown (not journaled)
  std::string result;
  Json answer;                    // the answer the engine journaled as the outcome
  Json changes = Json::array();   // {path, old, new} of the limits and routes
  std::uint64_t outcome_seq = 0;
};

/// Leaves of a JSON document by dotted path; arrays count as one value.
void flatten(const Json& value, const std::string& path, std::map<std::string, std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) flatten(child, path.empty() ? key : path + "." + key, out);
    return;
  }
  out[path] = value.is_string() ? value.get<std::string>() : value.dump();
}

Json policy_changes(const Json& before, const Json& after) {
  std::map<std::string, std::string> b, a;
  flatten(before, "", b);
  flatten(after, "", a);
  Json changes = Json::array();
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& [path, v] : b) all[path].first = v;
  for (const auto& [path, v] : a) all[path].second = v;
  for (const auto& [path, values] : all) {
    if (values.first == values.second) continue;
    changes.push_back({{"path", path}, {"old", b.count(path) ? Json(values.first) : Json(nullptr)},
                       {"new", a.count(path) ? Json(values.second) : Json(nullptr)}});
  }
  return changes;
}

std::string text_of(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

/// What the journaled answer says happened, in a few words.
std::string result_of(const Json& answer) {
  const auto event = text_of(answer, "event");
  if (event == "error") return text_of(answer, "code") + ": " + text_of(answer, "text");
  if (event == "kill_switch") {
    return answer.value("engaged", false) ? "kill switch engaged, " + text_of(answer, "cancels") + " cancels sent"
                                          : "kill switch released";
  }
  if (event == "limit") {
    const auto value = text_of(answer, "value");
    return text_of(answer, "limit") + (value.empty() ? " removed" : " = " + value);
  }
  if (event == "session_command") return text_of(answer, "action") + " on " + text_of(answer, "session");
  if (event == "policy") return answer.value("changed", false) ? "limits and routes changed" : "limits and routes unchanged";
  return event;
}

/// Reads the journal into audit entries, in journal order.
class Collector {
 public:
  bool add(const journal::RecordView& r) {
    if (r.kind == journal::RecordKind::upstream_request) request(r);
    if (r.kind == journal::RecordKind::engine_event && r.payload.starts_with("audit ")) outcome(r);
    if (r.kind == journal::RecordKind::upstream_event) automatic_kill(r);
    return true;
  }
  std::vector<Entry> entries() && {
    std::vector<Entry> out;
    for (auto& [seq, e] : entries_) out.push_back(std::move(e));
    return out;
  }

 private:
  void request(const journal::RecordView& r) {
    auto j = Json::parse(trimmed(r.payload), nullptr, false);
    if (!j.is_object() || !is_admin_op(text_of(j, "op"))) return;
    Entry e{r.seq, r.timestamp_ns, std::string(r.stream), text_of(j, "op")};
    e.reason = text_of(j, "reason");
    for (const auto& [key, value] : j.items()) {
      if (key != "op" && key != "id" && key != "reason") e.what[key] = value;
    }
    entries_[r.seq] = std::move(e);
  }

  void outcome(const journal::RecordView& r) {
    auto j = Json::parse(r.payload.substr(6), nullptr, false);
    if (!j.is_object()) return;
    Entry* e = nullptr;
    if (j.contains("request_seq")) {
      const auto it = entries_.find(j["request_seq"].get<std::uint64_t>());
      if (it == entries_.end()) return;
      e = &it->second;
    } else {  // a reload from a signal: its own entry
      e = &entries_[r.seq];
      *e = Entry{r.seq, r.timestamp_ns, text_of(j, "source"), text_of(j, "action")};
      e->result = text_of(j, "error");
    }
    e->outcome = text_of(j, "outcome");
    e->outcome_seq = r.seq;
    if (j.contains("answer")) {
      e->answer = j["answer"];
      e->result = result_of(e->answer);
    }
    if (j.contains("policy_before")) e->changes = policy_changes(j["policy_before"], j["policy_after"]);
    if (e->result.empty()) e->result = "limits and routes " + e->outcome;
  }

  // The engine's own kill switch goes to every client: one entry per engagement.
  void automatic_kill(const journal::RecordView& r) {
    if (r.payload.find("\"event\":\"kill_switch\"") == std::string_view::npos) return;
    auto j = Json::parse(trimmed(r.payload), nullptr, false);
    if (!j.is_object() || text_of(j, "by") != "auto") return;
    const std::string key = text_of(j, "scope") + "/" + text_of(j, "target") + "/" + text_of(j, "reason");
    if (key == last_auto_ && r.seq == last_auto_seq_ + 1) {
      last_auto_seq_ = r.seq;
      return;
    }
    last_auto_ = key;
    last_auto_seq_ = r.seq;
    Entry e{r.seq, r.timestamp_ns, "auto", "kill"};
    e.what = {{"scope", text_of(j, "scope")}, {"target", text_of(j, "target")}};
    e.reason = text_of(j, "reason");
    e.outcome = "done";
    e.answer = j;
    e.result = result_of(j);
    entries_[r.seq] = std::move(e);
  }

  std::map<std::uint64_t, Entry> entries_;
  std::string last_auto_;
  std::uint64_t last_auto_seq_ = 0;
};

std::string describe_what(const Json& what) {
  std::string out;
  for (const auto& [key, value] : what.items()) {
    out += " " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace

int cmd_audit(const Args& args) {
  const auto from = time_option(args, "--from");
  const auto to = time_option(args, "--to");
  const auto source = open_source(args);
  Collector collector;
  auto scanned = source->scan([&](const journal::RecordView& r) { return collector.add(r); });
  if (!scanned) {
    std::cerr << "fixgate-journal audit: " << scanned.error().to_string() << "\n";
    return exit_for(scanned.error());
  }
  std::vector<Entry> entries;
  for (auto& e : std::move(collector).entries()) {
    if ((!from || e.time_ns >= *from) && (!to || e.time_ns <= *to)) entries.push_back(std::move(e));
  }
  if (args.has("--json")) {
    Json out = Json::array();
    for (const auto& e : entries) {
      out.push_back({{"seq", e.seq}, {"time", format_time(e.time_ns)}, {"time_ns", e.time_ns}, {"by", e.by},
                     {"action", e.action}, {"what", e.what}, {"reason", e.reason}, {"outcome", e.outcome},
                     {"result", e.result}, {"answer", e.answer}, {"changes", e.changes}, {"outcome_seq", e.outcome_seq}});
    }
    print_json({{"journal", source->where()}, {"entries", out}});
    return exit_ok;
  }
  std::string text;
  for (const auto& e : entries) {
    text += "#" + std::to_string(e.seq) + " " + format_time(e.time_ns) + " " + e.by + " " + e.action + describe_what(e.what);
    if (!e.reason.empty()) text += " (why: " + e.reason + ")";
    text += ": " + e.outcome + (e.result.empty() ? "" : ", " + e.result) + "\n";
    for (const auto& c : e.changes) {
      text += "    " + c["path"].get<std::string>() + ": " + (c["old"].is_null() ? "(none)" : c["old"].get<std::string>()) +
              " -> " + (c["new"].is_null() ? "(none)" : c["new"].get<std::string>()) + "\n";
    }
  }
  text += std::to_string(entries.size()) + " admin action(s) in " + source->where() + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return exit_ok;
}

}  // namespace fixgate::journal_tool
