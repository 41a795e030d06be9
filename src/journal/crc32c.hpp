// SPDX-License-Identifier: Apache-2.0
#pragma once
// CRC32C (Castagnoli), the checksum every record and segment header carries.

#include <cstddef>
#include <cstdint>

namespace fixgate::journal::detail {

/// CRC32C of `size` bytes; pass a previous result as `crc` to continue over more bytes.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

/// The portable table path, exposed so tests can check both paths agree.
std::uint32_t crc32c_portable(const void* data, std::size_t size, std::uint32_t crc = 0);

/// True when crc32c() uses the SSE4.2 instruction on this machine.
bool crc32c_uses_hardware();

}  // namespace fixgate::journal::detail
