#include <stdexcept>

#include "common/device_memory.hpp"

namespace franca::test {
int cuda_device_count() { return 0; }
void* cuda_upload(const void*, std::size_t) { throw std::runtime_error("tests built without CUDA"); }
void cuda_download(void*, const void*, std::size_t) { throw std::runtime_error("tests built without CUDA"); }
void cuda_release(void*) {}
}  // namespace franca::test
