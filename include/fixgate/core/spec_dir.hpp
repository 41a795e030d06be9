// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where the FIX data dictionaries and the schemas (the spec/ folder) are, found at run time so that
// no build-machine path is compiled into a program: an installed program and one in the build tree
// find theirs the same way, and a copied install tree keeps working.

#include <filesystem>
#include <optional>

namespace fixgate {

/// The spec directory, first of:
///  1. $FIXGATE_SPEC_DIR when set and non-empty (returned as given, even if missing, so that the
///     error that follows names it);
///  2. <prefix>/share/fixgate/spec next to the running program: the install layout
///     (<prefix>/bin/fixgate) and the build tree (CMake links <build>/share/fixgate/spec to the
///     source tree's spec/, and programs sit one to three folders below <build>);
///  3. "spec", relative to the working directory (a repository checkout).
std::filesystem::path spec_dir();

/// Step 2 alone, from a given program path: the first of PROGRAM's parent's parent, and up to two
/// further ancestors, holding share/fixgate/spec as a directory.
std::optional<std::filesystem::path> spec_dir_beside(const std::filesystem::path& program);

}  // namespace fixgate
