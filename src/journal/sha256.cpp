// SPDX-License-Identifier: Apache-2.0
#include "sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace fixgate::journal::detail {

ChainHasher::ChainHasher() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  // Without a digest nothing can be journaled safely: a broken installation, not a runtime fault.
  if (ctx_ == nullptr || md_ == nullptr) throw std::runtime_error("OpenSSL SHA-256 unavailable");
}

ChainHasher::~ChainHasher() {
  EVP_MD_free(md_);
  EVP_MD_CTX_free(ctx_);
}

Hash ChainHasher::next(const Hash& previous, const void* body, std::size_t size) {
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, previous.data(), previous.size()) != 1 ||
      EVP_DigestUpdate(ctx_, body, size) != 1 || EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 ||
      len != out.size()) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return out;
}

Hash ChainHasher::digest(const void* data, std::size_t size) {
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 || EVP_DigestUpdate(ctx_, data, size) != 1 ||
      EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return out;
}

}  // namespace fixgate::journal::detail
