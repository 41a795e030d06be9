// SPDX-License-Identifier: Apache-2.0
// Reading a PostgreSQL journal without owning it: PgReader (a read-only connection the journal
// tool keeps for all its scans), pg_scan and pg_verify (one connection per call).

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "fixgate/journal/audit.hpp"
#include "format.hpp"
#include "postgres_conn.hpp"
#include "postgres_internal.hpp"
#include "sha256.hpp"

namespace fixgate::journal {

namespace {

// Rows per round trip: big enough that the round trips do not dominate, small enough that a page
// of FIX messages stays around a megabyte.
constexpr int page_rows = 4096;

/// The columns seq, ts_ns, kind, flags, stream, payload, hash of row i as a RecordView (views
/// into the result); false when the stored hash is not 32 bytes.
bool decode_row(const PGresult* r, int i, RecordView& v, Hash& stored) {
  using pg::read_be;
  v.seq = read_be<std::uint64_t>(PQgetvalue(r, i, 0));
  v.timestamp_ns = read_be<std::int64_t>(PQgetvalue(r, i, 1));
  v.kind = static_cast<RecordKind>(static_cast<std::uint16_t>(read_be<std::int16_t>(PQgetvalue(r, i, 2))));
  v.flags = static_cast<std::uint16_t>(read_be<std::int16_t>(PQgetvalue(r, i, 3)));
  v.stream = pg::value(r, i, 4);
  v.payload = pg::value(r, i, 5);
  const auto hbytes = pg::value(r, i, 6);
  if (hbytes.size() != stored.size()) return false;
  std::memcpy(stored.data(), hbytes.data(), stored.size());
  v.hash = &stored;
  return true;
}

/// A PostgreSQL text array literal of `values`: {"a","b\"c"}.
std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    for (const char c : v) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::expected<ScanSummary, Error> scan_rows(PGconn* c, const std::string& name,
                                            const std::function<bool(const RecordView&)>& visit,
                                            const ReadOptions& options) {
  using pg::read_be;
  const std::uint64_t from = std::max<std::uint64_t>(options.from_seq, 1);

  ScanSummary summary;
  std::optional<detail::ChainHasher> hasher;
  if (options.verify_chain) hasher.emplace();
  Hash hash = genesis_hash();
  std::uint64_t expected = from;
  if (from > 1) {
    // Start from the chain value of the row before, as a segment header gives it to a file reader.
    auto prev = pg::exec(c, "scan: previous row",
                         "SELECT hash FROM fixgate_journal WHERE journal = $1 AND seq = $2",
                         {name, std::to_string(from - 1)}, true);
    if (!prev) return std::unexpected(prev.error());
    if (PQntuples(prev->get()) == 1 && PQgetlength(prev->get(), 0, 0) == 32) {
      std::memcpy(hash.data(), PQgetvalue(prev->get(), 0, 0), 32);
    } else if (options.verify_chain) {
      return std::unexpected(pg::journal_error(ErrorKind::seq_gap, "seq " + std::to_string(from - 1) + " is missing",
                                               name, from - 1, 0));
    }
  }
  summary.last_hash = hash;
  summary.last_seq = from - 1;
  std::vector<char> body;
  bool stop = false;
  while (!stop) {
    // Keyset paging on the primary key: each page is one index range scan, however far in.
    auto rows = pg::exec(c, "scan: read rows",
                         "SELECT seq, ts_ns, kind, flags, stream, payload, hash FROM fixgate_journal"
                         " WHERE journal = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
                         {name, std::to_string(expected), std::to_string(page_rows)}, true);
    if (!rows) return std::unexpected(rows.error());
    const PGresult* r = rows->get();
    const int n = PQntuples(r);
    for (int i = 0; i < n && !stop; ++i) {
      RecordView v;
      Hash stored{};
      if (!decode_row(r, i, v, stored)) {
        return std::unexpected(pg::journal_error(ErrorKind::bad_length, "stored chain hash is not 32 bytes", name,
                                                 v.seq, summary.last_seq));
      }
      // Seqs start at 1 and run +1, so any jump is a missing row.
      if (v.seq != expected) {
        return std::unexpected(pg::journal_error(
            ErrorKind::seq_gap, "row has seq " + std::to_string(v.seq) + ", expected " + std::to_string(expected),
            name, expected, summary.last_seq));
      }
      if (hasher) {
        const std::size_t len = detail::body_size(v.stream.size(), v.payload.size());
        body.resize(len);
        detail::encode_body(body.data(), v.seq, v.timestamp_ns, static_cast<std::uint16_t>(v.kind), v.flags,
                            v.stream, v.payload);
        if (hasher->next(hash, body.data(), len) != stored) {
          return std::unexpected(pg::journal_error(
              ErrorKind::hash_mismatch,
              "seq " + std::to_string(v.seq) + ": chain hash is not SHA-256(previous hash || body)", name, v.seq,
              summary.last_seq));
        }
      }
      hash = stored;
      if (summary.records == 0) summary.first_seq = v.seq;
      ++summary.records;
      summary.bytes += detail::frame_overhead + v.stream.size() + v.payload.size();
      summary.last_seq = v.seq;
      summary.last_hash = stored;
      ++expected;
      if (!visit(v)) stop = true;
    }
    if (n < page_rows) break;
  }
  return summary;
}

ReadOptions audit_options() {
  ReadOptions options;
  options.verify_chain = true;
  options.strict_tail = true;
  return options;
}

}  // namespace

struct PgReader::State {
  pg::Conn conn;
  std::string name;
  int schema_version = 0;
};

PgReader::PgReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
PgReader::PgReader(PgReader&&) noexcept = default;
PgReader& PgReader::operator=(PgReader&&) noexcept = default;
PgReader::~PgReader() = default;

std::expected<PgReader, Error> PgReader::open(const std::string& dsn, const std::string& name) {
  if (auto bad = pg::check_name(name)) {
    return std::unexpected(pg::journal_error(ErrorKind::invalid_argument, *bad, name));
  }
  auto conn = pg::connect(dsn, "fixgate-reader:" + name, "connect (reader)");
  if (!conn) return std::unexpected(conn.error());
  // A reader must never change the journal, even by mistake: the server refuses any write now.
  if (auto r = pg::exec(conn->get(), "reader: read only", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
      !r) {
    return std::unexpected(r.error());
  }
  auto table = pg::exec(conn->get(), "reader: find schema", "SELECT to_regclass('fixgate_journal') IS NOT NULL");
  if (!table) return std::unexpected(table.error());
  if (pg::value(table->get(), 0, 0) != "t") {
    return std::unexpected(pg::journal_error(
        ErrorKind::invalid_argument, "the database has no fixgate_journal table (no fixgate journal was ever written there)",
        name));
  }
  auto version = pg::exec(conn->get(), "reader: schema version", "SELECT coalesce(max(version), 0) FROM fixgate_schema_version");
  if (!version) return std::unexpected(version.error());
  auto state = std::make_unique<State>();
  state->conn = std::move(*conn);
  state->name = name;
  state->schema_version = std::atoi(PQgetvalue(version->get(), 0, 0));
  return PgReader(std::move(state));
}

std::expected<bool, Error> PgReader::find(const std::vector<IndexKey>& keys,
                                          const std::function<bool(const RecordView&)>& visit, TimeRange range) const {
  if (state_->schema_version < 3) return false;  // no pairing or apply_fix columns: the caller scans
  std::vector<std::string> ids, accounts, symbols, refs;
  for (const auto& key : keys) {
    switch (key.kind) {
      case IndexKind::id: ids.push_back(key.text); break;
      case IndexKind::account: accounts.push_back(key.text); break;
      case IndexKind::symbol: symbols.push_back(key.text); break;
      case IndexKind::applies: refs.push_back(key.text); break;
    }
  }
  std::uint64_t after = 0;
  for (;;) {
    // One index lookup per column (a bitmap OR of the partial indexes), in pages by seq.
    auto rows = pg::exec(state_->conn.get(), "find: read rows",
                         "SELECT seq, ts_ns, kind, flags, stream, payload, hash FROM fixgate_journal"
                         " WHERE journal = $1 AND seq > $2 AND (cl_ord_id = ANY($3::text[]) OR orig_cl_ord_id = ANY($3::text[])"
                         " OR order_id = ANY($3::text[]) OR exec_id = ANY($3::text[]) OR pair_cl_ord_id = ANY($3::text[])"
                         " OR account = ANY($4::text[]) OR symbol = ANY($5::text[]) OR ref_seq = ANY($6::bigint[]))"
                         " AND ts_ns BETWEEN $7 AND $8 ORDER BY seq LIMIT $9",
                         {state_->name, std::to_string(after), text_array(ids), text_array(accounts), text_array(symbols),
                          text_array(refs), std::to_string(range.from_ns), std::to_string(range.to_ns), std::to_string(page_rows)},
                         true);
    if (!rows) return std::unexpected(rows.error());
    const PGresult* r = rows->get();
    const int n = PQntuples(r);
    for (int i = 0; i < n; ++i) {
      RecordView v;
      Hash stored{};
      if (!decode_row(r, i, v, stored)) {
        return std::unexpected(pg::journal_error(ErrorKind::bad_length, "stored chain hash is not 32 bytes", state_->name, v.seq));
      }
      after = v.seq;
      if (!visit(v)) return true;
    }
    if (n < page_rows) return true;
  }
}

std::expected<bool, Error> PgReader::index_complete() const {
  if (state_->schema_version < 3) return false;
  auto r = pg::exec(state_->conn.get(), "find: incomplete rows",
                    "SELECT EXISTS (SELECT 1 FROM fixgate_journal WHERE journal = $1 AND audit_incomplete)", {state_->name});
  if (!r) return std::unexpected(r.error());
  return pg::value(r->get(), 0, 0) != "t";
}

std::expected<ScanSummary, Error> PgReader::scan(const std::function<bool(const RecordView&)>& visit,
                                                 ReadOptions options) const {
  return scan_rows(state_->conn.get(), state_->name, visit, options);
}

std::expected<ScanSummary, Error> PgReader::verify() const {
  return scan_rows(state_->conn.get(), state_->name, [](const RecordView&) { return true; }, audit_options());
}

const std::string& PgReader::name() const { return state_->name; }

std::expected<ScanSummary, Error> pg_scan(const std::string& dsn, const std::string& name,
                                          const std::function<bool(const RecordView&)>& visit,
                                          ReadOptions options) {
  auto reader = PgReader::open(dsn, name);
  if (!reader) return std::unexpected(reader.error());
  return reader->scan(visit, options);
}

std::expected<ScanSummary, Error> pg_verify(const std::string& dsn, const std::string& name) {
  return pg_scan(dsn, name, [](const RecordView&) { return true; }, audit_options());
}

}  // namespace fixgate::journal
