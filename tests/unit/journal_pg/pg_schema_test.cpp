// SPDX-License-Identifier: Apache-2.0
// Migrations (idempotent, safe with several instances at once, refusing a newer schema) and the
// advisory lock key derivation. The audit field reader is tested in tests/unit/journal.

#include <catch2/catch.hpp>

#include <thread>

#include "fixgate/journal/ownership.hpp"
#include "pg_test_util.hpp"
#include "postgres_internal.hpp"

using namespace pg_test;

namespace {

// A fresh database in the test cluster, dropped at the end.
class FreshDatabase {
 public:
  FreshDatabase() : name_("fixgate_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)) {
    Sql admin;
    admin.query("DROP DATABASE IF EXISTS " + name_);
    admin.query("CREATE DATABASE " + name_);
  }
  ~FreshDatabase() {
    try {
      Sql admin;
      admin.query("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  FreshDatabase(const FreshDatabase&) = delete;
  FreshDatabase& operator=(const FreshDatabase&) = delete;
  /// The cluster DSN with dbname replaced (a repeated keyword: the last one wins).
  std::string dsn() const { return pg_test::dsn() + " dbname=" + name_; }

 private:
  static inline int counter_ = 0;
  std::string name_;
};

}  // namespace

TEST_CASE("pg: migrations run once and a second run changes nothing") {
  FreshDatabase db;
  auto first = pg_migrate(db.dsn());
  REQUIRE(first);
  CHECK(first->schema_version == pg_schema_version);
  CHECK(first->migrations_applied == pg_schema_version);
  auto second = pg_migrate(db.dsn());
  REQUIRE(second);
  CHECK(second->schema_version == pg_schema_version);
  CHECK(second->migrations_applied == 0);
  Sql sql(db.dsn());
  CHECK(sql.one("SELECT string_agg(version::text, ',' ORDER BY version) FROM fixgate_schema_version") == "1,2,3");
  // Opening a journal afterwards applies nothing either.
  auto o = options_for("after-migrate");
  o.dsn = db.dsn();
  auto j = open_pg(std::move(o));
  CHECK(j->recovery().migrations_applied == 0);
}

TEST_CASE("pg: instances opening a fresh database at the same time migrate it exactly once") {
  FreshDatabase db;
  constexpr int n = 4;
  std::vector<std::unique_ptr<PgJournal>> journals(n);
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      auto o = options_for("concurrent-" + std::to_string(i));
      o.dsn = db.dsn();
      auto j = PgJournal::open(std::move(o));
      if (j) {
        journals[static_cast<std::size_t>(i)] = std::move(*j);
      } else {
        errors[static_cast<std::size_t>(i)] = j.error().to_string();
      }
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (int i = 0; i < n; ++i) {
    INFO(errors[static_cast<std::size_t>(i)]);
    REQUIRE(journals[static_cast<std::size_t>(i)]);
    applied += journals[static_cast<std::size_t>(i)]->recovery().migrations_applied;
  }
  CHECK(applied == pg_schema_version);  // all of them by one instance, none twice
  Sql sql(db.dsn());
  CHECK(sql.one("SELECT count(*) FROM fixgate_schema_version") == std::to_string(pg_schema_version));
  for (auto& j : journals) append_range(*j, 1, 20);
  CHECK(sql.one("SELECT count(*) FROM fixgate_journal") == "80");
}

TEST_CASE("pg: a database migrated by a newer fixgate is refused") {
  FreshDatabase db;
  REQUIRE(pg_migrate(db.dsn()));
  Sql sql(db.dsn());
  sql.query("INSERT INTO fixgate_schema_version (version, description) VALUES (99, 'from the future')");
  auto o = options_for("future");
  o.dsn = db.dsn();
  auto j = PgJournal::open(std::move(o));
  REQUIRE_FALSE(j);
  CHECK(j.error().kind == ErrorKind::invalid_argument);
  CHECK(j.error().text.find("newer") != std::string::npos);
}

TEST_CASE("pg: advisory lock keys are SHA-256 prefixes, as SQL computes them") {
  Sql sql;
  for (const std::string text : {"fixgate-session:FIX.4.4:GW->BROKER", "fixgate-journal:fixgate", "x", ""}) {
    const auto expected = sql.one(
        "SELECT ('x' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16))::bit(64)::bigint", {text});
    CHECK(std::to_string(advisory_key(text)) == expected);
  }
}

TEST_CASE("pg: a bad journal name or an empty DSN is refused before connecting") {
  auto o = options_for("has space");
  auto bad = PgJournal::open(o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::invalid_argument);
  o = options_for("ok");
  o.dsn.clear();
  auto empty = PgJournal::open(o);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().kind == ErrorKind::invalid_argument);
}

TEST_CASE("pg: a connection failure never shows the DSN's password") {
  auto o = options_for("nopass");
  o.dsn = "host=127.0.0.1 port=1 user=fixgate password=VerySecret123 connect_timeout=2";
  auto j = PgJournal::open(o);
  REQUIRE_FALSE(j);
  CHECK(j.error().kind == ErrorKind::io_error);
  CHECK(j.error().text.find("VerySecret123") == std::string::npos);
}

TEST_CASE("pg: a malformed DSN is refused without quoting it") {
  auto o = options_for("badsn");
  o.dsn = "host=127.0.0.1 password=Hunter2Secret port";  // no '=' after the last keyword
  auto j = PgJournal::open(o);
  REQUIRE_FALSE(j);
  CHECK(j.error().kind == ErrorKind::invalid_argument);
  CHECK(j.error().text.find("Hunter2Secret") == std::string::npos);
  auto lock = SessionLock::open("postgresql://u:Hunter2Secret@[bad", "S");
  REQUIRE_FALSE(lock);
  CHECK(lock.error().text.find("Hunter2Secret") == std::string::npos);
}
