// SPDX-License-Identifier: Apache-2.0
#pragma once
// Break texts without <format> (g++ 12 lacks it): concatenation of string-like pieces.

#include <string>
#include <string_view>

namespace fixgate::order::detail {

/// Concatenates its arguments, each convertible to std::string_view.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ... + 0));
  (out.append(std::string_view(parts)), ...);
  return out;
}

}  // namespace fixgate::order::detail
