// The exception hierarchy: one class whose status says the kind of error. Exceptions stop at
// capi/, which turns them into a franca_status and a thread-local message.
// This header has no fmt dependency so that CUDA translation units can include it.
#pragma once

#include <stdexcept>
#include <string>

namespace franca {

// Mirrors franca_status in include/franca/franca.h.
enum class Status : int {
  ok = 0,
  invalid_argument = 1,
  type = 2,
  out_of_memory = 3,
  not_fitted = 4,
  not_found = 5,
  not_implemented = 6,
  device = 7,
  corrupt_model = 8,
  cancelled = 9,
  internal = 10,
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

[[noreturn]] inline void throw_error(Status status, const std::string& message) { throw Error(status, message); }

}  // namespace franca
