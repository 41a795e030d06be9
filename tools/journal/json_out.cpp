// SPDX-License-Identifier: Apache-2.0
#include "json_out.hpp"

#include <cstdio>

namespace fixgate::journal_tool {

Json error_json(const journal::Error& error) {
  Json e;
  e["kind"] = std::string(journal::name(error.kind));
  e["segment"] = error.segment;
  e["offset"] = error.offset;
  e["seq"] = error.seq;
  e["last_good_seq"] = error.last_good_seq;
  e["text"] = error.text;
  return e;
}

void print_json(const Json& document) {
  const std::string text = document.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace fixgate::journal_tool
