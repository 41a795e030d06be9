// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the journal's segment header and frame reader, as recovery walks a segment. The
// first byte picks the mode: raw bytes as a segment, or a record body wrapped in a frame with a
// correct CRC, so the body's own length fields are reached past the checksum.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crc32c.hpp"
#include "format.hpp"

namespace {

namespace detail = fixgate::journal::detail;

void check(bool ok) {
  if (!ok) std::abort();
}

/// Walks frames from `pos` as the reader does; returns the last good seq.
std::uint64_t walk(const char* data, std::size_t size, std::size_t pos) {
  std::uint64_t last = 0;
  while (pos < size) {
    fixgate::journal::RecordView view;
    std::size_t frame_size = 0;
    const auto status = detail::decode_frame(data + pos, size - pos, view, frame_size);
    if (status != detail::FrameStatus::ok) {
      (void)detail::valid_frame_after(data, size, pos, last);
      break;
    }
    check(frame_size > 0 && frame_size <= size - pos);
    // The views must lie inside the frame.
    const char* begin = data + pos;
    const char* end = begin + frame_size;
    check(view.stream.empty() || (view.stream.data() >= begin && view.stream.data() + view.stream.size() <= end));
    check(view.payload.empty() || (view.payload.data() >= begin && view.payload.data() + view.payload.size() <= end));
    last = view.seq;
    pos += frame_size;
  }
  return last;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const char* data = reinterpret_cast<const char*>(bytes) + 1;
  const std::size_t n = size - 1;
  if (bytes[0] % 2 == 0) {
    detail::SegmentHeader header;
    const bool header_ok = !detail::decode_header(data, n, header).has_value();
    walk(data, n, header_ok ? detail::header_size : 0);
    return 0;
  }
  // A body in a frame whose length and CRC are right: length | crc | body | hash.
  std::string frame(detail::frame_prefix + n + detail::hash_size, '\0');
  detail::store<std::uint32_t>(frame.data(), static_cast<std::uint32_t>(n));
  std::memcpy(frame.data() + detail::frame_prefix, data, n);
  detail::store<std::uint32_t>(frame.data() + 4,
                               detail::crc32c(frame.data() + detail::frame_prefix, n + detail::hash_size));
  walk(frame.data(), frame.size(), 0);
  return 0;
}
