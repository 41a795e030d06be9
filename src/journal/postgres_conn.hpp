// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small libpq helpers shared by the PostgreSQL journal, its schema code and SessionLock: owning
// handles, connecting with keepalives (the DSN never reaches an error text), running a statement
// with text parameters, reading binary result columns.

#include <libpq-fe.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <expected>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "fixgate/journal/error.hpp"

namespace fixgate::journal::pg {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// Connects with TCP keepalives and timeouts (so a dead server is noticed in about ten seconds)
/// that the DSN may override, and `application_name` as a fallback the DSN may also override.
/// The error text is libpq's (host/port, never the password) prefixed with `what`.
std::expected<Conn, Error> connect(const std::string& dsn, const std::string& application_name,
                                   std::string_view what);

/// An io_error from the connection's last message; `io` is connection_reset when the connection
/// is gone, so callers can tell a lost connection from a refused statement.
Error error_from(PGconn* conn, std::string_view what, const PGresult* result = nullptr);

/// SQLSTATE of a failed result ("" when none).
std::string sqlstate(const PGresult* result);

/// Runs `sql` with text parameters; binary results when `binary_result`. Answers the result for
/// COMMAND_OK / TUPLES_OK, an error otherwise.
std::expected<Result, Error> exec(PGconn* conn, std::string_view what, const char* sql,
                                  std::initializer_list<std::string_view> params = {},
                                  bool binary_result = false);

/// True when the error means the connection (not the statement) failed.
bool connection_lost(const Error& error);

/// Reads a big-endian integer from a binary result column.
template <class T>
T read_be(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
  return v;
}

/// Appends a big-endian integer (COPY binary).
template <class T>
void append_be(std::string& out, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

/// Column `col` of row `row` as bytes (binary or text format alike).
inline std::string_view value(const PGresult* r, int row, int col) {
  return std::string_view(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

}  // namespace fixgate::journal::pg
