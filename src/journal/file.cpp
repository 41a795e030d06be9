// SPDX-License-Identifier: Apache-2.0
#include "file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace fixgate::journal::detail {

Error make_error(ErrorKind kind, const std::string& what, const std::string& segment,
                 std::uint64_t offset, std::uint64_t seq, std::uint64_t last_good_seq) {
  Error e;
  e.kind = kind;
  e.segment = segment;
  e.offset = offset;
  e.seq = seq;
  e.last_good_seq = last_good_seq;
  e.text = what;
  if (!segment.empty()) e.text += " in " + segment + " at offset " + std::to_string(offset);
  if (seq != 0) e.text += ", seq " + std::to_string(seq);
  if (!segment.empty()) e.text += ", last good seq " + std::to_string(last_good_seq);
  return e;
}

Error io_error(int err, const std::string& operation, const std::string& path) {
  Error e;
  e.kind = ErrorKind::io_error;
  e.segment = path;
  e.io = std::error_code(err, std::generic_category());
  e.text = operation + " " + path + ": " + e.io.message();
  return e;
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() { return std::exchange(fd_, -1); }

Mapping::Mapping(Mapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), owned_(std::move(other.owned_)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    owned_ = std::move(other.owned_);
  }
  return *this;
}

Mapping::~Mapping() { reset(); }

void Mapping::reset() {
  if (data_ != nullptr && !owned_) ::munmap(const_cast<char*>(data_), size_);
  owned_.reset();
  data_ = nullptr;
  size_ = 0;
}

Mapping Mapping::adopt(std::unique_ptr<char[]> bytes, std::size_t size) {
  Mapping m;
  m.owned_ = std::move(bytes);
  m.data_ = m.owned_.get();
  m.size_ = size;
  return m;
}

std::expected<Mapping, Error> Mapping::open(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(io_error(errno, "open", path.string()));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(io_error(errno, "stat", path.string()));
  Mapping m;
  if (st.st_size == 0) return m;
  const auto size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return std::unexpected(io_error(errno, "mmap", path.string()));
  // Scans read front to back once: ask for aggressive read-ahead.
  ::madvise(p, size, MADV_SEQUENTIAL);
  m.data_ = static_cast<const char*>(p);
  m.size_ = size;
  return m;
}

std::error_code write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::error_code(errno, std::generic_category());
    }
    if (n == 0) return std::make_error_code(std::errc::io_error);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

std::expected<void, Error> sync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(io_error(errno, "open directory", dir.string()));
  if (::fsync(fd.get()) != 0) return std::unexpected(io_error(errno, "fsync directory", dir.string()));
  return {};
}

}  // namespace fixgate::journal::detail
