// For the *_nocuda.cpp units a build without CUDA compiles in place of the *_cuda.cu ones.
#pragma once

#include <string>

#include "core/error.hpp"

namespace franca {

[[noreturn]] inline void throw_built_without_cuda(const char* what) {
  throw_error(Status::not_implemented,
              std::string(what) + ": franca was built without CUDA (configure with -DFRANCA_CUDA=ON)");
}

}  // namespace franca
