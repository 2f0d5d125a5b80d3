#include "core/matrix.hpp"

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

}  // namespace franca
