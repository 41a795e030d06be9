// SPDX-License-Identifier: Apache-2.0
#pragma once
// Human-readable one-line rendering of upstream events for fixgate-client.

#include <string>

#include "fixgate/gateway/protocol.hpp"

namespace fixgate::client {

/// One line per event ("c1  execution  filled  cum 100 @ 2500.5"); a list renders one line per
/// order. No trailing newline.
std::string describe(const gateway::Outbound& out);

/// The client_order_id an event is about, or empty.
std::string order_id_of(const gateway::Event& event);

}  // namespace fixgate::client
