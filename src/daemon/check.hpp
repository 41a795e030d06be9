// SPDX-License-Identifier: Apache-2.0
#pragma once
// `fixgate --check`: beyond the file's own validation, what the daemon will read, write and
// expose, checked without binding a socket or opening the journal.

#include <string>
#include <vector>

#include "fixgate/config/config.hpp"

namespace fixgate::daemon {

/// What --check found: problems make it exit 2; notes are printed either way.
struct CheckReport {
  std::vector<std::string> problems;
  std::vector<std::string> notes;
};

/// Data dictionaries load, the journal directory and the log file can be written, every Unix
/// socket's directory exists, TLS files and the JWKS load; listeners beyond loopback are named.
CheckReport check_deployment(const config::Config& config);

}  // namespace fixgate::daemon
