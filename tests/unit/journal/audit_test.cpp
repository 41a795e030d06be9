// SPDX-License-Identifier: Apache-2.0
// The audit fields every index is built from: FIX tags, upstream JSON members (escapes
// included), the accepted pairing, apply_fix references, and what an index cannot keep.

#include <catch2/catch.hpp>

#include <string>

#include "fixgate/journal/audit.hpp"
#include "test_util.hpp"

using namespace journal_test;

TEST_CASE("FIX records give their ids, account and symbol, first occurrence of each") {
  const auto f = audit_fields(RecordKind::fix_in, fix("8=FIX.4.4|35=8|11=FG2|41=FG1|37=O9|17=E5|1=ACC1|55=7203|11=XX|10=000|"));
  CHECK(f.cl_ord_id == "FG2");
  CHECK(f.orig_cl_ord_id == "FG1");
  CHECK(f.order_id == "O9");
  CHECK(f.exec_id == "E5");
  CHECK(f.account == "ACC1");
  CHECK(f.symbol == "7203");
  CHECK_FALSE(f.incomplete);
}

TEST_CASE("upstream JSON gives its ids; escapes of quote, backslash and slash are read, others are not") {
  const auto f = audit_fields(
      RecordKind::upstream_request,
      R"({"op":"cancel", "text":"\"account\":\"no\"", "client_order_id" : "c\"1","orig_client_order_id":"a\\b","account":"A/1","qty":5})");
  CHECK(f.cl_ord_id == "c\"1");
  CHECK(f.orig_cl_ord_id == "a\\b");
  CHECK(f.account == "A/1");
  CHECK_FALSE(f.incomplete);
  const auto odd = audit_fields(RecordKind::upstream_request, R"({"op":"new","client_order_id":"\u0063","symbol":"S"})");
  CHECK(odd.cl_ord_id.empty());
  CHECK(odd.symbol == "S");
  CHECK(odd.incomplete);  // present, but not something an index can hold
}

TEST_CASE("an accepted event pairs its client_order_id with the ClOrdID it went out under") {
  const auto f = audit_fields(RecordKind::upstream_event,
                              R"({"event":"accepted","seq":3,"id":"r1","client_order_id":"c1","cl_ord_id":"FG1"})" "\n");
  CHECK(f.cl_ord_id == "c1");
  CHECK(f.paired_cl_ord_id == "FG1");
  const auto keys = index_keys(f);
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == IndexKey{IndexKind::id, "c1"});
  CHECK(keys[1] == IndexKey{IndexKind::id, "FG1"});
}

TEST_CASE("engine events: apply_fix names the record it applies, not_resent a ClOrdID") {
  const auto applied = audit_fields(RecordKind::engine_event, "apply_fix 1234");
  CHECK(applied.applies == 1234);
  CHECK(index_keys(applied) == std::vector<IndexKey>{{IndexKind::applies, "1234"}});
  CHECK(audit_fields(RecordKind::engine_event, "not_resent D FG7").cl_ord_id == "FG7");
  CHECK(audit_fields(RecordKind::engine_event, "apply_fix 12x").applies == 0);
  CHECK(index_keys(audit_fields(RecordKind::engine_event, "11=C1")).empty());
}

TEST_CASE("values an index cannot hold are left out and say so") {
  const auto long_id = audit_fields(RecordKind::fix_in, fix("8=FIX.4.4|35=8|11=" + std::string(300, 'x') + "|55=S|"));
  CHECK(long_id.cl_ord_id.empty());
  CHECK(long_id.symbol == "S");
  CHECK(long_id.incomplete);
  CHECK(audit_fields(RecordKind::fix_in, fix("8=FIX.4.4|35=8|11=|")).incomplete);
}

TEST_CASE("index keys differ by kind and hash differently") {
  const IndexKey id{IndexKind::id, "ACC1"};
  const IndexKey account{IndexKind::account, "ACC1"};
  CHECK(index_hash(id) != index_hash(account));
  CHECK(index_hash(id) == index_hash(IndexKey{IndexKind::id, "ACC1"}));
}
