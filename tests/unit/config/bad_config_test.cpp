// SPDX-License-Identifier: Apache-2.0
// Table test over tests/data/config/bad/: each file's first line says exactly which error it must
// produce, "# expect: LINE:COL: KEY: FRAGMENT" (KEY "-" for none, 0:0 for no position).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "fixgate/config/config.hpp"

namespace fs = std::filesystem;
using fixgate::config::load_file;

namespace {

struct Expectation {
  int line = 0;
  int column = 0;
  std::string key;
  std::string fragment;
};

Expectation read_expectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  static const std::regex pattern(R"(^# expect: (\d+):(\d+): (\S+): (.+)$)");
  std::smatch match;
  REQUIRE(std::regex_match(first, match, pattern));
  return {std::stoi(match[1]), std::stoi(match[2]), match[3] == "-" ? "" : std::string(match[3]),
          match[4]};
}

fs::path corpus_dir() {
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  return fs::path(source) / "tests/data/config/bad";
}

// Distinctive values so a leak into any message is easy to spot.
constexpr const char* token_a = "tok-A-9f3e1c";
constexpr const char* token_b = "tok-B-7d2a0b";

void set_corpus_environment() {
  ::setenv("FIXGATE_TEST_TOKEN_A", token_a, 1);
  ::setenv("FIXGATE_TEST_TOKEN_B", token_b, 1);
  ::setenv("FIXGATE_TEST_EMPTY", "", 1);
  ::unsetenv("FIXGATE_TEST_UNSET");
}

}  // namespace

TEST_CASE("every bad config fails at the expected line, column and key") {
  set_corpus_environment();
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::ranges::sort(files);
  REQUIRE(files.size() >= 20);

  for (const auto& file : files) {
    INFO("corpus file: " << file.filename().string());
    const Expectation expected = read_expectation(file);
    const auto result = load_file(file.string());
    REQUIRE_FALSE(result.has_value());
    const auto& error = result.error();
    INFO("got: " << error.to_string());
    CHECK(error.file == file.string());
    CHECK(error.line == expected.line);
    CHECK(error.column == expected.column);
    CHECK(error.key == expected.key);
    CHECK(error.message.find(expected.fragment) != std::string::npos);
    CHECK(error.to_string().find(token_a) == std::string::npos);
    CHECK(error.to_string().find(token_b) == std::string::npos);
  }
}

TEST_CASE("the corpus expectations are written the way to_string prints them") {
  set_corpus_environment();
  const auto file = corpus_dir() / "session_connect_port_range.yaml";
  const auto result = load_file(file.string());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().to_string() ==
        file.string() + ":6:14: sessions[0].connect: port 99999 is out of range 0..65535");
}
