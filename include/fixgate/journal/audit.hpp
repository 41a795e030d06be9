// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a record says about orders, read out of its payload for the journal's indexes: the
// PostgreSQL audit columns and the file journal's sidecar index per segment (index.hpp). The
// payload stays the record; these are only a way to find it.

#include <cstdint>
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "fixgate/journal/record.hpp"

namespace fixgate::journal {

/// The ids, account and symbol of one record; empty when absent.
///   fix_in / fix_out: ClOrdID (11), OrigClOrdID (41), OrderID (37), ExecID (17), Account (1),
///     Symbol (55), first occurrence each.
///   upstream_request / upstream_event: the JSON fields client_order_id (as cl_ord_id),
///     orig_client_order_id (as orig_cl_ord_id), exec_id, account, symbol; an `accepted` event's
///     cl_ord_id (the ClOrdID its request went out under) as paired_cl_ord_id.
///   engine_event: `apply_fix N` gives applies = N; `not_resent <type> <ClOrdID>` gives cl_ord_id.
struct AuditFields {
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string order_id;
  std::string exec_id;
  std::string account;
  std::string symbol;
  std::string paired_cl_ord_id;
  std::uint64_t applies = 0;  ///< the fix_in record an apply_fix marker applies; 0 none
  /// A field was present but its value cannot be kept (empty, over 256 bytes, not printable
  /// ASCII, or a JSON escape other than \" \\ \/): an index misses this record for it.
  bool incomplete = false;
};

/// Reads the audit fields of a record (after redaction: what is stored).
AuditFields audit_fields(RecordKind kind, std::string_view payload);

/// What an index key names: any order id (client_order_id, ClOrdID, OrigClOrdID, OrderID,
/// ExecID alike), an account, a symbol, or the fix_in record an apply_fix marker applies.
enum class IndexKind : std::uint8_t { id = 1, account = 2, symbol = 3, applies = 4 };

/// One key of the indexes; `text` is the value as stored (applies: the seq in decimal).
struct IndexKey {
  IndexKind kind = IndexKind::id;
  std::string text;
  auto operator<=>(const IndexKey&) const = default;
};

/// The keys a record is found by: each distinct id, the account, the symbol, applies.
std::vector<IndexKey> index_keys(const AuditFields& fields);

/// Record times to look in, inclusive (ns since the epoch); the default is all of them.
struct TimeRange {
  std::int64_t from_ns = INT64_MIN;
  std::int64_t to_ns = INT64_MAX;
  bool contains(std::int64_t ns) const { return ns >= from_ns && ns <= to_ns; }
};

/// 64-bit FNV-1a of the kind byte and the text: the sidecar index stores these, and a lookup
/// reads the record to confirm (two keys may share a hash).
std::uint64_t index_hash(const IndexKey& key);

}  // namespace fixgate::journal
