#include "core/context.hpp"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "core/cuda_backend.hpp"
#include "core/expects.hpp"

namespace franca {

Context::Context(const std::string& device) {
  if (device == "auto") {
    placement_ = Placement::automatic;
  } else if (device == "cpu") {
    placement_ = Placement::cpu;
  } else if (device == "cuda" || device.rfind("cuda:", 0) == 0) {
    placement_ = Placement::cuda;
    if (device != "cuda") {
      const std::string id = device.substr(5);
      char* end = nullptr;
      const long parsed = std::strtol(id.c_str(), &end, 10);
      // Digits only: strtol alone would take "cuda: 1" and "cuda:+1".
      FRANCA_EXPECTS(!id.empty() && std::isdigit(static_cast<unsigned char>(id[0])) && *end == '\0' && parsed < 1 << 16,
                     "device: '{}' is not a valid device; expected 'auto', 'cpu', 'cuda' or 'cuda:N'", device);
      cuda_id_ = static_cast<int>(parsed);
    }
    const int count = cuda::device_count();
    FRANCA_EXPECTS_STATUS(cuda::compiled(), Status::not_implemented,
                          "device: '{}' was requested but franca was built without CUDA", device);
    FRANCA_EXPECTS_STATUS(count > 0, Status::device, "device: '{}' was requested but no CUDA device is available",
                          device);
    FRANCA_EXPECTS(cuda_id_ < count, "device: '{}' was requested but only {} CUDA device(s) exist", device, count);
  } else {
    FRANCA_FAIL(Status::invalid_argument,
                "device: '{}' is not a valid device; expected 'auto', 'cpu', 'cuda' or 'cuda:N'", device);
  }
}

Context::Context(const Context& other)
    : placement_(other.placement_),
      cuda_id_(other.cuda_id_),
      stream_(other.stream_),
      seed_(other.seed_),
      threads_(other.threads_),
      cancelled_(other.cancelled_.load()),
      cancelled_with_(other.cancelled_with_),
      progress_(other.progress_),
      progress_user_data_(other.progress_user_data_) {}

void Context::report_progress_throttled(const char* task, std::int64_t done, std::int64_t total) const {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (done < total && now - last_report_ns_.load(std::memory_order_relaxed) < 100'000'000) return;
  last_report_ns_.store(now, std::memory_order_relaxed);
  progress_(task, done, total, progress_user_data_);
}

Device Context::resolve(Device data_device, const char* argument) const {
  switch (placement_) {
    case Placement::automatic:
      return data_device;
    case Placement::cpu:
      FRANCA_EXPECTS_STATUS(data_device.is_cpu(), Status::type,
                            "{}: lives on {} but the context's device is cpu; franca does not copy between "
                            "devices silently: move the data to the host first",
                            argument, data_device.str());
      return data_device;
    case Placement::cuda: {
      const int want = cuda_id_ >= 0 ? cuda_id_ : cuda::current_device();
      FRANCA_EXPECTS_STATUS(data_device.is_cuda() && data_device.id == want, Status::type,
                            "{}: lives on {} but the context's device is cuda:{}; franca does not copy between "
                            "devices silently: move the data to that device first",
                            argument, data_device.str(), want);
      return data_device;
    }
  }
  return data_device;
}

int Context::threads() const { return threads_ > 0 ? threads_ : omp_get_num_procs(); }

void Context::set_threads(int n_threads) {
  FRANCA_EXPECTS(n_threads >= 0, "n_threads: must be >= 0 (0 means all cores), got {}", n_threads);
  threads_ = n_threads;
}

Context Context::with_jobs(std::int64_t n_jobs) const {
  Context copy(*this);
  copy.cancelled_with_ = this;
  if (n_jobs == -1) copy.threads_ = omp_get_num_procs();
  if (n_jobs > 0) copy.threads_ = static_cast<int>(std::min<std::int64_t>(n_jobs, omp_get_num_procs()));
  return copy;
}

void Context::check_cancelled() const {
  if (cancelled_with_) cancelled_with_->check_cancelled();
  if (cancelled_.load(std::memory_order_relaxed)) throw_error(Status::cancelled, "cancelled through franca_cancel()");
}

std::string Context::device_string() const {
  switch (placement_) {
    case Placement::automatic:
      return "auto";
    case Placement::cpu:
      return "cpu";
    case Placement::cuda:
      return cuda_id_ >= 0 ? "cuda:" + std::to_string(cuda_id_) : "cuda";
  }
  return "auto";
}

Context& default_context() {
  static Context context;
  return context;
}

}  // namespace franca
