// Little-endian byte images with bounds-checked reading: a saved model is untrusted input.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace franca {

class ByteWriter {
 public:
  template <class T>
  void put(T value) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  void put_bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + n);
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    put_bytes(s.data(), s.size());
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

class ByteReader {
 public:
  // source: what the bytes are, for errors ("model bytes"), which have status `status`.
  ByteReader(const std::uint8_t* data, std::size_t size, const char* source = "model bytes",
             Status status = Status::corrupt_model)
      : data_(data), size_(size), source_(source), status_(status) {}

  template <class T>
  T get(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  const std::uint8_t* take(std::size_t n, const char* what) {
    if (n > size_ - pos_) {
      throw_error(status_, std::string(source_) + ": truncated while reading " + what + " (needs " + std::to_string(n) +
                               " bytes at offset " + std::to_string(pos_) + ", " + std::to_string(size_ - pos_) +
                               " left)");
    }
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::string get_string(const char* what) {
    const auto n = get<std::uint64_t>(what);
    const auto* p = take(static_cast<std::size_t>(std::min<std::uint64_t>(n, SIZE_MAX)), what);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  std::size_t remaining() const { return size_ - pos_; }
  std::size_t position() const { return pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const char* source_;
  Status status_;
};

// FNV-1a, 64 bits: detects corrupted bytes (not an adversary, which the bounds checks handle).
inline std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

}  // namespace franca
