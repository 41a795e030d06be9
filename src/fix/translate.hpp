// SPDX-License-Identifier: Apache-2.0
#pragma once
// Domain messages ⇄ QuickFIX messages. Prices and quantities are written and read as decimal
// text (setField(tag, string)), never through QuickFIX's double-typed field classes.

#include <expected>
#include <string>
#include <string_view>

#include "fixgate/config/config.hpp"
#include "fixgate/fix/messages.hpp"
#include "fixgate/fix/quickfix.hpp"

namespace fixgate::fix {

/// Builds the QuickFIX message for an outbound command in the session's FIX version.
FIX::Message to_fix(const Outbound& command, config::FixVersion version);

/// Reads an application message we understand; anything else (or a garbled field) comes back as
/// Unreadable naming the tag.
Inbound from_fix(const FIX::Message& message, config::FixVersion version);

/// Fills the reject's sent_msg_type / sent_cl_ord_id from `sent`, the raw message fixgate sent
/// under the reject's RefSeqNum (empty: not kept, nothing filled).
void refer_to_sent(MessageReject& reject, std::string_view sent);

/// FIX UTCTimestamp text with milliseconds ("20261126-12:00:00.123").
std::string utc_timestamp(Timestamp t);

}  // namespace fixgate::fix
