// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the upstream JSON scanner, checked against nlohmann-json on the same line. The
// scanner claims RFC 8259's grammar exactly, so on well-formed UTF-8 within its nesting limit the
// two must agree on what is JSON, and on the values of the fields it fills.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "fixgate/gateway/codec.hpp"
#include "json_scanner.hpp"

namespace {

using fixgate::gateway::detail::Kind;

constexpr std::array<std::string_view, 6> names{"op", "id", "qty", "n", "s", "o"};

int nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  for (char c : text) {
    if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::array<fixgate::gateway::detail::ScannedField, names.size()> fields;
  const auto out = fixgate::gateway::detail::scan_flat_object(line, names, fields);
  check(out.syntax_ok || out.error_offset <= size);
  // Outside the comparison: bytes that are not UTF-8 (the connection refuses those lines before
  // the scanner sees them), nesting past the scanner's limit (refused on purpose), and NUL, which
  // nlohmann's lexer takes for the end of the input (the scanner rightly refuses it).
  if (!fixgate::gateway::is_valid_utf8(line) || nesting(line) > 60 || line.find('\0') != std::string_view::npos) {
    return 0;
  }
  nlohmann::json doc;
  bool accepted = true;
  try {
    doc = nlohmann::json::parse(line);
  } catch (const nlohmann::json::out_of_range&) {
    return 0;  // a number past a double's range: nlohmann's limit, not the grammar's
  } catch (const nlohmann::json::parse_error&) {
    accepted = false;
  }
  check(out.syntax_ok == accepted);
  if (!accepted || out.not_object || !out.duplicate_name.empty()) return 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& f = fields[i];
    const auto it = doc.find(std::string(names[i]));
    check((f.kind == Kind::absent) == (it == doc.end()));
    if (it == doc.end()) continue;
    if (f.kind == Kind::string) check(it->is_string() && it->get<std::string>() == f.text);
    if (f.kind == Kind::null) check(it->is_null());
    if (f.kind == Kind::boolean) check(it->is_boolean() && it->get<bool>() == (f.number == 1));
    if (f.kind == Kind::object) check(it->is_object());
    if (f.kind == Kind::array) check(it->is_array());
    if (f.kind == Kind::integer && !f.negative) {  // "-0" is a non-negative zero to both
      check(it->is_number_integer() && (it->is_number_unsigned() ? it->get<std::uint64_t>() == f.number
                                                                 : it->get<std::int64_t>() == 0 && f.number == 0));
    }
  }
  return 0;
}
