// SPDX-License-Identifier: Apache-2.0
#pragma once
// The order book as of a moment, rebuilt by replaying a journal through the engine's own code
// (the journal tool's `orders`). Reads the journal only: nothing is written, sent or answered.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/gateway/protocol.hpp"

namespace fixgate::engine {

/// One order as the replay left it.
struct ReplayedOrder {
  std::string client;              ///< the upstream client that owns it
  std::string session;             ///< the FIX session it was routed to
  std::string order_id;            ///< the broker's OrderID (37); empty until the broker gave one
  gateway::OrderSnapshot snapshot; ///< the same view a client gets from `status`
};

struct ReplayResult {
  std::uint64_t records = 0;           ///< journal records replayed
  std::vector<ReplayedOrder> orders;   ///< every order known at that point, live or not
};

/// Replays `journal_dir` with `config` (its sessions, clients, routes and limits) up to and
/// including the last record stamped at or before `until_ns` (all records when unset).
/// Fails with a message naming the record when the journal cannot be read.
std::expected<ReplayResult, std::string> replay_orders(const config::Config& config,
                                                       const std::filesystem::path& journal_dir,
                                                       std::optional<std::int64_t> until_ns);

}  // namespace fixgate::engine
