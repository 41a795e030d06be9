// SPDX-License-Identifier: Apache-2.0
#pragma once
// The hash chain step, SHA-256(previous hash || record body), over OpenSSL's EVP interface with
// one reusable context (creating a context per record would cost more than the hash).

#include <cstddef>

#include "fixgate/journal/record.hpp"

struct evp_md_ctx_st;
struct evp_md_st;

namespace fixgate::journal::detail {

/// One chain hasher; not thread-safe, keep one per thread.
class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;

  /// SHA-256(previous || body[0, size)).
  Hash next(const Hash& previous, const void* body, std::size_t size);
  /// SHA-256 of arbitrary bytes (the genesis value).
  Hash digest(const void* data, std::size_t size);

 private:
  evp_md_ctx_st* ctx_;
  evp_md_st* md_;
};

}  // namespace fixgate::journal::detail
