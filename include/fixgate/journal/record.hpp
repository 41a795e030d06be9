// SPDX-License-Identifier: Apache-2.0
#pragma once
// One journal record as the rest of fixgate sees it. The numbering of RecordKind is written to disk
// (spec/journal-format.md): never renumber a kind, only add.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fixgate::journal {

/// What a record holds; the value is the on-disk kind code.
enum class RecordKind : std::uint16_t {
  fix_in = 1,            ///< raw FIX message received on a session (stream = session name)
  fix_out = 2,           ///< raw FIX message sent on a session (stream = session name)
  upstream_request = 3,  ///< request from an upstream client (stream = client name)
  upstream_event = 4,    ///< event sent to an upstream client (stream = client name)
  engine_event = 5,      ///< engine decision or timer input (stream may be empty)
  seq_change = 6,        ///< FIX sequence number reset or change on a session
  checkpoint = 7,        ///< engine state checkpoint
  fix_garbage = 8,       ///< bytes received on a session that are not a well-framed FIX message; never applied
  fix_verdict = 9,       ///< what the session layer did with a fix_in record (delivered, queued, rejected, ...)
};

/// Highest kind code this build knows; readers keep records of later kinds as opaque.
inline constexpr std::uint16_t max_known_kind = 9;

/// Stable snake_case name ("fix_in", ...); "unknown" for codes this build does not know.
std::string_view name(RecordKind kind);
/// Inverse of name(); nullopt for an unknown name.
std::optional<RecordKind> kind_from_name(std::string_view text);

/// Running SHA-256 chain value carried by every record.
using Hash = std::array<std::uint8_t, 32>;

/// Chain value before the first record: SHA-256 of the ASCII text "fixgate journal v1".
const Hash& genesis_hash();

/// Lower-case hex of a hash, for logs and reports.
std::string to_hex(const Hash& hash);

/// A decoded record that owns its bytes.
struct Record {
  std::uint64_t seq = 0;           ///< 1-based, contiguous across the whole journal
  std::int64_t timestamp_ns = 0;   ///< given by the caller (time is an input), ns since epoch
  RecordKind kind = RecordKind::engine_event;
  std::string stream;              ///< session or client name; may be empty
  std::string payload;             ///< exact bytes (FIX passwords already redacted)
  bool operator==(const Record&) const = default;
};

/// A record read in place: the views point into the reader's mapping and live until the next
/// call to Reader::next() or the end of a scan callback.
struct RecordView {
  std::uint64_t seq = 0;            ///< record sequence number
  std::int64_t timestamp_ns = 0;    ///< caller-given time, ns since epoch
  RecordKind kind = RecordKind::engine_event;  ///< may hold a code above max_known_kind
  std::uint16_t flags = 0;          ///< bit 0: a FIX secret was redacted in the payload
  std::string_view stream;          ///< session or client name
  std::string_view payload;         ///< exact bytes as written
  const Hash* hash = nullptr;       ///< the chain value stored with this record
  /// Copies the bytes out.
  Record to_record() const;
};

/// Record flag bit: redaction changed the payload (so its FIX CheckSum (10) no longer matches).
inline constexpr std::uint16_t flag_redacted = 1;

}  // namespace fixgate::journal
