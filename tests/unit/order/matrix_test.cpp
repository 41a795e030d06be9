// SPDX-License-Identifier: Apache-2.0
// Table tests: every scenario in spec/order-state-matrices.txt (FIX 4.4 Appendix D, read from the
// buy side) is replayed against a fresh book, and each step's expectations are checked.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "helpers.hpp"

using namespace order_test;

namespace {

struct Step {
  int line = 0;
  std::string text;
  std::vector<std::string> action;  // tokens before "=>"
  std::vector<std::string> expect;  // tokens after "=>"
};

struct Scenario {
  std::string ref;
  std::string title;
  std::vector<Step> steps;
};

std::string spec_path() {
  const char* dir = std::getenv("FIXGATE_SOURCE_DIR");
  return std::string(dir ? dir : FIXGATE_SOURCE_DIR_DEFAULT) + "/spec/order-state-matrices.txt";
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string token; in >> token;) out.push_back(token);
  return out;
}

std::vector<Scenario> load_spec() {
  std::ifstream in(spec_path());
  REQUIRE(in.good());
  std::vector<Scenario> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto text = line.substr(0, line.find('#'));
    auto tokens = split(text);
    if (tokens.empty()) continue;
    if (tokens[0] == "scenario") {
      REQUIRE(tokens.size() >= 2);
      out.push_back({tokens[1], text.substr(text.find(tokens[1]) + tokens[1].size()), {}});
      continue;
    }
    REQUIRE_FALSE(out.empty());
    Step step{number, line, {}, {}};
    auto arrow = std::find(tokens.begin(), tokens.end(), "=>");
    step.action.assign(tokens.begin(), arrow);
    if (arrow != tokens.end()) step.expect.assign(arrow + 1, tokens.end());
    out.back().steps.push_back(std::move(step));
  }
  return out;
}

template <class E, class F>
std::optional<E> by_name(std::string_view text, F from_fix) {
  for (int c = 0x20; c < 0x7f; ++c) {
    auto value = from_fix(static_cast<char>(c));
    if (value && name(*value) == text) return value;
  }
  return std::nullopt;
}

ExecType exec_type_named(const std::string& text) {
  auto v = by_name<ExecType>(text, exec_type_from_fix);
  INFO("ExecType " << text);
  REQUIRE(v);
  return *v;
}

OrdStatus ord_status_named(const std::string& text) {
  auto v = by_name<OrdStatus>(text, ord_status_from_fix);
  INFO("OrdStatus " << text);
  REQUIRE(v);
  return *v;
}

Qty qty_of(const std::string& text) {
  auto v = Qty::parse(text);
  INFO("quantity " << text);
  REQUIRE(v);
  return *v;
}

Price px_of(const std::string& text) {
  auto v = Price::parse(text);
  INFO("price " << text);
  REQUIRE(v);
  return *v;
}

WidePrice wide_of(const std::string& text) {
  auto v = WidePrice::parse(text);
  INFO("broker price " << text);
  REQUIRE(v);
  return *v;
}

// Positional tokens and key=value tokens of one side of a step.
struct Fields {
  std::vector<std::string> positional;
  std::map<std::string, std::string> keys;
  explicit Fields(const std::vector<std::string>& tokens) {
    for (const auto& t : tokens) {
      auto eq = t.find('=');
      if (eq == std::string::npos)
        positional.push_back(t);
      else
        keys[t.substr(0, eq)] = t.substr(eq + 1);
    }
  }
  bool has(const std::string& k) const { return keys.contains(k); }
};

/// Replays one scenario, keeping every input so the fold can be checked at the end.
class Runner {
 public:
  void run(const Step& step) {
    Fields act(step.action);
    exec_id_.clear();
    refused_.reset();
    sent_orig_.clear();
    outcome_.reset();
    const std::string& verb = act.positional.at(0);
    if (verb == "new")
      on_new(act);
    else if (verb == "cancel")
      on_cancel(act);
    else if (verb == "replace")
      on_replace(act);
    else if (verb == "exec")
      on_exec(act);
    else if (verb == "reject")
      on_reject(act);
    else if (verb == "msgreject")
      on_message_reject(act);
    else if (verb == "timeout")
      on_timeout(act);
    else
      FAIL("unknown step " << verb);
    check(Fields(step.expect), verb != "new" && verb != "cancel" && verb != "replace");
  }

  const OrderBook& book() const { return book_; }
  const std::vector<Input>& inputs() const { return inputs_; }

 private:
  std::string cl_ord_id(const std::string& id) const {
    if (id == "-") return "";
    auto it = ids_.find(id);
    return it == ids_.end() ? "UNKNOWN-" + id : it->second;
  }

  template <class Command>
  void record_request(const std::string& id, std::expected<Command, Reject> sent) {
    if (sent) {
      ids_[id] = sent->cl_ord_id;
      if constexpr (!std::is_same_v<Command, NewOrderSingle>) sent_orig_ = sent->orig_cl_ord_id;
    } else {
      refused_ = sent.error();
    }
  }

  void on_new(const Fields& f) {
    auto r = new_order(f.positional.at(1));
    r.qty = qty_of(f.positional.at(2));
    if (f.has("type")) r.ord_type = *ord_type_from_name(f.keys.at("type"));
    if (f.has("tif")) r.tif = *tif_from_name(f.keys.at("tif"));
    bool priced = r.ord_type == OrdType::limit || r.ord_type == OrdType::stop_limit;
    r.price = f.has("price") ? std::optional(px_of(f.keys.at("price")))
                             : (priced ? std::optional(px(50)) : std::nullopt);
    if (first_.empty()) first_ = r.client_order_id;
    inputs_.push_back(r);
    record_request(r.client_order_id, book_.on_new(r));
  }

  void on_cancel(const Fields& f) {
    auto r = cancel(f.positional.at(1), f.positional.at(2));
    if (first_.empty()) first_ = r.orig_client_order_id;
    inputs_.push_back(r);
    record_request(r.client_order_id, book_.on_cancel(r));
  }

  void on_replace(const Fields& f) {
    auto r = replace(f.positional.at(1), f.positional.at(2), std::nullopt);
    if (f.has("qty")) r.qty = qty_of(f.keys.at("qty"));
    if (f.has("price")) r.price = px_of(f.keys.at("price"));
    inputs_.push_back(r);
    record_request(r.client_order_id, book_.on_replace(r));
  }

  void on_exec(const Fields& f) {
    const auto& p = f.positional;
    REQUIRE(p.size() >= 8);
    ExecReport r;
    auto ids = p[1];
    auto comma = ids.find(',');
    r.cl_ord_id = cl_ord_id(ids.substr(0, comma));
    if (comma != std::string::npos) r.orig_cl_ord_id = cl_ord_id(ids.substr(comma + 1));
    r.session = "BROKER1";
    // By default each order has its own OrderID, named after its first ClOrdID.
    const Order* named = book_.find_by_cl_ord_id(r.cl_ord_id.empty() ? r.orig_cl_ord_id : r.cl_ord_id);
    r.order_id = f.has("oid") ? f.keys.at("oid") : named ? "OID-" + named->chain.front().cl_ord_id : "OID1";
    r.exec_id = f.has("id") ? f.keys.at("id") : "E" + std::to_string(++exec_seq_);
    if (f.has("ref")) r.exec_ref_id = f.keys.at("ref");
    r.exec_type = exec_type_named(p[2]);
    r.ord_status = ord_status_named(p[3]);
    r.side = Side::buy;
    r.symbol = f.has("symbol") ? f.keys.at("symbol") : "ACME";
    if (f.has("session")) r.session = f.keys.at("session");
    r.order_qty = qty_of(p[4]);
    r.cum_qty = qty_of(p[5]);
    r.leaves_qty = qty_of(p[6]);
    r.last_qty = qty_of(p[7]);
    r.last_px = f.has("px") ? wide_of(f.keys.at("px")) : WidePrice(px(50));
    r.avg_px = f.has("avg") ? wide_of(f.keys.at("avg")) : WidePrice{};  // 0: not compared
    r.poss_dup = std::find(p.begin(), p.end(), "possdup") != p.end();
    inputs_.push_back(r);
    outcome_ = book_.on_exec_report(r);
    exec_id_ = r.exec_id;
  }

  void on_message_reject(const Fields& f) {
    const auto& p = f.positional;
    REQUIRE(p.size() >= 3);
    RequestReject r{"BROKER1", cl_ord_id(p[1]), p[2], "refused by the broker", {}};
    inputs_.push_back(r);
    outcome_ = book_.on_request_reject(r);
  }

  void on_timeout(const Fields& f) {
    RequestTimeout t{cl_ord_id(f.positional.at(1)), {}};
    inputs_.push_back(t);
    outcome_ = book_.on_timeout(t);
  }

  void on_reject(const Fields& f) {
    exec_id_.clear();
    const auto& p = f.positional;
    REQUIRE(p.size() >= 4);
    CancelReject r;
    auto comma = p[1].find(',');
    REQUIRE(comma != std::string::npos);
    r.session = "BROKER1";
    r.cl_ord_id = cl_ord_id(p[1].substr(0, comma));
    r.orig_cl_ord_id = cl_ord_id(p[1].substr(comma + 1));
    r.response_to = p[2] == "cancel" ? CxlRejResponseTo::cancel : CxlRejResponseTo::replace;
    r.ord_status = ord_status_named(p[3]);
    inputs_.push_back(r);
    outcome_ = book_.on_cancel_reject(r);
  }

  void check(const Fields& e, bool broker_message) {
    if (broker_message) check_outcome(e);
    if (e.has("refused")) {
      REQUIRE(refused_);
      CHECK(code(refused_->reason) == e.keys.at("refused"));
    } else if (!broker_message) {
      CHECK_FALSE(refused_.has_value());
      if (refused_) INFO("refused: " << refused_->text);
    }
    if (e.has("orig")) CHECK(sent_orig_ == cl_ord_id(e.keys.at("orig")));
    if (e.has("orders")) CHECK(book_.orders().size() == std::stoul(e.keys.at("orders")));
    if (e.has("duplicates")) CHECK(book_.counters().duplicates == std::stoul(e.keys.at("duplicates")));
    if (e.has("stale")) CHECK(book_.counters().stale == std::stoul(e.keys.at("stale")));
    check_order(e);
  }

  void check_outcome(const Fields& e) {
    REQUIRE(outcome_);
    CHECK(code(outcome_->disposition) == (e.has("outcome") ? e.keys.at("outcome") : "applied"));
    // One break per message: its kind, then what else the same message broke, in order.
    std::vector<std::string> expected, raised;
    if (e.has("break")) {
      std::istringstream in(e.keys.at("break"));
      for (std::string kind; std::getline(in, kind, ',');) expected.push_back(kind);
    }
    if (const auto& b = outcome_->raised) {
      raised.emplace_back(code(b->kind));
      for (BreakKind also : b->also) raised.emplace_back(code(also));
      UNSCOPED_INFO("break " << code(b->kind) << ": " << b->text);
      CHECK(b->exec_id == exec_id_);  // it names the report it came from
    }
    CHECK(raised == expected);
    if (e.has("resolved")) {
      REQUIRE(outcome_->resolved);
      std::string got = std::string(name(outcome_->resolved->kind)) + ":" +
                        (outcome_->resolved->accepted ? "accepted" : "rejected");
      CHECK(got == e.keys.at("resolved"));
    }
  }

  void check_order(const Fields& e) {
    bool wants_order = !e.positional.empty() || e.has("pending") || e.has("live");
    if (!wants_order) return;
    const Order* o = book_.find("alpha", first_);
    REQUIRE(o != nullptr);
    if (!e.positional.empty()) CHECK(name(o->status) == e.positional[0]);
    if (e.positional.size() >= 4) {
      CHECK(o->order_qty == qty_of(e.positional[1]));
      CHECK(o->cum_qty == qty_of(e.positional[2]));
      CHECK(o->leaves_qty == qty_of(e.positional[3]));
    }
    if (e.has("pending")) {
      const ChainLink* p = o->pending_link();
      CHECK((p ? std::string(name(p->kind)) : std::string("none")) == e.keys.at("pending"));
    }
    if (e.has("live")) CHECK(o->is_live() == (e.keys.at("live") == "yes"));
  }

  OrderBook book_{"FG"};
  std::map<std::string, std::string> ids_;
  std::vector<Input> inputs_;
  std::string first_;
  int exec_seq_ = 0;
  std::optional<Reject> refused_;
  std::string exec_id_;  // of the report the step sent, which its break must name
  std::string sent_orig_;
  std::optional<ReportOutcome> outcome_;
};

}  // namespace

TEST_CASE("every scenario in the order state matrices spec holds") {
  auto scenarios = load_spec();
  for (const auto& scenario : scenarios) {
    Runner runner;
    for (const auto& step : scenario.steps) {
      INFO(scenario.ref << scenario.title << "\n  line " << step.line << ": " << step.text);
      runner.run(step);
    }
    INFO(scenario.ref << ": rebuilding the book from its inputs gives the same book");
    CHECK(rebuild("FG", runner.inputs()) == runner.book());
  }
}

TEST_CASE("the spec covers every FIX 4.4 matrix whose messages fixgate sends or receives") {
  std::set<std::string> refs;
  for (const auto& s : load_spec()) refs.insert(s.ref.substr(0, s.ref.find('/')));
  for (const char* ref :
       {"A.1.a", "A.1.b", "B.1.a", "B.1.b", "B.1.c", "B.1.d", "B.1.e", "B.1.f", "C.1.a", "C.1.b",
        "C.1.c", "C.2.a", "C.3.a", "C.3.b", "C.3.c", "D.1.a", "D.1.b", "D.1.c", "D.2.a", "D.2.b",
        "E.1.a", "E.1.b", "E.1.c", "E.1.d", "F.1.a", "G.1.c", "H.1.a", "H.1.b", "H.1.c", "H.1.d",
        "I.1.a", "I.1.b", "J.1.a", "J.1.b", "J.1.c", "K.1.a", "K.1.b", "L.1.a"}) {
    INFO(ref);
    CHECK(refs.contains(ref));
  }
}
