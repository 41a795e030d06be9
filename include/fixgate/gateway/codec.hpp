// SPDX-License-Identifier: Apache-2.0
#pragma once
// The upstream wire format: one JSON object per line, each way. Pure functions, no I/O, so the
// server, the client CLI, tests and benchmarks share one implementation. See
// spec/upstream-protocol.md for the format and the rules on which error wins.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/gateway/protocol.hpp"

namespace fixgate::gateway {

/// Stable error codes carried by Error::code; clients match on these, so only ever add.
namespace errc {
inline constexpr std::string_view invalid_json = "invalid_json";
inline constexpr std::string_view not_an_object = "not_an_object";
inline constexpr std::string_view missing_field = "missing_field";
inline constexpr std::string_view unknown_field = "unknown_field";
inline constexpr std::string_view duplicate_field = "duplicate_field";
inline constexpr std::string_view wrong_type = "wrong_type";
inline constexpr std::string_view invalid_value = "invalid_value";
inline constexpr std::string_view unknown_op = "unknown_op";
inline constexpr std::string_view invalid_utf8 = "invalid_utf8";
inline constexpr std::string_view line_too_long = "line_too_long";
inline constexpr std::string_view not_authenticated = "not_authenticated";
inline constexpr std::string_view auth_failed = "auth_failed";
inline constexpr std::string_view already_authenticated = "already_authenticated";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view slow_consumer = "slow_consumer";
inline constexpr std::string_view too_many_connections = "too_many_connections";
inline constexpr std::string_view login_timeout = "login_timeout";
inline constexpr std::string_view shutting_down = "shutting_down";
inline constexpr std::string_view auth_backoff = "auth_backoff";
inline constexpr std::string_view line_timeout = "line_timeout";
inline constexpr std::string_view idle_timeout = "idle_timeout";
}  // namespace errc

/// Longest identifier (client_order_id, account, symbol, id, ...) accepted, in bytes.
inline constexpr std::size_t max_identifier_bytes = 64;
/// Longest token in hello (a static secret or a bearer token).
inline constexpr std::size_t max_token_bytes = 8192;
/// Longest free-text field (a kill switch's reason).
inline constexpr std::size_t max_sentence_bytes = 256;

/// Decodes one request line (without its newline; a trailing '\r' is tolerated) into an Inbound
/// with connection 0 and no client. `request_id` receives the "id" whenever it was readable, even
/// when decoding fails, so the error answer can echo it.
std::expected<Inbound, Error> decode_request(std::string_view line, std::string& request_id);

/// Same, for callers that do not need the id of a failed line.
std::expected<Inbound, Error> decode_request(std::string_view line);

/// Appends `out` as one JSON line, newline included, to `buffer` (events only; the routing
/// fields connection and client are not part of the line).
void encode_event(const Outbound& out, std::string& buffer);

/// Same, as a new string.
std::string encode_event(const Outbound& out);

/// Encodes a request as one JSON line, newline included (the client side of the protocol).
std::string encode_request(const Request& request, std::string_view request_id = {});

/// Decodes one event line (the client side); connection and client stay empty.
std::expected<Outbound, Error> decode_event(std::string_view line);

/// True for errors after which the server closes the connection because the byte stream is
/// unusable (a line past the length limit); a bad line that ends is answered and skipped.
bool is_framing_error(std::string_view code);

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// "2026-12-07T06:00:00Z", with up to nine decimals of a second when it has them.
std::string format_utc_timestamp(Timestamp at);

/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC only, 1-9 decimals); nullopt when malformed,
/// out of range or before 1970.
std::optional<Timestamp> parse_utc_timestamp(std::string_view text);

/// The wire name of an event alternative ("accepted", "execution", ...).
std::string_view event_name(const Event& event);

/// The wire name of a request alternative ("hello", "new", ...).
std::string_view op_name(const Request& request);

}  // namespace fixgate::gateway
