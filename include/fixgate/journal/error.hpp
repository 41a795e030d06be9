// SPDX-License-Identifier: Apache-2.0
#pragma once
// What went wrong in the journal, as a value: the kind, where (segment file, byte offset, record
// sequence number) and a sentence for the log. Opening, verifying and writing all report with it.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace fixgate::journal {

/// Stable category of a journal error; the name is what logs and the journal tool print.
enum class ErrorKind {
  io_error,         ///< a system call failed (errno in Error::io)
  bad_header,       ///< a segment header is short, has a wrong magic/version/CRC, or disagrees
  bad_length,       ///< a record length is impossible (zero, too large, past the end of the file)
  crc_mismatch,     ///< a record's CRC32C does not match its bytes
  hash_mismatch,    ///< a record's chain hash is not SHA-256(previous hash || body)
  seq_gap,          ///< sequence numbers jump or repeat (inside a segment or between segments)
  torn_tail,        ///< the last segment ends in the middle of a record
  locked,           ///< another process holds the journal directory
  failed,           ///< the journal had a storage fault earlier and refuses further work
  closed,           ///< the journal was closed
  timeout,          ///< wait_durable gave up
  backpressure,     ///< too many bytes wait for the writer thread; try again later
  invalid_argument, ///< a caller mistake (stream name too long, seq not yet appended, ...)
  bad_archive,      ///< an archived segment or archive directory is missing, cut or damaged
  bad_signature,    ///< a head signature does not verify, or signs a head the chain does not have
};

/// Stable snake_case name, e.g. "crc_mismatch".
std::string_view name(ErrorKind kind);

/// A journal error; `segment`, `offset` and `seq` are filled when they mean something.
struct Error {
  ErrorKind kind = ErrorKind::io_error;
  std::string segment;        ///< segment file path, empty when not about a segment
  std::uint64_t offset = 0;   ///< byte offset in `segment` of the bad record or header
  std::uint64_t seq = 0;      ///< seq of the bad record (or the seq expected there); 0 unknown
  std::uint64_t last_good_seq = 0;  ///< last record before the fault that checked out
  std::error_code io;         ///< set for io_error
  std::string text;           ///< human sentence with all of the above

  /// "crc_mismatch: <text>".
  std::string to_string() const;
};

}  // namespace fixgate::journal
