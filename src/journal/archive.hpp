// SPDX-License-Identifier: Apache-2.0
#pragma once
// Archived segments (spec/journal-format.md, "Archive"): a closed segment moves to an archive
// directory as NNNN.fgj.zst, one zstd frame with its content checksum, holding the segment's
// exact bytes. The journal directory's ARCHIVE file names every archive directory it has used,
// one per line, so every reader finds them.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "file.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/journal.hpp"

namespace fixgate::journal::detail {

/// "00000000000000000001.fgj.zst".
std::string archive_name(std::uint64_t first_seq);
/// Seq from an archived segment's file name; nullopt for any other name.
std::optional<std::uint64_t> parse_archive_name(const std::string& filename);

/// The archive directories dir/ARCHIVE names (relative lines resolve against `dir`); none when
/// the file is absent.
std::expected<std::vector<std::filesystem::path>, Error> archive_dirs(const std::filesystem::path& dir);
/// Adds `archive` to dir/ARCHIVE unless it is there already (made durable before anything moves).
std::expected<void, Error> remember_archive_dir(const std::filesystem::path& dir, const std::filesystem::path& archive);

/// The bytes of an archived segment, decompressed and checked against the frame's checksum; a
/// damaged or cut file is `bad_archive` naming it.
std::expected<Mapping, Error> decompress_segment(const std::filesystem::path& file);

/// Moves one closed segment of `dir` to the archive: compresses it into a temporary file, syncs
/// it, decompresses it again and compares every byte with the segment, renames it into place,
/// syncs the archive directory, and only then removes the segment and syncs `dir`. An archived
/// copy already there (a crash after the rename) is checked the same way before the removal.
std::expected<void, Error> archive_segment(const std::filesystem::path& dir, std::uint64_t first_seq,
                                           const ArchiveOptions& options);

}  // namespace fixgate::journal::detail
