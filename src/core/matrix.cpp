#include "core/matrix.hpp"

#include <cstring>

#include "core/parallel.hpp"

namespace franca {

std::int64_t Matrix::rows() const {
  switch (kind) {
    case Kind::dense:
      return dense.dim(0);
    case Kind::csr:
      return csr.rows;
    case Kind::strings:
      return strings.size();
  }
  return 0;
}

std::int64_t Matrix::cols() const {
  switch (kind) {
    case Kind::dense:
      return dense.ndim() == 1 ? 1 : dense.dim(1);
    case Kind::csr:
      return csr.cols;
    case Kind::strings:
      return 1;
  }
  return 0;
}

Device Matrix::device() const {
  switch (kind) {
    case Kind::dense:
      return dense.device;
    case Kind::csr:
      return csr.data.device;
    case Kind::strings:
      return strings.bytes.device;
  }
  return Device::cpu();
}

const char* Matrix::kind_name(Kind kind) {
  switch (kind) {
    case Kind::dense:
      return "dense";
    case Kind::csr:
      return "CSR";
    case Kind::strings:
      return "strings";
  }
  return "unknown";
}

StringColumn copy_strings(const Context& ctx, const char* const* starts, const std::int64_t* lengths, std::int64_t n) {
  StringColumn s;
  s.offsets = Array::empty(ctx, Device::cpu(), DType::int64, {n + 1});
  auto* offsets = s.offsets.ptr<std::int64_t>();
  offsets[0] = 0;
  for (std::int64_t i = 0; i < n; ++i) offsets[i + 1] = offsets[i] + lengths[i];
  s.bytes = Array::empty(ctx, Device::cpu(), DType::uint8, {offsets[n]});
  auto* bytes = s.bytes.ptr<char>();
  const std::int64_t mean = n > 0 ? offsets[n] / n : 0;
  parallel_for(ctx, n, row_grain(mean), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      if (lengths[i] > 0) std::memcpy(bytes + offsets[i], starts[i], static_cast<std::size_t>(lengths[i]));
    }
  });
  return s;
}

}  // namespace franca
