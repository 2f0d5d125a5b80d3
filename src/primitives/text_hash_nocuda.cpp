#include "core/no_cuda.hpp"
#include "primitives/text_hash.hpp"

namespace franca {
CsrMatrix hash_documents_cuda(const Context&, const StringColumn&, const text::TextOptions&,
                              const std::vector<std::string>&, bool, DType) {
  throw_built_without_cuda("hash_documents");
}
}  // namespace franca
