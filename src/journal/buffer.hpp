// SPDX-License-Identifier: Apache-2.0
#pragma once
// A growable byte buffer that does not zero what it allocates: append() fills every byte it hands
// out, so value-initialising (as std::vector<char>::resize does) would be wasted work on the hot path.

#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>

namespace fixgate::journal::detail {

/// Contiguous bytes with amortised O(1) growth; capacity survives clear() and swap.
class Buffer {
 public:
  /// Extends by n bytes and returns where they start (uninitialised).
  char* grow(std::size_t n) {
    if (size_ + n > capacity_) reserve(std::max(size_ + n, capacity_ * 2));
    char* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  void reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  void clear() { size_ = 0; }
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void swap(Buffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace fixgate::journal::detail
