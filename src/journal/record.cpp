// SPDX-License-Identifier: Apache-2.0
// Names, hex and report text for the journal's value types.

#include <array>

#include "fixgate/journal/error.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/record.hpp"
#include "sha256.hpp"

namespace fixgate::journal {
namespace {

struct KindName {
  RecordKind kind;
  std::string_view name;
};

constexpr std::array<KindName, 9> kind_names{{
    {RecordKind::fix_in, "fix_in"},
    {RecordKind::fix_out, "fix_out"},
    {RecordKind::upstream_request, "upstream_request"},
    {RecordKind::upstream_event, "upstream_event"},
    {RecordKind::engine_event, "engine_event"},
    {RecordKind::seq_change, "seq_change"},
    {RecordKind::checkpoint, "checkpoint"},
    {RecordKind::fix_garbage, "fix_garbage"},
    {RecordKind::fix_verdict, "fix_verdict"},
}};

}  // namespace

std::string_view name(RecordKind kind) {
  for (const auto& k : kind_names) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::optional<RecordKind> kind_from_name(std::string_view text) {
  for (const auto& k : kind_names) {
    if (k.name == text) return k.kind;
  }
  return std::nullopt;
}

std::string to_hex(const Hash& hash) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (const auto b : hash) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xF]);
  }
  return out;
}

Record RecordView::to_record() const {
  return Record{seq, timestamp_ns, kind, std::string(stream), std::string(payload)};
}

std::string_view name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::io_error: return "io_error";
    case ErrorKind::bad_header: return "bad_header";
    case ErrorKind::bad_length: return "bad_length";
    case ErrorKind::crc_mismatch: return "crc_mismatch";
    case ErrorKind::hash_mismatch: return "hash_mismatch";
    case ErrorKind::seq_gap: return "seq_gap";
    case ErrorKind::torn_tail: return "torn_tail";
    case ErrorKind::locked: return "locked";
    case ErrorKind::failed: return "failed";
    case ErrorKind::closed: return "closed";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::backpressure: return "backpressure";
    case ErrorKind::invalid_argument: return "invalid_argument";
    case ErrorKind::bad_archive: return "bad_archive";
    case ErrorKind::bad_signature: return "bad_signature";
  }
  return "unknown";
}

std::string Error::to_string() const { return std::string(name(kind)) + ": " + text; }

std::string RecoveryReport::to_string() const {
  std::string s = "journal: " + std::to_string(records) + " records in " +
                  std::to_string(segments) + " segment(s)";
  if (records > 0) {
    s += ", seq " + std::to_string(first_seq) + ".." + std::to_string(last_seq);
  }
  if (truncated) {
    s += "; cut " + std::to_string(truncated_bytes) + " bytes (" +
         std::string(name(truncated_reason)) + ") from " + truncated_segment + " at offset " +
         std::to_string(truncated_offset) + " after seq " + std::to_string(last_seq);
  }
  if (!removed_segment.empty()) s += "; removed segment with torn header " + removed_segment;
  return s;
}

const Hash& genesis_hash() {
  static const Hash genesis = [] {
    static constexpr std::string_view text = "fixgate journal v1";
    return detail::ChainHasher().digest(text.data(), text.size());
  }();
  return genesis;
}

}  // namespace fixgate::journal
