// SPDX-License-Identifier: Apache-2.0
#include "format.hpp"

#include <cstdio>

#include "crc32c.hpp"
#include "fixgate/journal/redact.hpp"

namespace fixgate::journal::detail {

void encode_header(char* out, const SegmentHeader& header) {
  std::memset(out, 0, header_size);
  std::memcpy(out, segment_magic, sizeof segment_magic);
  store<std::uint32_t>(out + 8, format_version);
  store<std::uint32_t>(out + 12, static_cast<std::uint32_t>(header_size));
  store<std::uint64_t>(out + 16, header.first_seq);
  std::memcpy(out + 24, header.prev_hash.data(), hash_size);
  store<std::uint32_t>(out + 60, crc32c(out, 60));
}

std::optional<std::string> decode_header(const char* data, std::size_t size, SegmentHeader& out) {
  if (size < header_size) {
    return "segment is " + std::to_string(size) + " bytes, shorter than its 64-byte header";
  }
  if (std::memcmp(data, segment_magic, sizeof segment_magic) != 0) return "bad magic";
  if (load<std::uint32_t>(data + 60) != crc32c(data, 60)) return "header CRC mismatch";
  const auto version = load<std::uint32_t>(data + 8);
  if (version != format_version) return "unsupported format version " + std::to_string(version);
  if (load<std::uint32_t>(data + 12) != header_size) return "unexpected header size";
  out.first_seq = load<std::uint64_t>(data + 16);
  std::memcpy(out.prev_hash.data(), data + 24, hash_size);
  if (out.first_seq == 0) return "first seq is 0";
  return std::nullopt;
}

FrameStatus decode_frame(const char* data, std::size_t avail, RecordView& out,
                         std::size_t& frame_size) {
  if (avail == 0) return FrameStatus::end;
  if (avail < frame_prefix) return FrameStatus::short_frame;
  const auto body_len = load<std::uint32_t>(data);
  if (body_len < body_fixed || body_len > max_body) return FrameStatus::bad_length;
  const std::size_t size = frame_prefix + body_len + hash_size;
  if (size > avail) {
    // Zeros past the end of what was written read as length 0 above; a plausible length that runs
    // past the end of the file is what a torn write looks like.
    return FrameStatus::short_frame;
  }
  const char* body = data + frame_prefix;
  if (load<std::uint32_t>(data + 4) != crc32c(body, body_len + hash_size)) {
    return FrameStatus::crc_mismatch;
  }
  const auto stream_len = load<std::uint32_t>(body + 20);
  if (stream_len > body_len - body_fixed) return FrameStatus::bad_length;
  const auto payload_len = load<std::uint32_t>(body + 24 + stream_len);
  if (payload_len != body_len - body_fixed - stream_len) return FrameStatus::bad_length;
  out.seq = load<std::uint64_t>(body);
  out.timestamp_ns = load<std::int64_t>(body + 8);
  out.kind = static_cast<RecordKind>(load<std::uint16_t>(body + 16));
  out.flags = load<std::uint16_t>(body + 18);
  out.stream = std::string_view(body + 24, stream_len);
  out.payload = std::string_view(body + 28 + stream_len, payload_len);
  out.hash = reinterpret_cast<const Hash*>(body + body_len);
  frame_size = size;
  return FrameStatus::ok;
}

bool valid_frame_after(const char* data, std::size_t size, std::size_t from,
                       std::uint64_t after_seq) {
  for (std::size_t at = from + 1; at + frame_overhead <= size; ++at) {
    // Cheap filters first (length, then a seq in range) so only real candidates pay for a CRC.
    const auto body_len = load<std::uint32_t>(data + at);
    if (body_len < body_fixed || body_len > max_body) continue;
    if (at + frame_prefix + body_len + hash_size > size) continue;
    const auto seq = load<std::uint64_t>(data + at + frame_prefix);
    if (seq <= after_seq || seq - after_seq > size) continue;
    RecordView view;
    std::size_t frame_size = 0;
    if (decode_frame(data + at, size - at, view, frame_size) == FrameStatus::ok) return true;
  }
  return false;
}

void encode_body(char* out, std::uint64_t seq, std::int64_t timestamp_ns, std::uint16_t kind,
                 std::uint16_t flags, std::string_view stream, std::string_view payload) {
  store<std::uint64_t>(out, seq);
  store<std::int64_t>(out + 8, timestamp_ns);
  store<std::uint16_t>(out + 16, kind);
  store<std::uint16_t>(out + 18, flags);
  store<std::uint32_t>(out + 20, static_cast<std::uint32_t>(stream.size()));
  if (!stream.empty()) std::memcpy(out + 24, stream.data(), stream.size());
  store<std::uint32_t>(out + 24 + stream.size(), static_cast<std::uint32_t>(payload.size()));
  if (!payload.empty()) std::memcpy(out + 28 + stream.size(), payload.data(), payload.size());
}

bool redact_body(char* body, std::size_t body_len) {
  const auto kind = static_cast<RecordKind>(load<std::uint16_t>(body + 16));
  if (kind != RecordKind::fix_in && kind != RecordKind::fix_out && kind != RecordKind::fix_garbage) return false;
  const auto stream_len = load<std::uint32_t>(body + 20);
  const auto payload_len = body_len - body_fixed - stream_len;
  // Redaction keeps lengths, so it can happen in place, off the producers' path.
  if (redact_fix_secrets(std::span<char>(body + 28 + stream_len, payload_len)) == 0) return false;
  store<std::uint16_t>(body + 18, static_cast<std::uint16_t>(load<std::uint16_t>(body + 18) | flag_redacted));
  return true;
}

std::string segment_name(std::uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.fgj", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<std::uint64_t> parse_segment_name(const std::string& filename) {
  if (filename.size() != 24 || filename.substr(20) != segment_extension) return std::nullopt;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const char c = filename[i];
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (seq > (UINT64_MAX - digit) / 10) return std::nullopt;
    seq = seq * 10 + digit;
  }
  return seq;
}

}  // namespace fixgate::journal::detail
