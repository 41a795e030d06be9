// SPDX-License-Identifier: Apache-2.0
// Session ownership by advisory lock: exactly one owner, loss detected, standby takes over.

#include <catch2/catch.hpp>

#include "fixgate/journal/ownership.hpp"
#include "pg_test_util.hpp"

using namespace pg_test;

namespace {
std::unique_ptr<SessionLock> lock_for(const std::string& session) {
  auto l = SessionLock::open(dsn(), session);
  if (!l) throw std::runtime_error("SessionLock::open failed: " + l.error().to_string());
  return std::move(*l);
}
}  // namespace

TEST_CASE("pg: two instances try one session: exactly one owns it") {
  const auto session = unique_name("FIX.4.4:GW->BRK");
  auto a = lock_for(session);
  auto b = lock_for(session);
  CHECK(a->key() == b->key());
  Sql sql;
  CHECK(std::to_string(a->key()) ==
        sql.one("SELECT ('x' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16))::bit(64)::bigint",
                {"fixgate-session:" + session}));
  auto got_a = a->try_acquire();
  auto got_b = b->try_acquire();
  REQUIRE(got_a);
  REQUIRE(got_b);
  CHECK(*got_a != *got_b);
  CHECK(*got_a);
  CHECK(a->held());
  CHECK_FALSE(b->held());
  CHECK(a->check());
  CHECK_FALSE(b->check());
  // Asking again while owning is still true; the other still loses.
  CHECK(a->try_acquire().value_or(false));
  CHECK_FALSE(b->try_acquire().value_or(true));
  // The server shows the lock held by a's backend.
  const auto key = static_cast<std::uint64_t>(a->key());
  CHECK(sql.one("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid"
                " AND objsubid = 1 AND granted",
                {std::to_string(key >> 32), std::to_string(key & 0xFFFFFFFFu)}) == std::to_string(a->backend_pid()));
  // Another session is independent.
  auto c = lock_for(session + "-other");
  CHECK(c->try_acquire().value_or(false));
}

TEST_CASE("pg: killing the owner's connection ends its ownership and a standby takes over") {
  const auto session = unique_name("S-kill");
  auto owner = lock_for(session);
  auto standby = lock_for(session);
  REQUIRE(owner->try_acquire().value_or(false));
  std::atomic<int> lost{0};
  owner->watch(std::chrono::milliseconds(50), [&] { ++lost; });
  auto waiting = standby->acquire(std::chrono::milliseconds(300), std::chrono::milliseconds(50));
  REQUIRE(waiting);
  CHECK_FALSE(*waiting);  // gave up in time: the owner is alive

  Sql killer;
  const int pid = owner->backend_pid();
  REQUIRE(pid != 0);
  CHECK(killer.one("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)}) == "t");
  REQUIRE(eventually([&] { return lost.load() == 1; }, std::chrono::seconds(10)));
  CHECK_FALSE(owner->held());
  CHECK_FALSE(owner->check());
  auto took = standby->acquire(std::chrono::seconds(10), std::chrono::milliseconds(50));
  REQUIRE(took);
  CHECK(*took);
  CHECK(standby->check());
  // The old owner, reconnecting, does not get it back while the standby holds it.
  auto again = owner->try_acquire();
  REQUIRE(again);
  CHECK_FALSE(*again);
  CHECK(lost == 1);
}

TEST_CASE("pg: a released session goes to the standby; closing the lock releases it too") {
  const auto session = unique_name("S-release");
  auto standby = lock_for(session);
  {
    auto owner = lock_for(session);
    REQUIRE(owner->try_acquire().value_or(false));
    CHECK_FALSE(standby->try_acquire().value_or(true));
    owner->release();
    CHECK_FALSE(owner->held());
    REQUIRE(standby->try_acquire().value_or(false));
    standby->release();
    REQUIRE(owner->try_acquire().value_or(false));
  }  // destroyed while owning: its connection closes
  auto took = standby->acquire(std::chrono::seconds(10), std::chrono::milliseconds(50));
  REQUIRE(took);
  CHECK(*took);
}

TEST_CASE("pg: an owner whose backend was ended does not claim the session from its stale state") {
  const auto session = unique_name("S-stale");
  auto owner = lock_for(session);
  auto standby = lock_for(session);
  REQUIRE(owner->try_acquire().value_or(false));
  Sql killer;
  CHECK(killer.one("SELECT pg_terminate_backend($1::int)", {std::to_string(owner->backend_pid())}) == "t");
  auto took = standby->acquire(std::chrono::seconds(10), std::chrono::milliseconds(50));
  REQUIRE(took);
  CHECK(*took);
  CHECK(owner->held());  // nothing has asked the server yet: the last known state
  auto again = owner->try_acquire();  // asks the server, finds the lock gone, tries anew and loses
  REQUIRE(again);
  CHECK_FALSE(*again);
  CHECK_FALSE(owner->held());
}
