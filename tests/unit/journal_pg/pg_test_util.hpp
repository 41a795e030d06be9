// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers for the PostgreSQL journal tests: the DSN of the throwaway cluster (CTest fixture
// pg_cluster writes it to a file; FIXGATE_TEST_PG_DSN overrides), unique journal names, a plain
// libpq connection for looking at and meddling with the rows from outside, and short ways to
// open, fill and read a PgJournal.

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixgate/journal/postgres.hpp"
#include "test_util.hpp"  // tests/unit/journal: record_for, TempDir, the file backend helpers

namespace pg_test {

using namespace fixgate::journal;
using journal_test::fix;
using journal_test::record_for;

/// The cluster's DSN (key=value form), as the fixture wrote it.
inline std::string cluster_dsn() {
  if (const char* d = std::getenv("FIXGATE_TEST_PG_DSN"); d != nullptr && *d != '\0') return d;
  const char* file = std::getenv("FIXGATE_TEST_PG_DSN_FILE");
  if (file == nullptr) throw std::runtime_error("no FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE");
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line) || line.empty()) {
    throw std::runtime_error(std::string("no DSN in ") + file + " (did the pg_cluster fixture run?)");
  }
  return line;
}

/// The DSN these tests use: a database of their own on the cluster, created on first use. Some
/// tests lock the whole journal table; in the shared database that stalled every other suite
/// writing to the cluster beside them under `ctest -j` (engine_tests_pg, the system tests).
inline std::string dsn();

/// A journal name no other test (or earlier run against the same cluster) uses.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt % 100000) + "-" +
         std::to_string(counter++);
}

/// A plain libpq connection used by the tests themselves (not the code under test).
class Sql {
 public:
  explicit Sql(const std::string& conninfo = dsn()) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw std::runtime_error(std::string("test connection failed: ") + PQerrorMessage(conn_));
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "... does not exist, skipping"
  }
  ~Sql() { PQfinish(conn_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  /// Runs a statement; rows as text (NULL as nullopt). Throws on error.
  std::vector<std::vector<std::optional<std::string>>> query(const std::string& sql,
                                                             const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("test SQL failed: " + sql + ": " + msg);
    }
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < PQnfields(r); ++c) {
        if (PQgetisnull(r, i, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c))));
        }
      }
    }
    PQclear(r);
    return rows;
  }
  /// First column of the first row.
  std::string one(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto rows = query(sql, params);
    if (rows.empty() || rows[0].empty() || !rows[0][0]) throw std::runtime_error("no value: " + sql);
    return *rows[0][0];
  }
  /// Terminates the backends whose application_name is `app`; how many.
  int terminate(const std::string& app) {
    return std::stoi(one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE application_name = $1 AND pid <> pg_backend_pid()",
                         {app}));
  }

 private:
  PGconn* conn_;
};

/// `conninfo` (key=value or URI form) naming `database` instead of its own dbname.
inline std::string with_database(const std::string& conninfo, const std::string& database) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    const std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    throw std::runtime_error("the test DSN does not parse: " + why);
  }
  const auto quoted = [](const std::string& value) {
    std::string q = "'";
    for (const char c : value) {
      if (c == '\\' || c == '\'') q += '\\';
      q += c;
    }
    return q + "'";
  };
  std::string out;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + quoted(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quoted(database);
}

inline std::string dsn() {
  static const std::string own = [] {
    constexpr const char* database = "fixgate_journal_pg_tests";
    const std::string cluster = cluster_dsn();
    Sql admin(cluster);
    const std::string exists = std::string("SELECT 1 FROM pg_database WHERE datname = '") + database + "'";
    if (admin.query(exists).empty()) {
      try {
        admin.query(std::string("CREATE DATABASE ") + database);
      } catch (const std::runtime_error& e) {
        // Not a concurrent run creating it first: say what the tests need.
        if (admin.query(exists).empty()) {
          throw std::runtime_error(std::string(e.what()) + " (the test role needs CREATEDB)");
        }
      }
    }
    return with_database(cluster, database);
  }();
  return own;
}

inline PgOptions options_for(const std::string& name) {
  PgOptions o;
  o.dsn = dsn();
  o.name = name;
  o.backoff_min = std::chrono::milliseconds(20);
  o.backoff_max = std::chrono::milliseconds(200);
  return o;
}

inline std::unique_ptr<PgJournal> open_pg(PgOptions o) {
  auto j = PgJournal::open(std::move(o));
  if (!j) throw std::runtime_error("PgJournal::open failed: " + j.error().to_string());
  return std::move(*j);
}
inline std::unique_ptr<PgJournal> open_pg(const std::string& name) { return open_pg(options_for(name)); }

/// Appends records first..last (as record_for) and waits until they are committed.
inline void append_range(PgJournal& j, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t s = first; s <= last; ++s) {
    const Record r = record_for(s);
    auto seq = j.append(r.kind, r.stream, r.payload, r.timestamp_ns);
    if (!seq || *seq != s) throw std::runtime_error("append did not return seq " + std::to_string(s));
  }
  if (last >= first) {
    auto d = j.wait_durable(last, std::chrono::seconds(30));
    if (!d) throw std::runtime_error("not durable: " + d.error().to_string());
  }
}

/// Every committed record of journal `name`, with its stored chain value.
struct Stored {
  Record record;
  std::uint16_t flags = 0;
  Hash hash{};
};
inline std::vector<Stored> read_all(const std::string& name, ReadOptions options = {}) {
  std::vector<Stored> out;
  auto s = pg_scan(dsn(), name, [&](const RecordView& v) {
    out.push_back(Stored{v.to_record(), v.flags, *v.hash});
    return true;
  }, options);
  if (!s) throw std::runtime_error("pg_scan failed: " + s.error().to_string());
  return out;
}

/// Every record of a file journal directory, with its stored chain value.
inline std::vector<Stored> read_all_file(const std::filesystem::path& dir) {
  std::vector<Stored> out;
  auto s = scan(dir, [&](const RecordView& v) {
    out.push_back(Stored{v.to_record(), v.flags, *v.hash});
    return true;
  });
  if (!s) throw std::runtime_error("scan failed: " + s.error().to_string());
  return out;
}

/// Polls `done` every 10 ms for up to `limit`; true when it answered true.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace pg_test
