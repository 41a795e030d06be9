// SPDX-License-Identifier: Apache-2.0
// What the journal must hold for an audit to stand on its own: the ClOrdID each accepted request
// went out under, and every admin request's outcome.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fixgate/gateway/codec.hpp"
#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

namespace {

/// The journaled upstream events of `client`, as written.
std::vector<std::string> journaled_events(Harness& h, const std::string& client) {
  std::vector<std::string> out;
  auto scanned = h.journal->scan([&](const journal::RecordView& r) {
    if (r.kind == journal::RecordKind::upstream_event && r.stream == client) out.emplace_back(r.payload);
    return true;
  });
  REQUIRE(scanned.has_value());
  return out;
}

}  // namespace

TEST_CASE("accepted names the ClOrdID the new order, cancel or replace went out under, in the journal too") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.request(new_order("c1"));
  REQUIRE(h.run_until([&] { return h.sent.size() == 1 && h.events<gateway::Accepted>().size() == 1; }));
  const auto nos = std::get<order::NewOrderSingle>(h.sent[0].second);  // a copy: h.sent grows
  h.broker(report(nos.cl_ord_id, "N1", ExecType::new_order, OrdStatus::new_order, "0", "100"), "raw-N1");
  REQUIRE(h.run_until([&] { return h.events<gateway::Execution>().size() == 1; }));
  h.request(gateway::ReplaceOrder{"c1-r", "c1", Qty::from_whole(50), std::nullopt});
  REQUIRE(h.run_until([&] { return h.sent.size() == 2 && h.events<gateway::Accepted>().size() == 2; }));
  const auto replace = std::get<order::OrderCancelReplaceRequest>(h.sent[1].second);

  const auto accepted = h.events<gateway::Accepted>();
  CHECK(accepted[0]->client_order_id == "c1");
  CHECK(accepted[0]->cl_ord_id == nos.cl_ord_id);
  CHECK(accepted[1]->client_order_id == "c1-r");
  CHECK(accepted[1]->cl_ord_id == replace.cl_ord_id);
  CHECK(replace.cl_ord_id != nos.cl_ord_id);

  int pairings = 0;
  for (const auto& line : journaled_events(h, "trader")) {
    auto event = gateway::decode_event(std::string_view(line).substr(0, line.size() - 1));
    REQUIRE(event.has_value());
    if (const auto* a = std::get_if<gateway::Accepted>(&event->event)) {
      CHECK(a->cl_ord_id == (a->client_order_id == "c1" ? nos.cl_ord_id : replace.cl_ord_id));
      ++pairings;
    }
  }
  CHECK(pairings == 2);
}

namespace {

config::Config config_with_admin() {
  auto c = test_config();
  c.upstream.clients.push_back({"ops", "ops-secret", {"*"}, config::ClientRole::admin});
  return c;
}

struct AuditRecord {
  std::uint64_t seq = 0;
  std::string stream;
  nlohmann::json body;
};

/// The `audit` engine events and the admin requests of the journal, by seq.
void read_audit(Harness& h, std::vector<AuditRecord>& audits, std::map<std::uint64_t, std::string>& requests) {
  auto scanned = h.journal->scan([&](const journal::RecordView& r) {
    if (r.kind == journal::RecordKind::engine_event && r.payload.starts_with("audit ")) {
      audits.push_back({r.seq, std::string(r.stream), nlohmann::json::parse(r.payload.substr(6))});
    }
    if (r.kind == journal::RecordKind::upstream_request) requests[r.seq] = std::string(r.payload);
    return true;
  });
  REQUIRE(scanned.has_value());
}

}  // namespace

TEST_CASE("every admin request is journaled with its outcome, refusals included, before the answer goes out") {
  TempDir dir;
  Harness h(dir.path, {}, config_with_admin());
  h.request(gateway::KillSwitchRequest{true, "account", "ACC1", "not mine to pull"});      // refused: not an admin
  h.admin_request(gateway::KillSwitchRequest{true, "account", "ACC1", "fat finger"}, "k1");  // done
  h.admin_request(gateway::KillSwitchRequest{true, "account", "ACC1", "again"}, "k2");       // refused: engaged
  h.admin_request(gateway::SetLimit{"account", "ACC1", "max_order_qty", "500", "tighter"}, "l1");
  h.admin_request(gateway::SetLimit{"account", "ACC1", "no_such_limit", "1", "typo"}, "l2");
  REQUIRE(h.run_until([&] { return h.events<gateway::Error>().size() == 3 && h.events<gateway::LimitChanged>().size() == 1; }));

  std::vector<AuditRecord> audits;
  std::map<std::uint64_t, std::string> requests;
  read_audit(h, audits, requests);
  REQUIRE(audits.size() == 5);
  REQUIRE(requests.size() == 5);
  std::vector<std::string> outcomes;
  for (const auto& a : audits) {
    INFO(a.body.dump());
    const auto request = a.body.at("request_seq").get<std::uint64_t>();
    REQUIRE(requests.count(request) == 1);  // each outcome names its request's record
    CHECK(request < a.seq);
    outcomes.push_back(a.stream + " " + a.body.at("outcome").get<std::string>() + " " +
                       a.body.at("answer").at("event").get<std::string>());
  }
  CHECK(outcomes == std::vector<std::string>{"trader refused error", "ops done kill_switch", "ops refused error",
                                             "ops done limit", "ops refused error"});
  CHECK(audits[0].body["answer"]["code"] == "not_entitled");
  // A change of limits carries the policy before and after; a refusal changes nothing.
  CHECK_FALSE(audits[3].body["policy_before"]["risk"]["accounts"].contains("ACC1"));
  CHECK(audits[3].body["policy_after"]["risk"]["accounts"]["ACC1"]["max_order_qty"] == "500");
  CHECK_FALSE(audits[4].body.contains("policy_after"));
  // Direct answers went out only once their outcome record was durable.
  for (std::size_t i = 0; i < h.delivered.size(); ++i) {
    if (!std::holds_alternative<gateway::Error>(h.delivered[i].event)) continue;
    CHECK(h.durable_at_delivery[i] >= audits[0].seq);
  }
}

TEST_CASE("a reload from a signal is journaled with its source, outcome and the policy before and after") {
  TempDir dir;
  Harness h(dir.path, {}, config_with_admin());
  engine::PolicyReload tighter;
  tighter.policy = {h.config.risk, h.config.routes};
  tighter.policy.risk.defaults.max_order_qty = Qty::from_whole(10);
  tighter.source = "SIGHUP from pid 4242 (uid 0)";
  h.engine->post(tighter);
  engine::PolicyReload broken;
  broken.source = "SIGHUP from pid 4243 (uid 0)";
  broken.refused = "reload refused, nothing changed: fixgate.yaml:3:5: risk: bad";
  h.engine->post(broken);
  std::vector<AuditRecord> audits;
  std::map<std::uint64_t, std::string> requests;
  REQUIRE(h.run_until([&] {
    audits.clear();
    read_audit(h, audits, requests);
    return audits.size() == 2;
  }));
  CHECK(audits[0].stream == "signal");
  CHECK(audits[0].body["action"] == "reload");
  CHECK(audits[0].body["source"] == "SIGHUP from pid 4242 (uid 0)");
  CHECK(audits[0].body["outcome"] == "changed");
  CHECK(audits[0].body["policy_before"]["risk"]["defaults"]["max_order_qty"] == "1000");
  CHECK(audits[0].body["policy_after"]["risk"]["defaults"]["max_order_qty"] == "10");
  CHECK(audits[1].body["outcome"] == "refused");
  CHECK(audits[1].body["error"] == "reload refused, nothing changed: fixgate.yaml:3:5: risk: bad");
  CHECK(h.engine->policy().risk.defaults.max_order_qty == Qty::from_whole(10));
}
