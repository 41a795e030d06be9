// SPDX-License-Identifier: Apache-2.0
#pragma once
// Thin POSIX file layer: owned descriptors and mappings, whole writes, syncs, and errno turned
// into journal Errors that name the file.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "fixgate/journal/error.hpp"

namespace fixgate::journal::detail {

/// Every file fixgate writes into a journal directory: private to its user and group, whatever
/// the umask (segments, lock, indexes, archives, signatures).
inline constexpr unsigned journal_file_mode = 0640;

/// Builds an Error whose text says what, where and which seq.
Error make_error(ErrorKind kind, const std::string& what, const std::string& segment = {},
                 std::uint64_t offset = 0, std::uint64_t seq = 0, std::uint64_t last_good_seq = 0);
/// Builds an io_error from errno `err` for an operation on `path`.
Error io_error(int err, const std::string& operation, const std::string& path);

/// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

/// A read-only private mapping of a whole file (empty files map to nothing), or bytes held in
/// memory in its place (an archived segment, decompressed).
class Mapping {
 public:
  Mapping() = default;
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
  /// Maps `path` as it is now.
  static std::expected<Mapping, Error> open(const std::filesystem::path& path);
  /// Holds `size` bytes already in memory.
  static Mapping adopt(std::unique_ptr<char[]> bytes, std::size_t size);
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void reset();
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::unique_ptr<char[]> owned_;  // set when adopted, not mapped
};

/// write() until all of it is written; EINTR is retried, anything else is the error.
std::error_code write_all(int fd, const char* data, std::size_t size);
/// fsync of a directory so a created, removed or renamed entry is durable.
std::expected<void, Error> sync_directory(const std::filesystem::path& dir);

}  // namespace fixgate::journal::detail
