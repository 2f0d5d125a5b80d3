// Context: where and how work runs. The first argument of every internal call.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/device.hpp"

namespace franca {

class Context {
 public:
  enum class Placement { automatic, cpu, cuda };

  Context() = default;
  // "auto", "cpu", "cuda" or "cuda:N".
  explicit Context(const std::string& device);
  Context(const Context& other);

  // The device that work on data living on `data_device` runs on. Work never silently moves
  // data between devices: asking for another device than the data's is an error.
  Device resolve(Device data_device, const char* argument) const;

  void* stream() const { return stream_; }
  void set_stream(void* stream) { stream_ = stream; }
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t seed) { seed_ = seed; }
  // The number of CPU threads to use (at least 1).
  int threads() const;
  void set_threads(int n_threads);
  // A copy that runs on `n_threads` threads (n_jobs: -1 all cores, 0 or below -1 this context's)
  // and is cancelled with this context, which must outlive it.
  Context with_jobs(std::int64_t n_jobs) const;

  void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
  void reset_cancel() noexcept { cancelled_.store(false, std::memory_order_relaxed); }
  // Throws Status::cancelled if cancel() was called; fits call it between iterations.
  void check_cancelled() const;

  std::string device_string() const;

  // Progress of long work, reported between its steps (trees grown, solver iterations, folds) to
  // a callback set by the caller: at most ten times a second besides the last step, and nothing
  // at all (one test of a pointer) without one.
  using ProgressCallback = void (*)(const char* task, std::int64_t done, std::int64_t total, void* user_data);
  void set_progress(ProgressCallback callback, void* user_data) {
    progress_ = callback;
    progress_user_data_ = user_data;
  }
  bool reports_progress() const { return progress_ != nullptr; }
  void report_progress(const char* task, std::int64_t done, std::int64_t total) const {
    if (progress_) report_progress_throttled(task, done, total);
  }

 private:
  void report_progress_throttled(const char* task, std::int64_t done, std::int64_t total) const;

  Placement placement_ = Placement::automatic;
  int cuda_id_ = -1;  // -1: the current device
  void* stream_ = nullptr;
  std::uint64_t seed_ = 0;
  int threads_ = 0;
  std::atomic<bool> cancelled_{false};
  const Context* cancelled_with_ = nullptr;
  ProgressCallback progress_ = nullptr;
  void* progress_user_data_ = nullptr;
  // Atomic: a C caller may share one context between fits on several threads.
  mutable std::atomic<std::int64_t> last_report_ns_{0};
};

// The context used where the C API is given NULL.
Context& default_context();

}  // namespace franca
