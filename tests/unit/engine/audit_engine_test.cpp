// What the journal must hold for an audit to stand on its own: the ClOrdID each accepted request
// went out under, and every admin request's outcome.

#include <catch2/catch.hpp>

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
