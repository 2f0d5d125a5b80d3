// Matrix: what estimators take and return. Dense (an Array of 1 or 2 dimensions), CSR, or a
// column of UTF-8 strings in Arrow layout.
#pragma once

#include <cstdint>

#include "core/array.hpp"

namespace franca {

struct CsrMatrix {
  Array indptr;   // int32/int64, rows + 1
  Array indices;  // int32/int64, nnz
  Array data;     // float32/float64, nnz
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t nnz() const { return data.size(); }
};

struct StringColumn {
  Array offsets;  // int32/int64, size + 1
  Array bytes;    // uint8
  std::int64_t size() const { return offsets.dim(0) - 1; }
};

// A host column that owns a copy of n texts, text i being lengths[i] bytes at starts[i] (read
// during the call only): int64 offsets from 0, the bytes copied end to end on ctx's threads.
StringColumn copy_strings(const Context& ctx, const char* const* starts, const std::int64_t* lengths, std::int64_t n);

struct Matrix {
  enum class Kind { dense = 0, csr = 1, strings = 2 };
  Kind kind = Kind::dense;
  Array dense;
  CsrMatrix csr;
  StringColumn strings;

  static Matrix from_dense(Array a) {
    Matrix m;
    m.kind = Kind::dense;
    m.dense = std::move(a);
    return m;
  }
  static Matrix from_csr(CsrMatrix c) {
    Matrix m;
    m.kind = Kind::csr;
    m.csr = std::move(c);
    return m;
  }
  static Matrix from_strings(StringColumn s) {
    Matrix m;
    m.kind = Kind::strings;
    m.strings = std::move(s);
    return m;
  }

  std::int64_t rows() const;
  // Columns of a dense or CSR matrix; 1 for a string column.
  std::int64_t cols() const;
  Device device() const;
  const char* kind_name() const { return kind_name(kind); }
  static const char* kind_name(Kind kind);
};

// The dtype of a dense or CSR matrix's values.
inline DType value_dtype(const Matrix& X) { return X.kind == Matrix::Kind::csr ? X.csr.data.dtype : X.dense.dtype; }

}  // namespace franca
