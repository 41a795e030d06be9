// SPDX-License-Identifier: Apache-2.0
#pragma once
// The on-disk layout (spec/journal-format.md): segment header and record frame, little-endian.
//
// Segment header, 64 bytes:
//   0 magic "FIXGJRNL" | 8 u32 version | 12 u32 header size | 16 u64 first seq
//   24 previous hash (32) | 56 u32 reserved | 60 u32 CRC32C of bytes [0, 60)
// Record frame, 8 + body + 32 bytes:
//   0 u32 body length | 4 u32 CRC32C of body and hash
//   body: 8 u64 seq | 16 i64 timestamp ns | 24 u16 kind | 26 u16 flags | 28 u32 stream length
//         32 stream | u32 payload length | payload
//   then the 32-byte chain hash = SHA-256(previous hash || body)

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "fixgate/journal/record.hpp"

namespace fixgate::journal::detail {

static_assert(std::endian::native == std::endian::little,
              "the journal format is little-endian and this code stores native integers");

inline constexpr char segment_magic[8] = {'F', 'I', 'X', 'G', 'J', 'R', 'N', 'L'};
inline constexpr std::uint32_t format_version = 1;
inline constexpr std::size_t header_size = 64;
inline constexpr std::size_t frame_prefix = 8;    // body length + CRC
inline constexpr std::size_t body_fixed = 28;     // body bytes besides stream and payload
inline constexpr std::size_t hash_size = 32;
inline constexpr std::size_t frame_overhead = frame_prefix + body_fixed + hash_size;
inline constexpr std::uint32_t max_body = 256u << 20;  // larger lengths are corruption
inline constexpr const char* segment_extension = ".fgj";

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
void store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

/// Decoded segment header.
struct SegmentHeader {
  std::uint64_t first_seq = 0;
  Hash prev_hash{};
};

/// Writes a 64-byte header into `out`.
void encode_header(char* out, const SegmentHeader& header);
/// Parses a header; a sentence saying what is wrong on failure.
std::optional<std::string> decode_header(const char* data, std::size_t size, SegmentHeader& out);

/// Outcome of decoding one frame.
enum class FrameStatus { ok, end, short_frame, bad_length, crc_mismatch };

/// Decodes the frame at data[0, avail); fills `out` and `frame_size` when ok.
FrameStatus decode_frame(const char* data, std::size_t avail, RecordView& out,
                         std::size_t& frame_size);

/// True when some offset in data[from, size) holds a frame with a good CRC and a seq after
/// `after_seq`: the bad bytes before it are then not a torn tail but damage in the middle.
bool valid_frame_after(const char* data, std::size_t size, std::size_t from,
                       std::uint64_t after_seq);

/// Body bytes of a record with this stream and payload (seq through payload, no frame, no hash).
inline std::size_t body_size(std::size_t stream_size, std::size_t payload_size) {
  return body_fixed + stream_size + payload_size;
}

/// Writes a record body (seq | timestamp | kind | flags | stream length | stream | payload length
/// | payload) at `out`, which must hold body_size(stream, payload) bytes. Both backends chain the
/// same bytes, so a record's chain value does not depend on where it was stored.
void encode_body(char* out, std::uint64_t seq, std::int64_t timestamp_ns, std::uint16_t kind,
                 std::uint16_t flags, std::string_view stream, std::string_view payload);

/// Redacts FIX secrets in place in the payload of the encoded body at `body` (fix_in / fix_out
/// only) and sets flag_redacted when anything changed; returns true then.
bool redact_body(char* body, std::size_t body_len);

/// "00000000000000000001.fgj".
std::string segment_name(std::uint64_t first_seq);
/// Seq from a segment file name; nullopt for any other name.
std::optional<std::uint64_t> parse_segment_name(const std::string& filename);

}  // namespace fixgate::journal::detail
