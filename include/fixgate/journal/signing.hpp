// SPDX-License-Identifier: Apache-2.0
#pragma once
// Tamper evidence beyond the chain: the journal signs its chain head with an Ed25519 key each
// time a segment closes and at a clean close, and `verify --key` checks those signatures with the
// public key. Whoever rewrites records must recompute every later chain value, which no longer
// matches a signed head; whoever cuts the journal leaves a signed head the journal no longer
// reaches (when the signature files are kept where the cutter cannot reach them).
// spec/journal-format.md, "Signatures".

#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "fixgate/journal/error.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal {

/// One signed chain head: the record at last_seq had chain value last_hash.
struct HeadSignature {
  std::uint64_t first_seq = 0;       ///< first seq of the segment that closed (for the reader)
  std::uint64_t last_seq = 0;        ///< the head: the last record of that segment
  Hash last_hash{};                  ///< its chain value
  std::int64_t signed_at_ns = 0;     ///< when it was signed (wall clock)
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 64> signature{};

  /// The exact bytes signed: "fixgate journal head v1\n", first_seq, last_seq (u64 LE),
  /// last_hash, signed_at_ns (i64 LE).
  std::string message() const;
};

/// An Ed25519 private key from a PEM file (PKCS#8, as `openssl genpkey -algorithm ed25519` writes).
class HeadSigner {
 public:
  /// Loads the key; invalid_argument naming the file when it is unreadable or not Ed25519.
  static std::expected<HeadSigner, Error> load(const std::filesystem::path& pem_file);
  HeadSigner(HeadSigner&&) noexcept;
  HeadSigner& operator=(HeadSigner&&) noexcept;
  ~HeadSigner();

  /// Signs the head (last_seq, last_hash) of the segment starting at first_seq, now.
  HeadSignature sign(std::uint64_t first_seq, std::uint64_t last_seq, const Hash& last_hash, std::int64_t now_ns) const;

 private:
  struct Key;
  explicit HeadSigner(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

/// dir/NNNNNNNNNNNNNNNNNNNN.sig, NNNN = the signed head's last_seq.
std::filesystem::path signature_path(const std::filesystem::path& dir, std::uint64_t last_seq);
/// Writes a signature file (synced; a file already there for the same head is replaced).
std::expected<void, Error> write_signature(const std::filesystem::path& dir, const HeadSignature& signature);
/// Reads one signature file; bad_signature naming it when it is not one.
std::expected<HeadSignature, Error> read_signature(const std::filesystem::path& file);

/// What verify_signatures found.
struct SignatureCheck {
  std::uint64_t signatures = 0;      ///< signature files checked, all valid
  std::uint64_t signed_seq = 0;      ///< the latest signed head
  Hash signed_hash{};                ///< its chain value
  std::int64_t signed_at_ns = 0;     ///< when it was signed
  std::uint64_t last_seq = 0;        ///< the journal's last record
  ScanSummary audit;                 ///< what the audit of the journal itself found (as verify)
};

/// Audits `dir` (as verify does), then checks every signature file in `signatures_dir` (default:
/// `dir`) against the Ed25519 public key in `public_key_pem`: each must verify with that key, and
/// the journal must hold the signed head with the signed chain value. The first problem is the
/// error: bad_signature naming the file (a forged or foreign signature, a rewritten chain, a
/// journal cut before a signed head), or none found at all.
std::expected<SignatureCheck, Error> verify_signatures(const std::filesystem::path& dir,
                                                      const std::filesystem::path& public_key_pem,
                                                      const std::filesystem::path& signatures_dir = {});

}  // namespace fixgate::journal
