// SPDX-License-Identifier: Apache-2.0
// The malformed-input corpus (tests/data/upstream/malformed.tsv): each line must yield its exact
// error code and field, from the codec alone and from a live server, which keeps the connection
// usable and keeps answering for orders accepted before the corpus.

#include "server_fixture.hpp"

using namespace fixgate;
using namespace fixgate::gateway;
using namespace fixgate::gateway::testing;

TEST_CASE("the corpus has at least 40 cases", "[gateway][corpus]") {
  CHECK(load_corpus().size() >= 40);
}

TEST_CASE("the codec answers every corpus line with its expected error", "[gateway][corpus]") {
  for (const auto& c : load_corpus()) {
    INFO("malformed.tsv:" << c.line_no << ": " << c.input);
    std::string id;
    auto in = decode_request(c.input, id);
    REQUIRE_FALSE(in.has_value());
    CHECK(in.error().code == c.code);
    CHECK(in.error().field == c.field);
    CHECK_FALSE(in.error().text.empty());
    CHECK_FALSE(is_framing_error(in.error().code));
    if (c.code == "invalid_json") CHECK(in.error().offset.has_value());
  }
}

TEST_CASE("a live server answers every corpus line and the connection stays usable", "[gateway][corpus][socket]") {
  LiveServer live;
  TestClient client(live.ports.at(0));
  auto welcome = client.hello();
  REQUIRE(std::holds_alternative<Welcome>(welcome.event));

  client.send(encode_request(sample_order("before-1"), "n1"));
  auto accepted = client.event();
  REQUIRE(std::holds_alternative<Accepted>(accepted.event));
  CHECK(accepted.seq == 1);

  const auto corpus = load_corpus();
  for (const auto& c : corpus) {
    INFO("malformed.tsv:" << c.line_no << ": " << c.input);
    client.send(c.input);
    auto out = client.event();
    REQUIRE(std::holds_alternative<Error>(out.event));
    const auto& e = std::get<Error>(out.event);
    CHECK(e.code == c.code);
    CHECK(e.field == c.field);
    CHECK(out.seq == 0);  // direct answers are not part of the resumable stream
  }

  // Still the same connection, still logged in, and the engine's state is intact.
  client.send(R"({"op":"status","id":"s1","client_order_id":"before-1"})");
  auto status = client.event();
  REQUIRE(std::holds_alternative<OrderSnapshot>(status.event));
  CHECK(std::get<OrderSnapshot>(status.event).client_order_id == "before-1");
  CHECK(status.request_id == "s1");
  client.send(encode_request(sample_order("after-1"), "n2"));
  auto after = client.event();
  REQUIRE(std::holds_alternative<Accepted>(after.event));
  CHECK(after.seq == 2);
  CHECK(after.request_id == "n2");

  // Nothing malformed reached the engine.
  CHECK(live.engine.seen().size() == 4);  // hello, new, status, new
  CHECK(live.server.stats().decode_errors == corpus.size());
}
