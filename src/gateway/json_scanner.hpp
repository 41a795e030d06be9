// SPDX-License-Identifier: Apache-2.0
#pragma once
// A single-pass JSON scanner for one request line: a flat object whose known keys land in a fixed
// table, with any nested or unknown value validated and skipped. Written by hand because the
// general parser's per-token bookkeeping cost more than the whole 2 µs per-message budget.
// Full JSON grammar (RFC 8259) is enforced, so what it accepts any JSON library accepts.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fixgate::gateway::detail {

/// The JSON type of a scanned value.
enum class Kind : std::uint8_t { absent, null, boolean, integer, floating, string, object, array };

/// One known key's value.
struct ScannedField {
  Kind kind = Kind::absent;
  bool negative = false;     // integer below zero (number then holds nothing useful)
  std::uint16_t order = 0;   // 1-based position among the object's keys
  std::uint64_t number = 0;  // integer magnitude that fits 64 bits; 1/0 for true/false
  std::string text;          // decoded string value
};

/// What the scan found besides the fields.
struct ScanOutcome {
  bool syntax_ok = true;
  bool not_object = false;           // valid JSON, but not an object
  std::size_t error_offset = 0;      // byte of the syntax fault
  std::string_view error_text;       // static description of the fault
  std::string unknown_name;          // first key that is not in `names`
  std::uint16_t unknown_order = 0;
  std::string duplicate_name;        // first known key seen twice
};

/// Scans `line`; `fields[i]` receives the value of key `names[i]`.
ScanOutcome scan_flat_object(std::string_view line, std::span<const std::string_view> names,
                             std::span<ScannedField> fields);

}  // namespace fixgate::gateway::detail
