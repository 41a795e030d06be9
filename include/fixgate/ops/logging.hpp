#pragma once
// Process-wide logging set-up: readable text on a terminal, or one JSON object per line for
// container log drivers.

#include "fixgate/config/config.hpp"

namespace fixgate::ops {

/// Installs the default logger per config (level, text/json, stderr or file). Throws
/// std::runtime_error when the log file cannot be opened.
void setup_logging(const config::Logging& logging);

/// JSON-escapes `text` into `out` (quotes, backslashes, control characters).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace fixgate::ops
