// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading single fields out of raw FIX bytes (SOH-separated tag=value) without a FIX engine:
// what the journal replay, the store adapter and the journal tool need to classify messages.

#include <optional>
#include <string_view>

namespace fixgate {

/// The value of the first occurrence of `tag`, or nullopt. Does not understand length-prefixed
/// data fields; fine for header and order fields.
std::optional<std::string_view> fix_field(std::string_view raw, int tag);

/// MsgType (35), or empty.
std::string_view msg_type_of(std::string_view raw);

/// MsgSeqNum (34), or 0 when absent or not a number.
unsigned long long msg_seq_num_of(std::string_view raw);

/// True for the session-level (admin) message types: Heartbeat, TestRequest, ResendRequest,
/// Reject, SequenceReset, Logout, Logon.
bool is_session_level(std::string_view msg_type);

}  // namespace fixgate
