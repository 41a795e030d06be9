// SPDX-License-Identifier: Apache-2.0
#pragma once
// Process-wide logging set-up: readable text on a terminal, or one JSON object per line for
// container log drivers.

#include <expected>
#include <string>
#include <string_view>

#include "fixgate/config/config.hpp"

namespace fixgate::ops {

/// Installs the default logger per config (level, text/json, stderr or file). Times are UTC with
/// a Z in both formats. Throws std::runtime_error when the log file cannot be opened.
void setup_logging(const config::Logging& logging);

/// Opens the log file again by its name (after logrotate moved it; the daemon does it on
/// SIGUSR1). false when logging goes to standard error; an error naming the file when it cannot
/// be opened, and then the old file is kept.
std::expected<bool, std::string> reopen_log_file();

/// JSON-escapes `text` into `out` (quotes, backslashes, control characters).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace fixgate::ops
