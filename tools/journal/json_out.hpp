// SPDX-License-Identifier: Apache-2.0
#pragma once
// The --json answers of fixgate-journal: one JSON document on stdout, keys in a stable order.

#include <string>

#include <nlohmann/json.hpp>

#include "fixgate/journal/error.hpp"

namespace fixgate::journal_tool {

using Json = nlohmann::ordered_json;

/// {"kind", "segment", "offset", "seq", "last_good_seq", "text"} of a journal error.
Json error_json(const journal::Error& error);

/// Writes `document` and a newline to stdout; bytes that are not UTF-8 are replaced.
void print_json(const Json& document);

}  // namespace fixgate::journal_tool
