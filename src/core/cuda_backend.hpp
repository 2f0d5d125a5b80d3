// The runtime services of the CUDA backend, with no CUDA type in sight, so that code compiled
// by the host compiler can use them. cuda_backend_cuda.cu implements them; a build without
// CUDA compiles cuda_backend_nocuda.cpp instead, whose functions report that no device
// exists or throw "built without CUDA".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace franca::cuda {

struct DeviceInfo {
  int id;
  std::string name;
  int major;
  int minor;
  std::size_t total_memory;
};

struct RuntimeInfo {
  bool compiled;
  int runtime_version;  // 0 when unknown
  int driver_version;   // 0 when no driver is installed
  std::vector<DeviceInfo> devices;
};

enum class CopyKind { host_to_device, device_to_host, device_to_device };

bool compiled();
// 0 when built without CUDA, without a driver, or without a device: never an error.
int device_count();
RuntimeInfo runtime_info();
int current_device();

// Stream-ordered allocation on `stream` of `device` (cudaMallocAsync).
void* allocate(std::size_t bytes, int device, void* stream);
void deallocate(void* ptr, int device, void* stream) noexcept;
// Copies, ordered on `stream`; a copy to the host returns once the bytes are there.
void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, int device, void* stream);
void synchronize(int device, void* stream);

}  // namespace franca::cuda
