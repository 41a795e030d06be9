// SPDX-License-Identifier: Apache-2.0
// Ed25519 head signatures (OpenSSL EVP): signing, the .sig file, and checking them against a journal.

#include "fixgate/journal/signing.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "file.hpp"
#include "fixgate/journal/reader.hpp"
#include "format.hpp"

namespace fixgate::journal {
namespace {

constexpr std::string_view signed_prefix = "fixgate journal head v1\n";
constexpr std::string_view file_title = "fixgate journal head signature v1";

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Error signature_error(const std::string& what, const std::filesystem::path& file) {
  Error e;
  e.kind = ErrorKind::bad_signature;
  e.segment = file.string();
  e.text = what + " (" + file.string() + ")";
  return e;
}

std::expected<PKey, Error> read_pem(const std::filesystem::path& file, bool private_key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) return std::unexpected(detail::make_error(ErrorKind::invalid_argument, "cannot read key file " + file.string()));
  PKey key(private_key ? PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr)
                       : PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr),
           EVP_PKEY_free);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return std::unexpected(detail::make_error(
        ErrorKind::invalid_argument, "key file " + file.string() + " holds no Ed25519 " +
                                         (private_key ? "private key (PKCS#8 PEM)" : "public key (PEM)")));
  }
  return key;
}

std::string hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xF]);
  }
  return out;
}

template <std::size_t N>
bool unhex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const auto [p, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, out[i], 16);
    if (ec != std::errc{} || p != text.data() + 2 * i + 2) return false;
  }
  return true;
}

std::array<std::uint8_t, 32> raw_public_key(EVP_PKEY* key) {
  std::array<std::uint8_t, 32> out{};
  std::size_t size = out.size();
  EVP_PKEY_get_raw_public_key(key, out.data(), &size);
  return out;
}

bool verifies(EVP_PKEY* key, const HeadSignature& s) {
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const auto message = s.message();
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), s.signature.data(), s.signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

/// The chain value stored with record `seq`, or nullopt when the journal has no such record.
std::expected<std::optional<Hash>, Error> hash_at(const std::filesystem::path& dir, std::uint64_t seq) {
  ReadOptions options;
  options.from_seq = seq;
  std::optional<Hash> found;
  auto scanned = scan(dir, [&](const RecordView& r) {
    if (r.seq == seq) found = *r.hash;
    return false;
  }, options);
  if (!scanned) return std::unexpected(scanned.error());
  return found;
}

}  // namespace

std::string HeadSignature::message() const {
  std::string m(signed_prefix);
  char buf[8];
  detail::store<std::uint64_t>(buf, first_seq);
  m.append(buf, 8);
  detail::store<std::uint64_t>(buf, last_seq);
  m.append(buf, 8);
  m.append(reinterpret_cast<const char*>(last_hash.data()), last_hash.size());
  detail::store<std::int64_t>(buf, signed_at_ns);
  m.append(buf, 8);
  return m;
}

struct HeadSigner::Key {
  PKey key{nullptr, EVP_PKEY_free};
  std::array<std::uint8_t, 32> public_key{};
};

HeadSigner::HeadSigner(std::unique_ptr<Key> key) : key_(std::move(key)) {}
HeadSigner::HeadSigner(HeadSigner&&) noexcept = default;
HeadSigner& HeadSigner::operator=(HeadSigner&&) noexcept = default;
HeadSigner::~HeadSigner() = default;

std::expected<HeadSigner, Error> HeadSigner::load(const std::filesystem::path& pem_file) {
  auto key = read_pem(pem_file, true);
  if (!key) return std::unexpected(key.error());
  auto k = std::make_unique<Key>();
  k->public_key = raw_public_key(key->get());
  k->key = std::move(*key);
  return HeadSigner(std::move(k));
}

HeadSignature HeadSigner::sign(std::uint64_t first_seq, std::uint64_t last_seq, const Hash& last_hash,
                               std::int64_t now_ns) const {
  HeadSignature s;
  s.first_seq = first_seq;
  s.last_seq = last_seq;
  s.last_hash = last_hash;
  s.signed_at_ns = now_ns;
  s.public_key = key_->public_key;
  const auto message = s.message();
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t size = s.signature.size();
  // Ed25519 signs the message itself (no separate digest); it cannot fail with a loaded key.
  EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->key.get());
  EVP_DigestSign(ctx.get(), s.signature.data(), &size, reinterpret_cast<const unsigned char*>(message.data()),
                 message.size());
  return s;
}

std::filesystem::path signature_path(const std::filesystem::path& dir, std::uint64_t last_seq) {
  auto name = detail::segment_name(last_seq);
  name.replace(name.size() - 4, 4, ".sig");
  return dir / name;
}

std::expected<void, Error> write_signature(const std::filesystem::path& dir, const HeadSignature& s) {
  std::ostringstream text;
  text << file_title << "\n"
       << "first_seq " << s.first_seq << "\n"
       << "last_seq " << s.last_seq << "\n"
       << "last_hash " << to_hex(s.last_hash) << "\n"
       << "signed_at_ns " << s.signed_at_ns << "\n"
       << "public_key " << hex(s.public_key.data(), s.public_key.size()) << "\n"
       << "signature " << hex(s.signature.data(), s.signature.size()) << "\n";
  const std::string bytes = text.str();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto file = signature_path(dir, s.last_seq);
  const auto tmp = file.string() + ".tmp";
  {
    detail::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, detail::journal_file_mode));
    if (!fd.valid()) return std::unexpected(detail::io_error(errno, "create", tmp));
    if (auto w = detail::write_all(fd.get(), bytes.data(), bytes.size())) return std::unexpected(detail::io_error(w.value(), "write", tmp));
    if (::fsync(fd.get()) != 0) return std::unexpected(detail::io_error(errno, "fsync", tmp));
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) return std::unexpected(detail::io_error(errno, "rename", tmp));
  return detail::sync_directory(dir);
}

std::expected<HeadSignature, Error> read_signature(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::unexpected(signature_error("cannot read signature file", file));
  std::string title;
  std::getline(in, title);
  if (title != file_title) return std::unexpected(signature_error("not a head signature file", file));
  std::map<std::string, std::string> fields;
  std::string key, value;
  while (in >> key >> value) fields[key] = value;
  HeadSignature s;
  const auto number = [&](const char* name, auto& out) {
    const auto& t = fields[name];
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc{} && p == t.data() + t.size() && !t.empty();
  };
  const bool ok = number("first_seq", s.first_seq) && number("last_seq", s.last_seq) &&
                  number("signed_at_ns", s.signed_at_ns) && unhex(fields["last_hash"], s.last_hash) &&
                  unhex(fields["public_key"], s.public_key) && unhex(fields["signature"], s.signature);
  if (!ok) return std::unexpected(signature_error("signature file has a missing or malformed field", file));
  return s;
}

std::expected<SignatureCheck, Error> verify_signatures(const std::filesystem::path& dir,
                                                      const std::filesystem::path& public_key_pem,
                                                      const std::filesystem::path& signatures_dir) {
  auto key = read_pem(public_key_pem, false);
  if (!key) return std::unexpected(key.error());
  auto audited = verify(dir);
  if (!audited) return std::unexpected(audited.error());
  const auto sig_dir = signatures_dir.empty() ? dir : signatures_dir;
  SignatureCheck check;
  check.last_seq = audited->last_seq;
  check.audit = *audited;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(sig_dir, ec)) {
    if (entry.path().extension() == ".sig") files.push_back(entry.path());
  }
  if (ec) return std::unexpected(detail::io_error(ec.value(), "list", sig_dir.string()));
  std::sort(files.begin(), files.end());
  const auto expected_key = raw_public_key(key->get());
  for (const auto& file : files) {
    auto s = read_signature(file);
    if (!s) return std::unexpected(s.error());
    if (s->public_key != expected_key || !verifies(key->get(), *s)) {
      return std::unexpected(signature_error("signature does not verify with the key (forged, or signed with another key)", file));
    }
    if (s->last_seq > audited->last_seq) {
      return std::unexpected(signature_error("the journal ends at seq " + std::to_string(audited->last_seq) +
                                                 " but its head at seq " + std::to_string(s->last_seq) +
                                                 " was signed: records were cut from the end",
                                             file));
    }
    auto stored = hash_at(dir, s->last_seq);
    if (!stored) return std::unexpected(stored.error());
    if (!*stored || **stored != s->last_hash) {
      Error e = signature_error("the chain value of seq " + std::to_string(s->last_seq) +
                                    " is not the one signed: records up to it were rewritten",
                                file);
      e.seq = s->last_seq;
      return std::unexpected(e);
    }
    ++check.signatures;
    if (s->last_seq >= check.signed_seq) {
      check.signed_seq = s->last_seq;
      check.signed_hash = s->last_hash;
      check.signed_at_ns = s->signed_at_ns;
    }
  }
  if (check.signatures == 0) {
    return std::unexpected(signature_error("no head signature found: nothing vouches for this journal", sig_dir));
  }
  return check;
}

}  // namespace fixgate::journal
