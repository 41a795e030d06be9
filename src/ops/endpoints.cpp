// SPDX-License-Identifier: Apache-2.0
#include "fixgate/ops/endpoints.hpp"

namespace fixgate::ops {

void install_ops_endpoints(HttpServer& server, const Registry& registry, std::function<ReadinessInput()> snapshot) {
  server.handle("/metrics", [&registry] {
    return HttpResponse{200, std::string(prometheus_content_type), registry.render()};
  });
  server.handle("/healthz", [] { return liveness(); });
  server.handle("/readyz", [snapshot = std::move(snapshot)] { return readiness(snapshot()); });
}

}  // namespace fixgate::ops
