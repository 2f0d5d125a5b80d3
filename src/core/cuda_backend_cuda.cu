#include <map>

#include "core/cuda_backend.hpp"
#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"

namespace franca::cuda {

bool compiled() { return true; }

int device_count() {
  int count = 0;
  // No driver (cudaErrorInsufficientDriver) or no device (cudaErrorNoDevice) both mean "no
  // device"; neither is an error.
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

RuntimeInfo runtime_info() {
  RuntimeInfo info{true, 0, 0, {}};
  if (cudaRuntimeGetVersion(&info.runtime_version) != cudaSuccess) info.runtime_version = 0;
  if (cudaDriverGetVersion(&info.driver_version) != cudaSuccess) info.driver_version = 0;
  cudaGetLastError();
  const int count = device_count();
  for (int id = 0; id < count; ++id) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, id) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    info.devices.push_back({id, prop.name, prop.major, prop.minor, prop.totalGlobalMem});
  }
  return info;
}

int current_device() {
  int device = 0;
  FRANCA_CUDA_TRY(cudaGetDevice(&device));
  return device;
}

DeviceGuard::DeviceGuard(int device) {
  FRANCA_CUDA_TRY(cudaGetDevice(&previous_));
  if (previous_ != device) FRANCA_CUDA_TRY(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  int now = -1;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

void* allocate(std::size_t bytes, int device, void* stream) {
  DeviceGuard guard(device);
  void* ptr = nullptr;
  FRANCA_CUDA_TRY(cudaMallocAsync(&ptr, bytes, static_cast<cudaStream_t>(stream)));
  return ptr;
}

void deallocate(void* ptr, int device, void* stream) noexcept {
  int previous = -1;
  if (cudaGetDevice(&previous) != cudaSuccess) return;
  if (previous != device) cudaSetDevice(device);
  // A deleter cannot report an error; freeing during process exit may fail harmlessly.
  if (cudaFreeAsync(ptr, static_cast<cudaStream_t>(stream)) != cudaSuccess) cudaGetLastError();
  if (previous != device) cudaSetDevice(previous);
}

void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, int device, void* stream) {
  DeviceGuard guard(device);
  const cudaMemcpyKind direction = kind == CopyKind::host_to_device   ? cudaMemcpyHostToDevice
                                   : kind == CopyKind::device_to_host ? cudaMemcpyDeviceToHost
                                                                      : cudaMemcpyDeviceToDevice;
  auto s = static_cast<cudaStream_t>(stream);
  FRANCA_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, direction, s));
  if (kind == CopyKind::device_to_host) FRANCA_CUDA_TRY(cudaStreamSynchronize(s));
}

void synchronize(int device, void* stream) {
  DeviceGuard guard(device);
  FRANCA_CUDA_TRY(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

namespace {

struct ThreadHandles {
  std::map<int, cublasHandle_t> cublas;
  std::map<int, cusparseHandle_t> cusparse;
  ~ThreadHandles() {
    // Destroying after the driver has shut down fails harmlessly; ignore the status.
    for (auto& [device, h] : cublas) cublasDestroy(h);
    for (auto& [device, h] : cusparse) cusparseDestroy(h);
  }
};

thread_local ThreadHandles handles;

}  // namespace

// The calling thread's handle for `device`, made on first use with `create`.
template <class Handle, class Create>
Handle thread_handle(std::map<int, Handle>& handles_of_thread, int device, Create&& create) {
  auto it = handles_of_thread.find(device);
  if (it == handles_of_thread.end()) {
    DeviceGuard guard(device);
    it = handles_of_thread.emplace(device, create()).first;
  }
  return it->second;
}

cublasHandle_t cublas_handle(const Context& ctx, int device) {
  cublasHandle_t h = thread_handle(handles.cublas, device, [] {
    cublasHandle_t created = nullptr;
    FRANCA_CUBLAS_TRY(cublasCreate(&created));
    return created;
  });
  FRANCA_CUBLAS_TRY(cublasSetStream(h, stream_of(ctx)));
  return h;
}

cusparseHandle_t cusparse_handle(const Context& ctx, int device) {
  cusparseHandle_t h = thread_handle(handles.cusparse, device, [] {
    cusparseHandle_t created = nullptr;
    FRANCA_CUSPARSE_TRY(cusparseCreate(&created));
    return created;
  });
  FRANCA_CUSPARSE_TRY(cusparseSetStream(h, stream_of(ctx)));
  return h;
}

}  // namespace franca::cuda
