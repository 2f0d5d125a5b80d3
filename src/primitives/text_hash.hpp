// Tokenizing and hashing a column of UTF-8 documents into a sparse matrix: the transform of
// scikit-learn's HashingVectorizer before its binary/norm steps (text_ops.hpp has the
// per-document maths).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/text_ops.hpp"

namespace franca {

// docs: a string column on the backend's device (offsets checked here: non-decreasing,
// within bytes). options: its stop-word pointers are ignored; `stop_words` (sorted bytewise,
// distinct) is used instead. Returns a new CSR matrix on the documents' device, docs.size() x
// options.n_features: indptr int64, indices int32 sorted within each row, data `dtype`
// holding the summed signs of the features hashed to each column (1 when `binary`), each row
// then divided by its norm when `norm` is given (csr_normalize_rows' maths). As in
// scikit-learn, a column whose signs cancel keeps an explicit zero. Throws invalid_argument
// naming the first document that is not valid UTF-8 when decode_error is strict.
// Thread-safe; CPU work uses ctx.threads() threads. Call with
// FRANCA_DISPATCH(docs.bytes.device, hash_documents, ctx, ...).
template <Backend B>
CsrMatrix hash_documents(const Context& ctx, const StringColumn& docs, const text::TextOptions& options,
                         const std::vector<std::string>& stop_words, bool binary, DType dtype,
                         std::optional<RowNorm> norm);

// Throws invalid_argument unless host `offsets` (int32/int64) are non-decreasing and lie within
// n_bytes.
void check_string_offsets(const Array& offsets, std::int64_t n_bytes);

// Strings laid end to end (the layout text::TextOptions wants for stop words).
struct FlatStrings {
  std::vector<std::int64_t> offsets;  // size() + 1
  std::string bytes;
};
FlatStrings flatten_strings(const std::vector<std::string>& strings);

// The message for document `doc` that is not valid UTF-8 at byte `at` of it (shared by the
// CPU and CUDA paths so that both say the same).
std::string invalid_utf8_message(std::int64_t doc, std::int64_t at);

}  // namespace franca
