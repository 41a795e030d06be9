// SPDX-License-Identifier: Apache-2.0
#pragma once
// Secrets never reach the disk: FIX Password (554) and NewPassword (925) values are overwritten
// with '*' of the same length before a fix_in/fix_out record is written. Same length keeps
// BodyLength (9) right and lets the writer redact in place; the FIX CheckSum (10) of a redacted
// message no longer matches, and the length of the secret is still visible.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace fixgate::journal {

/// Redacts 554/925 values in place in a raw FIX message (SOH-separated); returns how many fields
/// it overwrote. Length-prefixed data fields (RawData, XmlData, ...) are skipped, not parsed.
std::size_t redact_fix_secrets(std::span<char> message);

/// Copying form of redact_fix_secrets.
std::string redacted_fix(std::string_view message);

}  // namespace fixgate::journal
