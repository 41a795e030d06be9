// SPDX-License-Identifier: Apache-2.0
#pragma once
// Getting at a segment's bytes wherever it lives: mapped from the journal directory, or
// decompressed from the archive (archive.hpp). Readers, the indexes and verify all go through it.

#include <expected>

#include "file.hpp"
#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"

namespace fixgate::journal::detail {

/// The whole segment: a read-only mapping of a live segment file, or an archived segment's
/// bytes decompressed into memory. A live segment archived since it was listed is looked for in
/// the archive.
std::expected<Mapping, Error> segment_bytes(const SegmentInfo& segment);

}  // namespace fixgate::journal::detail
