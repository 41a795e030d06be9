// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/spec_dir.hpp"

#include <cstdlib>
#include <system_error>

namespace fixgate {

std::optional<std::filesystem::path> spec_dir_beside(const std::filesystem::path& program) {
  // <prefix>/bin/x is one level below its prefix; <build>/tools/journal/x two, <build>/tests/unit/x three.
  constexpr int max_levels = 3;
  std::filesystem::path dir = program.parent_path();
  for (int level = 0; level < max_levels && dir.has_relative_path(); ++level) {
    dir = dir.parent_path();
    const auto candidate = dir / "share" / "fixgate" / "spec";
    std::error_code error;
    if (std::filesystem::is_directory(candidate, error)) return candidate;
  }
  return std::nullopt;
}

std::filesystem::path spec_dir() {
  if (const char* env = std::getenv("FIXGATE_SPEC_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    if (auto found = spec_dir_beside(program)) return *found;
  }
  return "spec";
}

}  // namespace fixgate
