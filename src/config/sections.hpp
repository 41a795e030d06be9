// SPDX-License-Identifier: Apache-2.0
#pragma once
// One reader per top-level section of the file; private to the config component.

#include "fixgate/config/config.hpp"
#include "reader.hpp"

namespace fixgate::config::detail {

/// `upstream:` listeners, limits and clients, with each client's token resolved (left empty with
/// Secrets::skip).
Upstream read_upstream(const Value& value, Secrets secrets);

/// `sessions:` the FIX sessions; names, comp ids and sessions are checked for repeats; each
/// password resolved (left empty with Secrets::skip).
std::vector<Session> read_sessions(const Value& value, Secrets secrets);

/// `routes:` each naming only sessions in `sessions`.
std::vector<Route> read_routes(const Value& value, const std::vector<Session>& sessions);

/// `risk:` limits, tick tables, throttles, duplicate guard and automatic kill switch.
Risk read_risk(const Value& value);

}  // namespace fixgate::config::detail
