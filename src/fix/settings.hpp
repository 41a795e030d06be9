// SPDX-License-Identifier: Apache-2.0
#pragma once
// QuickFIX session settings built in code from our YAML config: users never write a .cfg file.

#include "fixgate/config/config.hpp"
#include "fixgate/fix/quickfix.hpp"

namespace fixgate::fix {

/// BeginString/SenderCompID/TargetCompID of a configured session.
FIX::SessionID session_id(const config::Session& session);

/// The QuickFIX settings for one initiator session.
FIX::SessionSettings build_settings(const config::Session& session);

/// The dictionary path a session validates with (configured, else spec/FIX44.xml or FIX42.xml).
std::string dictionary_path(const config::Session& session);

}  // namespace fixgate::fix
