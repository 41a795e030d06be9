// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the upstream request decoder. Any line gets a request or a precise error, never a
// crash; an accepted UTF-8 line's request re-encodes to a line that decodes to the same request.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "fixgate/gateway/codec.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string id;
  auto decoded = fixgate::gateway::decode_request(line, id);
  if (!decoded) {
    const auto& e = decoded.error();
    check(!e.code.empty());
    if (e.offset) check(*e.offset <= size);
    return 0;
  }
  // The server decodes only lines that passed its UTF-8 check; the encoder writes other bytes as
  // U+FFFD, so the round trip is exact for those lines alone.
  if (!fixgate::gateway::is_valid_utf8(line)) return 0;
  const std::string once = fixgate::gateway::encode_request(decoded->request, id);
  std::string id_again;
  auto again = fixgate::gateway::decode_request(std::string_view(once).substr(0, once.size() - 1), id_again);
  check(again.has_value());
  check(id_again == id);
  check(fixgate::gateway::encode_request(again->request, id_again) == once);
  return 0;
}
