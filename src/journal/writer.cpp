// SPDX-License-Identifier: Apache-2.0
// Turning queued frames into bytes on disk: seal (redact, chain, CRC), write in as few system
// calls as possible, roll segments, and sync according to the policy.

#include "writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "crc32c.hpp"
#include "format.hpp"

namespace fixgate::journal {

using detail::load;
using detail::store;

std::size_t Journal::Writer::seal(char* frame, std::uint64_t& seq) {
  const auto body_len = load<std::uint32_t>(frame);
  char* body = frame + detail::frame_prefix;
  seq = load<std::uint64_t>(body);
  last_seq = seq;
  detail::redact_body(body, body_len);
  hash = hasher.next(hash, body, body_len);
  std::memcpy(body + body_len, hash.data(), hash.size());
  store<std::uint32_t>(frame + 4, detail::crc32c(body, body_len + detail::hash_size));
  return detail::frame_prefix + body_len + detail::hash_size;
}

std::expected<void, Error> Journal::Writer::write(const char* data, std::size_t size) {
  if (size == 0) return {};
  std::error_code ec;
  if (fault_hook) ec = fault_hook(IoOp::write, segment_path);
  if (!ec) ec = detail::write_all(fd.get(), data, size);
  if (ec) return std::unexpected(detail::io_error(ec.value(), "write", segment_path));
  return {};
}

std::expected<void, Error> Journal::Writer::write_records(const char* data, std::size_t size) {
  if (size == 0) return {};
  const auto started = std::chrono::steady_clock::now();
  auto written = write(data, size);
  if (written && timings != nullptr) timings->append.observe(std::chrono::steady_clock::now() - started);
  return written;
}

std::expected<void, Error> Journal::Writer::sync_segment() {
  if (!fd.valid()) return {};
  std::error_code ec;
  if (fault_hook) ec = fault_hook(IoOp::sync, segment_path);
  const auto started = std::chrono::steady_clock::now();
  if (!ec && ::fdatasync(fd.get()) != 0) ec = std::error_code(errno, std::generic_category());
  if (ec) return std::unexpected(detail::io_error(ec.value(), "fdatasync", segment_path));
  if (timings != nullptr) timings->sync.observe(std::chrono::steady_clock::now() - started);
  return {};
}

std::expected<void, Error> Journal::Writer::start_segment(std::uint64_t first_seq) {
  if (fd.valid() && on_closed) on_closed(segment_first_seq, first_seq - 1, hash);
  segment_first_seq = first_seq;
  segment_path = (dir / detail::segment_name(first_seq)).string();
  fd = detail::Fd(::open(segment_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, detail::journal_file_mode));
  if (!fd.valid()) return std::unexpected(detail::io_error(errno, "create", segment_path));
  char header[detail::header_size];
  detail::encode_header(header, detail::SegmentHeader{first_seq, hash});
  if (auto w = write(header, sizeof header); !w) return w;
  segment_size = detail::header_size;
  // fdatasync makes the file's bytes durable, not its name: sync the directory once per segment.
  if (sync != SyncPolicy::none) return detail::sync_directory(dir);
  return {};
}

std::expected<void, Error> Journal::Writer::reopen(const std::filesystem::path& path) {
  segment_path = path.string();
  segment_first_seq = detail::parse_segment_name(path.filename().string()).value_or(0);
  fd = detail::Fd(::open(segment_path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(detail::io_error(errno, "open", segment_path));
  const off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) return std::unexpected(detail::io_error(errno, "seek", segment_path));
  segment_size = static_cast<std::uint64_t>(end);
  return {};
}

std::expected<void, Error> Journal::Writer::write_batch(
    char* data, std::size_t size, const std::function<void(std::uint64_t, const Hash&)>& publish) {
  std::size_t chunk = 0;  // start of the bytes sealed but not yet written
  std::size_t pos = 0;
  std::uint64_t seq = 0;
  while (pos < size) {
    const std::size_t frame_size = detail::frame_prefix + load<std::uint32_t>(data + pos) +
                                   detail::hash_size;
    const bool full = segment_size > detail::header_size &&
                      segment_size + frame_size > segment_bytes;
    if (!fd.valid() || full) {
      if (fd.valid()) {
        if (auto w = write_records(data + chunk, pos - chunk); !w) return w;
        if (sync != SyncPolicy::none) {
          if (auto s = sync_segment(); !s) return s;
        }
        if (pos > chunk) publish(seq, hash);
        chunk = pos;
      }
      if (auto started = start_segment(load<std::uint64_t>(data + pos + detail::frame_prefix));
          !started) {
        return started;
      }
    }
    seal(data + pos, seq);
    pos += frame_size;
    segment_size += frame_size;
    if (sync == SyncPolicy::every) {
      // No grouping: each record is written and synced on its own before the next.
      if (auto w = write_records(data + chunk, pos - chunk); !w) return w;
      if (auto s = sync_segment(); !s) return s;
      publish(seq, hash);
      chunk = pos;
    }
  }
  if (pos > chunk) {
    if (auto w = write_records(data + chunk, pos - chunk); !w) return w;
    if (sync == SyncPolicy::batch) {
      if (auto s = sync_segment(); !s) return s;
    }
    publish(seq, hash);
  }
  return {};
}

}  // namespace fixgate::journal
