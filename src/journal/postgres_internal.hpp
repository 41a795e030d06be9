// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pieces of the PostgreSQL journal shared by its files (postgres.cpp, postgres_schema.cpp,
// postgres_audit.cpp, ownership.cpp); not public API.

#include <libpq-fe.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/journal/error.hpp"
#include "fixgate/journal/postgres.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal::pg {

/// Prefixes of the advisory lock keys (advisory_key(prefix + name)).
inline constexpr std::string_view journal_lock_prefix = "fixgate-journal:";
inline constexpr std::string_view session_lock_prefix = "fixgate-session:";
/// Transaction lock key text serialising migrations between instances.
inline constexpr std::string_view migrate_lock_text = "fixgate-schema-migrate";

/// Columns of fixgate_journal in the order the writer's COPY sends them.
inline constexpr const char* copy_sql =
    "COPY fixgate_journal (journal, seq, ts_ns, kind, flags, stream, payload, hash, cl_ord_id, "
    "orig_cl_ord_id, order_id, exec_id, account, symbol, pair_cl_ord_id, ref_seq, audit_incomplete) "
    "FROM STDIN (FORMAT binary)";
/// How many columns copy_sql names.
inline constexpr int copy_columns = 17;

/// Runs the migrations on `conn` in one transaction under an advisory transaction lock; fills
/// schema_version and migrations_applied.
std::expected<void, Error> migrate(PGconn* conn, PgRecoveryReport& report);

/// Reads the journal's row count, first/last seq and the last chain value into `report`.
std::expected<void, Error> read_head(PGconn* conn, const std::string& name, PgRecoveryReport& report);

/// Last row of the journal: seq (0 when empty) and its chain value (genesis when empty).
std::expected<std::pair<std::uint64_t, Hash>, Error> last_row(PGconn* conn, const std::string& name);

/// An error about journal `name`: segment "postgres:<name>", the text ending "(journal <name>)".
Error journal_error(ErrorKind kind, std::string text, const std::string& name, std::uint64_t seq = 0,
                    std::uint64_t last_good = 0);

/// A journal name is 1..200 printable ASCII bytes (it is a text column and part of a lock key).
std::optional<std::string> check_name(std::string_view name);

}  // namespace fixgate::journal::pg
