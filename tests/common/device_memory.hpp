// Test-only device memory, so that one test body can hand franca host or CUDA tensors.
#pragma once

#include <cstddef>

namespace franca::test {

int cuda_device_count();
void* cuda_upload(const void* host, std::size_t bytes);
void cuda_download(void* host, const void* device, std::size_t bytes);
void cuda_release(void* device);

}  // namespace franca::test
