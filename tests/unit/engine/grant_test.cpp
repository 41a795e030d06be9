// SPDX-License-Identifier: Apache-2.0
// Clients known by a bearer token rather than the file: what the token grants decides their
// orders, and is journaled so that a replay decides the same way.

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace fixgate;
using namespace engine_test;

namespace {

gateway::Inbound from_algo(gateway::Request r, std::uint64_t connection = 21) {
  return gateway::Inbound{connection, "algo7", "", std::move(r)};
}

gateway::Hello granted_hello(std::vector<std::string> accounts, bool admin = false) {
  gateway::Hello h{"algo7", "", std::nullopt};
  h.grant = gateway::Grant{std::move(accounts), admin, {}};
  return h;
}

const gateway::Rejected* rejected(const Harness& h, const std::string& id) {
  for (const auto* r : h.events<gateway::Rejected>()) {
    if (r->client_order_id == id) return r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a bearer token's grant entitles its client, is journaled, and survives a replay") {
  TempDir dir;
  {
    Harness h(dir.path);
    h.engine->post(engine::SessionChange{"SIM", true});
    h.engine->post(from_algo(granted_hello({"ACC1"})));
    REQUIRE(h.run_until([&] { return !h.events<gateway::Welcome>().empty(); }));
    h.engine->post(from_algo(new_order("a1")));
    auto other = new_order("a2");
    other.account = "ACC2";
    h.engine->post(from_algo(other));
    REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty() && rejected(h, "a2") != nullptr; }));
    CHECK(rejected(h, "a2")->reason == RejectReason::not_entitled);
    // Admin requests need the admin role, which this token does not carry.
    h.engine->post(from_algo(gateway::KillSwitchRequest{true, "all", "", "test"}));
    REQUIRE(h.run_until([&] {
      for (const auto* e : h.events<gateway::Error>()) {
        if (e->code == "not_entitled") return true;
      }
      return false;
    }));
    bool journaled = false;
    REQUIRE(h.journal->scan([&](const journal::RecordView& r) {
      journaled = journaled || (r.kind == journal::RecordKind::engine_event && r.payload == "grant trader 1 ACC1 0");
      return true;
    }));
    CHECK(journaled);
  }
  // A replay knows the grant from the journal: the order is decided again as it was, with no
  // event the journal does not hold.
  Harness again(dir.path);
  again.engine->recover();
  CHECK(again.engine->book().find("algo7", "a1") != nullptr);
  again.engine->post(from_algo(new_order("a1")));  // a retry gets the first answer
  REQUIRE(again.run_until([&] { return !again.events<gateway::Accepted>().empty(); }));
  CHECK(again.engine->stats().idempotent_replays == 1);
}

TEST_CASE("a changed grant is journaled again and takes effect; an unchanged one is not") {
  TempDir dir;
  Harness h(dir.path);
  h.engine->post(engine::SessionChange{"SIM", true});
  h.engine->post(from_algo(granted_hello({"ACC1"})));
  h.engine->post(from_algo(granted_hello({"ACC1"}), 22));
  h.engine->post(from_algo(granted_hello({"ACC2"}), 23));
  REQUIRE(h.run_until([&] { return h.events<gateway::Welcome>().size() == 3; }));
  auto order = new_order("b1");
  order.account = "ACC2";
  h.engine->post(from_algo(order, 23));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Accepted>().empty(); }));
  std::size_t grants = 0;
  REQUIRE(h.journal->scan([&](const journal::RecordView& r) {
    grants += r.kind == journal::RecordKind::engine_event && r.payload.starts_with("grant ") ? 1 : 0;
    return true;
  }));
  CHECK(grants == 2);
}

TEST_CASE("a client known by its token hears what every client hears: sessions and kill switches") {
  TempDir dir;
  auto c = test_config();
  c.upstream.clients.push_back({"ops", "ops-secret", {"*"}, config::ClientRole::admin});
  Harness h(dir.path, {}, c);
  h.engine->post(from_algo(granted_hello({"ACC1"})));
  REQUIRE(h.run_until([&] { return !h.events<gateway::Welcome>().empty(); }));
  h.engine->post(engine::SessionChange{"SIM", true});
  h.admin_request(gateway::KillSwitchRequest{true, "account", "ACC9", "test"});
  auto heard = [&](auto event_type) {
    using Event = decltype(event_type);
    for (const auto& out : h.delivered) {
      if (out.client == "algo7" && std::holds_alternative<Event>(out.event)) return true;
    }
    return false;
  };
  REQUIRE(h.run_until([&] { return heard(gateway::SessionStatus{}) && heard(gateway::KillSwitchStatus{}); }));
}
