// SPDX-License-Identifier: Apache-2.0
// libpq helpers: connecting, errors that never carry the DSN, statements with text parameters.

#include "postgres_conn.hpp"

#include <array>
#include <vector>

namespace fixgate::journal::pg {
namespace {

/// libpq's message on one line (it spreads some over several, e.g. "server closed the connection
/// unexpectedly\n\tThis probably means ..."): a log line or an error text stays one line.
std::string trimmed(const char* text) {
  std::string s;
  bool space = false;
  for (const char* p = text == nullptr ? "" : text; *p != '\0'; ++p) {
    const bool blank = *p == '\n' || *p == '\r' || *p == '\t' || *p == ' ';
    if (blank) {
      space = !s.empty();
      continue;
    }
    if (space) s += ' ';
    space = false;
    s += *p;
  }
  return s;
}

}  // namespace

std::expected<Conn, Error> connect(const std::string& dsn, const std::string& application_name,
                                   std::string_view what) {
  // Entries before dbname are defaults the DSN may override; the one after is a fallback too.
  const std::array<const char*, 9> keys{"connect_timeout", "keepalives",  "keepalives_idle",
                                        "keepalives_interval", "keepalives_count",
                                        "tcp_user_timeout", "dbname", "fallback_application_name",
                                        nullptr};
  const std::array<const char*, 9> values{"5", "1", "5", "2", "3", "10000", dsn.c_str(),
                                          application_name.c_str(), nullptr};
  // libpq's parse errors quote the offending part of the string, which may be a password: check
  // the DSN first and say only that it is malformed.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &parse_error);
  if (parsed == nullptr) {
    PQfreemem(parse_error);
    Error e;
    e.kind = ErrorKind::invalid_argument;
    e.text = std::string(what) + ": the PostgreSQL DSN is malformed (not shown: it may hold a password)";
    return std::unexpected(e);
  }
  PQconninfoFree(parsed);
  Conn conn(PQconnectdbParams(keys.data(), values.data(), 1));
  if (!conn) {
    Error e;
    e.kind = ErrorKind::io_error;
    e.io = std::make_error_code(std::errc::not_enough_memory);
    e.text = std::string(what) + ": libpq could not allocate a connection";
    return std::unexpected(e);
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) return std::unexpected(error_from(conn.get(), what));
  // Server notices ("relation already exists, skipping") would go to stderr: not for a daemon's log.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Error error_from(PGconn* conn, std::string_view what, const PGresult* result) {
  Error e;
  e.kind = ErrorKind::io_error;
  const bool lost = conn == nullptr || PQstatus(conn) != CONNECTION_OK;
  e.io = lost ? std::make_error_code(std::errc::connection_reset)
              : std::make_error_code(std::errc::io_error);
  std::string detail = result != nullptr ? trimmed(PQresultErrorMessage(result)) : std::string();
  if (detail.empty() && conn != nullptr) detail = trimmed(PQerrorMessage(conn));
  if (detail.empty()) detail = lost ? "connection lost" : "unknown error";
  const std::string state = result != nullptr ? sqlstate(result) : std::string();
  e.text = std::string(what) + ": " + detail + (state.empty() ? "" : " (SQLSTATE " + state + ")");
  return e;
}

std::string sqlstate(const PGresult* result) {
  const char* s = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return s == nullptr ? std::string() : std::string(s);
}

std::expected<Result, Error> exec(PGconn* conn, std::string_view what, const char* sql,
                                  std::initializer_list<std::string_view> params, bool binary_result) {
  std::vector<std::string> copies;  // libpq wants NUL-terminated text parameters
  copies.reserve(params.size());
  std::vector<const char*> values;
  for (const auto p : params) copies.emplace_back(p);
  for (const auto& c : copies) values.push_back(c.c_str());
  Result r(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr,
                        values.empty() ? nullptr : values.data(), nullptr, nullptr,
                        binary_result ? 1 : 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(error_from(conn, what, r.get()));
  }
  return r;
}

bool connection_lost(const Error& error) {
  return error.kind == ErrorKind::io_error && error.io == std::errc::connection_reset;
}

}  // namespace fixgate::journal::pg
