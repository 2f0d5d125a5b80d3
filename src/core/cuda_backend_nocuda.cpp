// The CUDA runtime services of a build without CUDA: no device exists, and anything that
// would touch one says that franca was built without CUDA.
#include "core/cuda_backend.hpp"
#include "core/error.hpp"

namespace franca::cuda {

namespace {
[[noreturn]] void built_without_cuda() {
  throw_error(Status::not_implemented, "franca was built without CUDA (configure with -DFRANCA_CUDA=ON)");
}
}  // namespace

bool compiled() { return false; }
int device_count() { return 0; }
RuntimeInfo runtime_info() { return {false, 0, 0, {}}; }
int current_device() { built_without_cuda(); }
void* allocate(std::size_t, int, void*) { built_without_cuda(); }
void deallocate(void*, int, void*) noexcept {}
void copy(void*, const void*, std::size_t, CopyKind, int, void*) { built_without_cuda(); }
void synchronize(int, void*) { built_without_cuda(); }

}  // namespace franca::cuda
