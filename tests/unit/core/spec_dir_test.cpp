// SPDX-License-Identifier: Apache-2.0
// Where programs find the dictionaries: the variable, then share/fixgate/spec above the program
// (install and build tree alike), then ./spec. Real folders under a temporary directory.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fixgate/core/spec_dir.hpp"

namespace fs = std::filesystem;
using fixgate::spec_dir;
using fixgate::spec_dir_beside;

namespace {

struct TempTree {
  fs::path root = fs::temp_directory_path() / ("fixgate-spec-dir-" + std::to_string(::getpid()));
  TempTree() { fs::create_directories(root); }
  ~TempTree() { fs::remove_all(root); }
  fs::path make(const std::string& relative) {
    fs::create_directories(root / relative);
    return root / relative;
  }
};

/// Sets or unsets FIXGATE_SPEC_DIR for one test, restoring it afterwards.
struct SpecDirVariable {
  std::string saved;
  bool had = false;
  explicit SpecDirVariable(const char* value) {
    if (const char* old = std::getenv("FIXGATE_SPEC_DIR")) {
      had = true;
      saved = old;
    }
    if (value != nullptr) {
      ::setenv("FIXGATE_SPEC_DIR", value, 1);
    } else {
      ::unsetenv("FIXGATE_SPEC_DIR");
    }
  }
  ~SpecDirVariable() {
    if (had) {
      ::setenv("FIXGATE_SPEC_DIR", saved.c_str(), 1);
    } else {
      ::unsetenv("FIXGATE_SPEC_DIR");
    }
  }
};

}  // namespace

TEST_CASE("an installed program finds <prefix>/share/fixgate/spec") {
  TempTree tree;
  const auto spec = tree.make("prefix/share/fixgate/spec");
  tree.make("prefix/bin");
  CHECK(spec_dir_beside(tree.root / "prefix/bin/fixgate") == spec);
}

TEST_CASE("a program two or three folders below the build tree finds the build tree's link") {
  TempTree tree;
  const auto spec = tree.make("build/share/fixgate/spec");
  CHECK(spec_dir_beside(tree.root / "build/tools/journal/fixgate-journal") == spec);
  CHECK(spec_dir_beside(tree.root / "build/tests/unit/core/core_tests") == spec);
}

TEST_CASE("nothing is found past three folders up, or where there is no spec folder") {
  TempTree tree;
  const auto far = tree.make("far/share/fixgate/spec");
  CHECK(spec_dir_beside(tree.root / "far/a/b/c/program") == far);  // three up: still found
  CHECK_FALSE(spec_dir_beside(tree.root / "far/a/b/c/d/program").has_value());
  CHECK_FALSE(spec_dir_beside(tree.root / "nothing/bin/program").has_value());
  // A file where the folder should be does not count.
  tree.make("file/share/fixgate");
  std::ofstream(tree.root / "file/share/fixgate/spec") << "not a folder";
  CHECK_FALSE(spec_dir_beside(tree.root / "file/bin/program").has_value());
}

TEST_CASE("FIXGATE_SPEC_DIR comes first, as given") {
  SpecDirVariable variable("/nowhere/spec");
  CHECK(spec_dir() == fs::path("/nowhere/spec"));
}

TEST_CASE("without the variable, this test program finds the source tree's spec through the build tree") {
  SpecDirVariable variable(nullptr);
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  const auto found = spec_dir();
  CHECK(found.filename() == "spec");
  CHECK(fs::equivalent(found, fs::path(source) / "spec"));
}

TEST_CASE("an empty FIXGATE_SPEC_DIR counts as unset") {
  SpecDirVariable variable("");
  CHECK(spec_dir() != fs::path(""));
  CHECK(fs::exists(spec_dir() / "FIX44.xml"));
}
