// SPDX-License-Identifier: Apache-2.0
// Reopening continues seqs and the chain; verify and open catch rows changed behind fixgate's back.

#include <catch2/catch.hpp>

#include "fixgate/journal/journal.hpp"
#include "pg_test_util.hpp"

using namespace pg_test;

TEST_CASE("pg: reopen continues seqs and the chain exactly as one file journal would") {
  const auto name = unique_name("restart");
  const std::uint64_t n = 600;
  Hash head_before{};
  {
    auto j = open_pg(name);
    append_range(*j, 1, n / 2);
    head_before = j->durable_hash();
    REQUIRE(j->close());
  }
  {
    auto j = open_pg(name);
    CHECK(j->recovery().records == n / 2);
    CHECK(j->recovery().first_seq == 1);
    CHECK(j->recovery().last_seq == n / 2);
    CHECK(j->recovery().last_hash == head_before);
    CHECK(j->recovery().migrations_applied == 0);
    CHECK(j->durable_seq() == n / 2);
    CHECK(j->last_seq() == n / 2);
    CHECK(j->durable_hash() == head_before);
    append_range(*j, n / 2 + 1, n);
    REQUIRE(j->close());
  }
  // The same records through the file backend in one go give the same chain values.
  journal_test::TempDir tmp;
  {
    auto file = journal_test::open_journal(tmp.journal(), SyncPolicy::none);
    journal_test::append_range(*file, 1, n);
  }
  const auto from_file = read_all_file(tmp.journal());
  const auto from_pg = read_all(name);
  REQUIRE(from_pg.size() == n);
  REQUIRE(from_file.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(from_pg[i].record == from_file[i].record);
    REQUIRE(from_pg[i].hash == from_file[i].hash);
  }
  auto v = pg_verify(dsn(), name);
  REQUIRE(v);
  CHECK(v->records == n);
  CHECK(v->last_hash == from_file.back().hash);
}

TEST_CASE("pg: verify names the row whose payload was changed in the database") {
  const auto name = unique_name("tamper");
  {
    auto j = open_pg(name);
    append_range(*j, 1, 100);
  }
  REQUIRE(pg_verify(dsn(), name));
  Sql sql;
  sql.query("UPDATE fixgate_journal SET payload = payload || 'x'::bytea WHERE journal = $1 AND seq = 37", {name});
  auto v = pg_verify(dsn(), name);
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::hash_mismatch);
  CHECK(v.error().seq == 37);
  CHECK(v.error().last_good_seq == 36);
  CHECK(v.error().text.find("seq 37") != std::string::npos);
  // A plain scan trusts the rows (like a file reader without verify_chain)...
  CHECK(read_all(name).size() == 100);
  // ...and one that checks the chain from the middle finds it too.
  ReadOptions o;
  o.from_seq = 30;
  o.verify_chain = true;
  CHECK_THROWS(read_all(name, o));

  // Changing a stored hash instead (to make row 37 "fit") breaks row 38.
  sql.query("UPDATE fixgate_journal SET hash = sha256('forged'::bytea) WHERE journal = $1 AND seq = 37", {name});
  auto v2 = pg_verify(dsn(), name);
  REQUIRE_FALSE(v2);
  CHECK(v2.error().kind == ErrorKind::hash_mismatch);
  CHECK(v2.error().seq == 37);
}

TEST_CASE("pg: a deleted row is a gap for verify and for open") {
  const auto name = unique_name("gap");
  {
    auto j = open_pg(name);
    append_range(*j, 1, 50);
  }
  Sql sql;
  sql.query("DELETE FROM fixgate_journal WHERE journal = $1 AND seq = 20", {name});
  auto v = pg_verify(dsn(), name);
  REQUIRE_FALSE(v);
  CHECK(v.error().kind == ErrorKind::seq_gap);
  CHECK(v.error().seq == 20);
  CHECK(v.error().last_good_seq == 19);
  auto reopened = PgJournal::open(options_for(name));
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().kind == ErrorKind::seq_gap);
}
