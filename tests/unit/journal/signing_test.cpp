// SPDX-License-Identifier: Apache-2.0
// Head signatures: the journal signs the chain head at each segment close and at a clean close;
// verify_signatures catches a rewritten chain, a cut journal, a forged or foreign signature, and
// a journal with no signature at all.

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fixgate/journal/signing.hpp"
#include "format.hpp"
#include "test_util.hpp"

using namespace journal_test;

namespace {

/// A fresh Ed25519 key pair written as PEM files in `dir`: private.pem, public.pem.
void make_key(const fs::path& dir, const std::string& name = "") {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
  REQUIRE(EVP_PKEY_keygen(ctx, &key) == 1);
  EVP_PKEY_CTX_free(ctx);
  FILE* priv = std::fopen((dir / (name + "private.pem")).c_str(), "wb");
  PEM_write_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(priv);
  FILE* pub = std::fopen((dir / (name + "public.pem")).c_str(), "wb");
  PEM_write_PUBKEY(pub, key);
  std::fclose(pub);
  EVP_PKEY_free(key);
}

std::unique_ptr<Journal> open_signing(const TempDir& tmp, const fs::path& key, const fs::path& dir) {
  Options o;
  o.dir = dir;
  o.sync = SyncPolicy::batch;
  o.segment_bytes = 4096;
  o.signing_key = key;
  o.signatures_dir = tmp.path() / "signatures";
  auto j = Journal::open(std::move(o));
  if (!j) FAIL("open: " << j.error().to_string());
  return std::move(*j);
}

std::vector<fs::path> signature_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".sig") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A journal of 200 records, signed, closed cleanly; its signatures are in tmp/signatures.
void write_signed(const TempDir& tmp) {
  make_key(tmp.path());
  auto j = open_signing(tmp, tmp.path() / "private.pem", tmp.journal());
  append_range(*j, 1, 200);
}

}  // namespace

TEST_CASE("every closed segment's head and the head at a clean close are signed, and check out") {
  TempDir tmp;
  write_signed(tmp);
  const auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  const auto files = signature_files(tmp.path() / "signatures");
  CHECK(files.size() == segments->size());  // one per closed segment, the last at the close
  auto head = read_signature(files.back());
  REQUIRE(head);
  CHECK(head->last_seq == 200);
  CHECK(head->first_seq == segments->back().first_seq);
  auto check = verify_signatures(tmp.journal(), tmp.path() / "public.pem", tmp.path() / "signatures");
  REQUIRE(check);
  CHECK(check->signatures == files.size());
  CHECK(check->signed_seq == 200);
  CHECK(check->last_seq == 200);
  CHECK(check->signed_hash == verify(tmp.journal())->last_hash);
}

TEST_CASE("a chain rewritten from a changed record verifies on its own but not against the signatures") {
  TempDir tmp;
  write_signed(tmp);
  auto records = read_all(tmp.journal());
  records[49].payload = "something else entirely";
  const fs::path forged = tmp.path() / "forged";
  {
    auto j = open_journal(forged, SyncPolicy::none, 4096);
    for (const auto& r : records) REQUIRE(j->append(r.kind, r.stream, r.payload, r.timestamp_ns));
  }
  REQUIRE(verify(forged));  // the chain itself is consistent: only the signatures can tell
  auto check = verify_signatures(forged, tmp.path() / "public.pem", tmp.path() / "signatures");
  REQUIRE_FALSE(check);
  CHECK(check.error().kind == ErrorKind::bad_signature);
  CHECK_THAT(check.error().text, Catch::Contains("rewritten"));
}

TEST_CASE("a journal cut at a record boundary, later segments gone, is caught by the signature it no longer reaches") {
  TempDir tmp;
  write_signed(tmp);
  auto segments = list_segments(tmp.journal());
  REQUIRE(segments);
  REQUIRE(segments->size() >= 3);
  // Keep the first segment whole and the second up to its first record only.
  for (std::size_t i = 2; i < segments->size(); ++i) fs::remove((*segments)[i].path);
  const auto second = read_file((*segments)[1].path);
  RecordView first;
  std::size_t frame = 0;
  REQUIRE(detail::decode_frame(second.data() + 64, second.size() - 64, first, frame) == detail::FrameStatus::ok);
  fs::resize_file((*segments)[1].path, 64 + frame);
  REQUIRE(verify(tmp.journal()));  // nothing looks wrong from inside
  auto check = verify_signatures(tmp.journal(), tmp.path() / "public.pem", tmp.path() / "signatures");
  REQUIRE_FALSE(check);
  CHECK(check.error().kind == ErrorKind::bad_signature);
  CHECK_THAT(check.error().text, Catch::Contains("cut"));
}

TEST_CASE("a signature from another key, an edited signature file, or none at all is refused") {
  TempDir tmp;
  write_signed(tmp);
  make_key(tmp.path(), "other-");
  auto other = verify_signatures(tmp.journal(), tmp.path() / "other-public.pem", tmp.path() / "signatures");
  REQUIRE_FALSE(other);
  CHECK(other.error().kind == ErrorKind::bad_signature);

  const auto files = signature_files(tmp.path() / "signatures");
  auto text = read_file(files[0]);
  const auto at = text.find("signed_at_ns ") + 13;
  text[at] = text[at] == '1' ? '2' : '1';  // a different signing time: the signature no longer fits
  write_file(files[0], text);
  auto edited = verify_signatures(tmp.journal(), tmp.path() / "public.pem", tmp.path() / "signatures");
  REQUIRE_FALSE(edited);
  CHECK(edited.error().segment == files[0].string());

  for (const auto& f : files) fs::remove(f);
  auto none = verify_signatures(tmp.journal(), tmp.path() / "public.pem", tmp.path() / "signatures");
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().text, Catch::Contains("no head signature"));
}

TEST_CASE("a signing key that cannot be read stops the journal from opening") {
  TempDir tmp;
  write_file(tmp.path() / "bad.pem", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n");
  Options o;
  o.dir = tmp.journal();
  o.signing_key = tmp.path() / "bad.pem";
  auto j = Journal::open(o);
  REQUIRE_FALSE(j);
  CHECK(j.error().kind == ErrorKind::invalid_argument);
  CHECK_THAT(j.error().text, Catch::Contains("bad.pem"));
}
