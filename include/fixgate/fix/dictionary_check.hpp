// SPDX-License-Identifier: Apache-2.0
#pragma once
// Start-up checks of what the FIX sessions will read, for the daemon's --check.

#include <expected>
#include <string>

#include "fixgate/config/config.hpp"

namespace fixgate::fix {

/// Loads the session's data dictionary with QuickFIX; the error names the file and the fault.
std::expected<void, std::string> check_dictionary(const config::Session& session);

}  // namespace fixgate::fix
