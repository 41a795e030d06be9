// SPDX-License-Identifier: Apache-2.0
#include "fixgate/fix/dictionary_check.hpp"

#include "fixgate/fix/quickfix.hpp"
#include "settings.hpp"

namespace fixgate::fix {

std::expected<void, std::string> check_dictionary(const config::Session& session) {
  const std::string path = dictionary_path(session);
  try {
    FIX::DataDictionary dictionary(path);
  } catch (const std::exception& e) {
    return std::unexpected("session " + session.name + ": data dictionary " + path + ": " + e.what());
  }
  return {};
}

}  // namespace fixgate::fix
