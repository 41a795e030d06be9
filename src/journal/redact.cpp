// SPDX-License-Identifier: Apache-2.0
// FIX secret redaction. Walks tag=value<SOH> fields; a length-prefixed data field (RawData 96,
// XmlData 213, ...) may contain SOH and "554=" bytes, so its value is skipped by its declared
// length instead of being scanned.

#include <algorithm>
#include <cstdint>
#include <optional>

#include "fixgate/journal/redact.hpp"

namespace fixgate::journal {
namespace {

constexpr char soh = '\x01';

bool is_secret(std::uint32_t tag) { return tag == 554 || tag == 925; }

/// Data field whose length the given tag declares (FIX 4.4 Length/Data pairs).
std::optional<std::uint32_t> data_tag_for_length(std::uint32_t tag) {
  switch (tag) {
    case 90: return 91;    // SecureDataLen -> SecureData
    case 93: return 89;    // SignatureLength -> Signature
    case 95: return 96;    // RawDataLength -> RawData
    case 212: return 213;  // XmlDataLen -> XmlData
    case 348: return 349;  // EncodedIssuerLen
    case 350: return 351;  // EncodedSecurityDescLen
    case 352: return 353;  // EncodedListExecInstLen
    case 354: return 355;  // EncodedTextLen
    case 356: return 357;  // EncodedSubjectLen
    case 358: return 359;  // EncodedHeadlineLen
    case 360: return 361;  // EncodedAllocTextLen
    case 362: return 363;  // EncodedUnderlyingIssuerLen
    case 364: return 365;  // EncodedUnderlyingSecurityDescLen
    case 445: return 446;  // EncodedListStatusTextLen
    case 618: return 619;  // EncodedLegIssuerLen
    case 621: return 622;  // EncodedLegSecurityDescLen
    default: return std::nullopt;
  }
}

std::optional<std::uint64_t> parse_uint(const char* begin, const char* end) {
  if (begin == end || end - begin > 12) return std::nullopt;
  std::uint64_t v = 0;
  for (const char* p = begin; p != end; ++p) {
    if (*p < '0' || *p > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(*p - '0');
  }
  return v;
}

}  // namespace

std::size_t redact_fix_secrets(std::span<char> message) {
  char* p = message.data();
  char* const end = p + message.size();
  std::size_t redacted = 0;
  std::uint32_t pending_data_tag = 0;  // 0: none (std::optional here trips -Wmaybe-uninitialized)
  std::uint64_t pending_data_len = 0;
  while (p < end) {
    char* const eq = std::find(p, end, '=');
    if (eq == end) break;
    const auto tag_value = parse_uint(p, eq);
    char* const value = eq + 1;
    if (!tag_value) {
      // Not a tag: not FIX as we know it here; resynchronise at the next field separator.
      char* const sep = std::find(value, end, soh);
      p = sep < end ? sep + 1 : end;
      continue;
    }
    const auto tag = static_cast<std::uint32_t>(*tag_value);
    char* value_end = nullptr;
    if (pending_data_tag != 0 && pending_data_tag == tag &&
        pending_data_len <= static_cast<std::uint64_t>(end - value)) {
      value_end = value + pending_data_len;
    } else {
      value_end = std::find(value, end, soh);
    }
    pending_data_tag = 0;
    if (is_secret(tag)) {
      std::fill(value, value_end, '*');
      ++redacted;
    } else if (const auto data_tag = data_tag_for_length(tag)) {
      if (const auto len = parse_uint(value, value_end)) {
        pending_data_tag = *data_tag;
        pending_data_len = *len;
      }
    }
    p = value_end < end ? value_end + 1 : end;
  }
  return redacted;
}

std::string redacted_fix(std::string_view message) {
  std::string copy(message);
  redact_fix_secrets(std::span<char>(copy.data(), copy.size()));
  return copy;
}

}  // namespace fixgate::journal
