// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL journal's schema (versioned migrations run by fixgate itself) and reading the
// head of a journal at open. Scans and verify are in postgres_reader.cpp.

#include <array>
#include <charconv>
#include <vector>

#include "format.hpp"
#include "postgres_conn.hpp"
#include "postgres_internal.hpp"
#include "sha256.hpp"

namespace fixgate::journal {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Never edit a migration that has shipped: add the next one. Each runs once, in order, inside the
// transaction that records it in fixgate_schema_version.
constexpr std::array<Migration, 3> migrations{{
    {1, "journal rows keyed by (journal, seq), time index",
     "CREATE TABLE fixgate_journal ("
     " journal text NOT NULL,"
     " seq bigint NOT NULL CHECK (seq > 0),"
     " ts_ns bigint NOT NULL,"
     " kind smallint NOT NULL,"
     " flags smallint NOT NULL,"
     " stream bytea NOT NULL,"
     " payload bytea NOT NULL,"
     " hash bytea NOT NULL CHECK (octet_length(hash) = 32),"
     " PRIMARY KEY (journal, seq));"
     "CREATE INDEX fixgate_journal_ts ON fixgate_journal (journal, ts_ns);"},
    {2, "audit columns (order ids, account, symbol) and their indexes",
     "ALTER TABLE fixgate_journal"
     " ADD COLUMN cl_ord_id text, ADD COLUMN orig_cl_ord_id text, ADD COLUMN order_id text,"
     " ADD COLUMN exec_id text, ADD COLUMN account text, ADD COLUMN symbol text;"
     "CREATE INDEX fixgate_journal_cl_ord_id ON fixgate_journal (journal, cl_ord_id)"
     " WHERE cl_ord_id IS NOT NULL;"
     "CREATE INDEX fixgate_journal_orig_cl_ord_id ON fixgate_journal (journal, orig_cl_ord_id)"
     " WHERE orig_cl_ord_id IS NOT NULL;"
     "CREATE INDEX fixgate_journal_order_id ON fixgate_journal (journal, order_id)"
     " WHERE order_id IS NOT NULL;"
     "CREATE INDEX fixgate_journal_exec_id ON fixgate_journal (journal, exec_id)"
     " WHERE exec_id IS NOT NULL;"
     "CREATE INDEX fixgate_journal_account ON fixgate_journal (journal, account, ts_ns)"
     " WHERE account IS NOT NULL;"
     "CREATE INDEX fixgate_journal_symbol ON fixgate_journal (journal, symbol, ts_ns)"
     " WHERE symbol IS NOT NULL;"},
    {3, "the request/ClOrdID pairing, apply_fix references and incomplete audit rows, indexed",
     "ALTER TABLE fixgate_journal"
     " ADD COLUMN pair_cl_ord_id text, ADD COLUMN ref_seq bigint, ADD COLUMN audit_incomplete boolean;"
     "CREATE INDEX fixgate_journal_pair_cl_ord_id ON fixgate_journal (journal, pair_cl_ord_id)"
     " WHERE pair_cl_ord_id IS NOT NULL;"
     "CREATE INDEX fixgate_journal_ref_seq ON fixgate_journal (journal, ref_seq) WHERE ref_seq IS NOT NULL;"
     "CREATE INDEX fixgate_journal_audit_incomplete ON fixgate_journal (journal, seq) WHERE audit_incomplete;"},
}};
static_assert(migrations.back().version == pg_schema_version);

std::uint64_t parse_u64(std::string_view text) {
  std::uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

std::int64_t advisory_key(std::string_view text) {
  detail::ChainHasher hasher;
  const Hash digest = hasher.digest(text.data(), text.size());
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return static_cast<std::int64_t>(v);
}

std::string PgRecoveryReport::to_string() const {
  std::string s = "journal (postgres): " + std::to_string(records) + " records";
  if (records > 0) s += ", seq " + std::to_string(first_seq) + ".." + std::to_string(last_seq);
  s += ", schema v" + std::to_string(schema_version);
  if (migrations_applied > 0) s += " (" + std::to_string(migrations_applied) + " migrations applied)";
  return s;
}

namespace pg {

Error journal_error(ErrorKind kind, std::string text, const std::string& name, std::uint64_t seq,
                    std::uint64_t last_good) {
  Error e;
  e.kind = kind;
  e.segment = "postgres:" + name;
  e.seq = seq;
  e.last_good_seq = last_good;
  e.text = std::move(text) + " (journal " + name + ")";
  return e;
}

std::optional<std::string> check_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return "journal name must be 1..200 bytes";
  for (const char c : name) {
    if (c < 0x21 || c > 0x7e) return "journal name must be printable ASCII without spaces";
  }
  return std::nullopt;
}

std::expected<void, Error> migrate(PGconn* conn, PgRecoveryReport& report) {
  const auto fail = [&](Error e) -> std::expected<void, Error> {
    if (PQstatus(conn) == CONNECTION_OK) PQclear(PQexec(conn, "ROLLBACK"));
    return std::unexpected(std::move(e));
  };
  if (auto r = exec(conn, "migrate: begin", "BEGIN"); !r) return std::unexpected(r.error());
  const std::string key = std::to_string(advisory_key(migrate_lock_text));
  // Serialises instances migrating at once; released by COMMIT/ROLLBACK.
  if (auto r = exec(conn, "migrate: lock", "SELECT pg_advisory_xact_lock($1::bigint)", {key}); !r) {
    return fail(r.error());
  }
  if (auto r = exec(conn, "migrate: version table",
                    "CREATE TABLE IF NOT EXISTS fixgate_schema_version ("
                    " version integer PRIMARY KEY,"
                    " description text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())");
      !r) {
    return fail(r.error());
  }
  auto current = exec(conn, "migrate: read version",
                      "SELECT coalesce(max(version), 0) FROM fixgate_schema_version");
  if (!current) return fail(current.error());
  const int have = static_cast<int>(parse_u64(value(current->get(), 0, 0)));
  if (have > pg_schema_version) {
    Error e;
    e.kind = ErrorKind::invalid_argument;
    e.text = "database schema version " + std::to_string(have) +
             " is newer than this build understands (" + std::to_string(pg_schema_version) + ")";
    return fail(e);
  }
  int applied = 0;
  for (const auto& m : migrations) {
    if (m.version <= have) continue;
    const std::string what = "migrate: version " + std::to_string(m.version);
    Result r(PQexec(conn, m.sql));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return fail(error_from(conn, what, r.get()));
    }
    if (auto v = exec(conn, what, "INSERT INTO fixgate_schema_version (version, description) VALUES ($1, $2)",
                      {std::to_string(m.version), m.description});
        !v) {
      return fail(v.error());
    }
    ++applied;
  }
  if (auto r = exec(conn, "migrate: commit", "COMMIT"); !r) return std::unexpected(r.error());
  report.schema_version = std::max(have, pg_schema_version);
  report.migrations_applied = applied;
  return {};
}

std::expected<std::pair<std::uint64_t, Hash>, Error> last_row(PGconn* conn, const std::string& name) {
  auto r = exec(conn, "read last row",
                "SELECT seq, hash FROM fixgate_journal WHERE journal = $1 ORDER BY seq DESC LIMIT 1",
                {name}, true);
  if (!r) return std::unexpected(r.error());
  if (PQntuples(r->get()) == 0) return std::pair<std::uint64_t, Hash>{0, genesis_hash()};
  Hash h{};
  const auto bytes = value(r->get(), 0, 1);
  if (bytes.size() != h.size()) {
    return std::unexpected(pg::journal_error(ErrorKind::bad_length, "stored chain hash is not 32 bytes", name));
  }
  std::memcpy(h.data(), bytes.data(), h.size());
  return std::pair<std::uint64_t, Hash>{read_be<std::uint64_t>(PQgetvalue(r->get(), 0, 0)), h};
}

std::expected<void, Error> read_head(PGconn* conn, const std::string& name, PgRecoveryReport& report) {
  auto r = exec(conn, "read journal extent",
                "SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM fixgate_journal"
                " WHERE journal = $1",
                {name});
  if (!r) return std::unexpected(r.error());
  report.records = parse_u64(value(r->get(), 0, 0));
  report.first_seq = parse_u64(value(r->get(), 0, 1));
  auto last = last_row(conn, name);
  if (!last) return std::unexpected(last.error());
  report.last_seq = last->first;
  report.last_hash = last->second;
  // Rows are only ever added at last + 1, so anything else is a deleted or foreign row.
  if (report.records != 0 && (report.first_seq != 1 || report.last_seq != report.records)) {
    return std::unexpected(pg::journal_error(ErrorKind::seq_gap,
                                    "rows hold seq " + std::to_string(report.first_seq) + ".." +
                                        std::to_string(report.last_seq) + " but there are " +
                                        std::to_string(report.records) + " of them",
                                    name, 0, 0));
  }
  return {};
}

}  // namespace pg

std::expected<PgRecoveryReport, Error> pg_migrate(const std::string& dsn) {
  auto conn = pg::connect(dsn, "fixgate-migrate", "connect (migrate)");
  if (!conn) return std::unexpected(conn.error());
  PgRecoveryReport report;
  if (auto m = pg::migrate(conn->get(), report); !m) return std::unexpected(m.error());
  return report;
}

}  // namespace fixgate::journal
