// SPDX-License-Identifier: Apache-2.0
// Checksums and names of the on-disk format.

#include <catch2/catch.hpp>

#include <random>

#include "crc32c.hpp"
#include "format.hpp"
#include "test_util.hpp"

using namespace journal_test;
namespace detail = fixgate::journal::detail;

TEST_CASE("CRC32C matches the standard check value on both paths") {
  const std::string check = "123456789";
  CHECK(detail::crc32c(check.data(), check.size()) == 0xE3069283u);
  CHECK(detail::crc32c_portable(check.data(), check.size()) == 0xE3069283u);
  CHECK(detail::crc32c(nullptr, 0) == 0u);
}

TEST_CASE("hardware and table CRC32C agree on every length and alignment, and chain") {
  std::mt19937_64 rng(7);
  std::string data(4096, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t off = 0; off < 9; ++off) {
    for (std::size_t len = 0; len < 300; len += 7) {
      REQUIRE(detail::crc32c(data.data() + off, len) == detail::crc32c_portable(data.data() + off, len));
    }
  }
  const auto whole = detail::crc32c(data.data(), data.size());
  const auto part = detail::crc32c(data.data(), 1000);
  CHECK(detail::crc32c(data.data() + 1000, data.size() - 1000, part) == whole);
}

TEST_CASE("segment files are named by their first seq") {
  CHECK(detail::segment_name(1) == "00000000000000000001.fgj");
  CHECK(detail::parse_segment_name("00000000000000000042.fgj") == 42u);
  CHECK_FALSE(detail::parse_segment_name("LOCK"));
  CHECK_FALSE(detail::parse_segment_name("0000000000000000004x.fgj"));
  CHECK_FALSE(detail::parse_segment_name("00000000000000000042.fgj.tmp"));
}

TEST_CASE("the genesis hash is SHA-256 of its documented text") {
  CHECK(to_hex(genesis_hash()).size() == 64);
  // sha256("fixgate journal v1"), as printed in spec/journal-format.md.
  CHECK(to_hex(genesis_hash()) == "c689a4069f96320986773aa47e7dfd90cd86b50f0cf3dba2efce9edf5c018501");
}
