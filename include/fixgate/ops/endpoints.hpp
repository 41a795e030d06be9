// SPDX-License-Identifier: Apache-2.0
#pragma once
// The three standard ops endpoints on an HttpServer, so the daemon wires them in one call.

#include <functional>

#include "fixgate/ops/health.hpp"
#include "fixgate/ops/http_server.hpp"
#include "fixgate/ops/metrics.hpp"

namespace fixgate::ops {

/// Registers GET /metrics (registry.render(), Prometheus 0.0.4 content type), /healthz
/// (liveness()) and /readyz (readiness(snapshot())). `registry` must outlive the server;
/// `snapshot` runs on the ops io thread and must return quickly (read published state, do not
/// wait on the engine). Call before server.start().
void install_ops_endpoints(HttpServer& server, const Registry& registry, std::function<ReadinessInput()> snapshot);

}  // namespace fixgate::ops
