// SPDX-License-Identifier: Apache-2.0
// Archived segments: the ARCHIVE file, zstd compression with a verified copy, and reading back.

#include "archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "format.hpp"

namespace fixgate::journal::detail {
namespace {

constexpr const char* archive_list = "ARCHIVE";
constexpr const char* archive_suffix = ".fgj.zst";

Error archive_error(const std::string& what, const std::filesystem::path& file) {
  Error e = make_error(ErrorKind::bad_archive, what + ": " + file.string());
  e.segment = file.string();
  return e;
}

std::expected<void, Error> write_synced(const std::filesystem::path& path, const char* data, std::size_t size) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, journal_file_mode));
  if (!fd.valid()) return std::unexpected(io_error(errno, "create", path.string()));
  if (auto ec = write_all(fd.get(), data, size)) return std::unexpected(io_error(ec.value(), "write", path.string()));
  if (::fsync(fd.get()) != 0) return std::unexpected(io_error(errno, "fsync", path.string()));
  return {};
}

std::expected<std::string, Error> compress(const Mapping& segment, int level, const std::filesystem::path& for_file) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) return std::unexpected(archive_error("cannot make a zstd context for", for_file));
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);  // the frame checks its own content
  std::string out(ZSTD_compressBound(segment.size()), '\0');
  const std::size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), segment.data(), segment.size());
  if (ZSTD_isError(n)) return std::unexpected(archive_error(std::string("zstd: ") + ZSTD_getErrorName(n) + ", compressing for", for_file));
  out.resize(n);
  return out;
}

}  // namespace

std::string archive_name(std::uint64_t first_seq) { return segment_name(first_seq) + ".zst"; }

std::optional<std::uint64_t> parse_archive_name(const std::string& filename) {
  if (!filename.ends_with(archive_suffix)) return std::nullopt;
  return parse_segment_name(filename.substr(0, filename.size() - 4));
}

std::expected<std::vector<std::filesystem::path>, Error> archive_dirs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  const auto list = dir / archive_list;
  std::error_code ec;
  if (!std::filesystem::exists(list, ec)) return out;
  std::ifstream in(list);
  if (!in) return std::unexpected(io_error(errno, "open", list.string()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::filesystem::path p(line);
    out.push_back(p.is_absolute() ? p : dir / p);
  }
  return out;
}

std::expected<void, Error> remember_archive_dir(const std::filesystem::path& dir, const std::filesystem::path& archive) {
  std::error_code ec;
  // Archived segments are as private as the live ones (a directory that existed is left).
  if (std::filesystem::create_directories(archive, ec) && !ec) {
    std::filesystem::permissions(archive, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return std::unexpected(io_error(ec.value(), "create", archive.string()));
  const auto absolute = std::filesystem::absolute(archive, ec).lexically_normal();
  auto known = archive_dirs(dir);
  if (!known) return std::unexpected(known.error());
  for (const auto& k : *known) {
    if (std::filesystem::equivalent(k, absolute, ec)) return {};
  }
  std::string text;
  for (const auto& k : *known) text += k.string() + "\n";
  text += absolute.string() + "\n";
  const auto list = dir / archive_list;
  const auto tmp = dir / (std::string(archive_list) + ".tmp");
  if (auto w = write_synced(tmp, text.data(), text.size()); !w) return w;
  if (std::rename(tmp.c_str(), list.c_str()) != 0) return std::unexpected(io_error(errno, "rename", tmp.string()));
  return sync_directory(dir);
}

std::expected<Mapping, Error> decompress_segment(const std::filesystem::path& file) {
  auto packed = Mapping::open(file);
  if (!packed) {
    if (packed.error().io == std::errc::no_such_file_or_directory) {
      return std::unexpected(archive_error("archived segment is missing", file));
    }
    return std::unexpected(packed.error());
  }
  const auto size = ZSTD_getFrameContentSize(packed->data(), packed->size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (std::uint64_t{1} << 40)) {
    return std::unexpected(archive_error("archived segment is not a zstd frame of a segment", file));
  }
  auto bytes = std::make_unique_for_overwrite<char[]>(size);
  const std::size_t n = ZSTD_decompress(bytes.get(), size, packed->data(), packed->size());
  if (ZSTD_isError(n) || n != size) {
    return std::unexpected(archive_error(std::string("archived segment is damaged (zstd: ") +
                                             (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short") + ")",
                                         file));
  }
  return Mapping::adopt(std::move(bytes), size);
}

std::expected<void, Error> archive_segment(const std::filesystem::path& dir, std::uint64_t first_seq,
                                           const ArchiveOptions& options) {
  if (auto known = remember_archive_dir(dir, options.dir); !known) return known;
  const auto live = dir / segment_name(first_seq);
  const auto target = options.dir / archive_name(first_seq);
  auto segment = Mapping::open(live);
  if (!segment) return std::unexpected(segment.error());
  std::error_code ec;
  if (!std::filesystem::exists(target, ec)) {
    auto packed = compress(*segment, options.level, target);
    if (!packed) return std::unexpected(packed.error());
    const auto tmp = target.string() + ".tmp";
    if (auto w = write_synced(tmp, packed->data(), packed->size()); !w) return w;
    // Verify the copy as it is on disk before it takes the segment's place.
    auto back = decompress_segment(tmp);
    if (!back || back->size() != segment->size() || std::memcmp(back->data(), segment->data(), segment->size()) != 0) {
      ::unlink(tmp.c_str());
      return std::unexpected(archive_error("archive copy does not read back as the segment", target));
    }
    if (std::rename(tmp.c_str(), target.c_str()) != 0) return std::unexpected(io_error(errno, "rename", tmp));
    if (auto s = sync_directory(options.dir); !s) return s;
  } else {
    // Archived before a crash stopped the removal: remove the segment only if the copy is whole.
    auto back = decompress_segment(target);
    if (!back || back->size() != segment->size() || std::memcmp(back->data(), segment->data(), segment->size()) != 0) {
      return std::unexpected(archive_error("an archived copy that differs from the segment is in the way", target));
    }
  }
  segment = Mapping();
  if (::unlink(live.c_str()) != 0) return std::unexpected(io_error(errno, "remove", live.string()));
  return sync_directory(dir);
}

}  // namespace fixgate::journal::detail
