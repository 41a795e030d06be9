// SPDX-License-Identifier: Apache-2.0
// The journal tool's "orders as of": the engine's recovery pass, stopped at a moment, on an
// engine that has no journal to write and no outputs.

#include "fixgate/engine/replay.hpp"

#include <map>

#include "fixgate/engine/engine.hpp"
#include "fixgate/fix/session_manager.hpp"

namespace fixgate::engine {

std::expected<ReplayResult, std::string> replay_orders(const config::Config& config,
                                                       const std::filesystem::path& journal_dir,
                                                       std::optional<std::int64_t> until_ns) {
  std::map<std::string, config::FixVersion> versions;
  for (const auto& s : config.sessions) versions[s.name] = s.version;
  Engine engine(config, journal_dir, [&](const std::string& session, const std::string& raw) {
    auto it = versions.find(session);
    return fix::decode(session, it == versions.end() ? config::FixVersion::fix44 : it->second, raw);
  });
  ReplayResult result;
  try {
    result.records = engine.recover({}, until_ns);
  } catch (const std::exception& e) {
    return std::unexpected(std::string(e.what()));
  }
  for (const auto& order : engine.book().orders()) {
    result.orders.push_back({order.client, order.session, order.order_id, engine.snapshot(order)});
  }
  return result;
}

}  // namespace fixgate::engine
