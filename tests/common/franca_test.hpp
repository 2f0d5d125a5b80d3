// Helpers for tests that drive franca through its C ABI, on every compiled device.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/device_memory.hpp"
#include "franca/franca.h"

namespace franca::test {

template <class T>
DLDataType dl_dtype();
template <>
inline DLDataType dl_dtype<float>() {
  return {kDLFloat, 32, 1};
}
template <>
inline DLDataType dl_dtype<double>() {
  return {kDLFloat, 64, 1};
}
template <>
inline DLDataType dl_dtype<std::int32_t>() {
  return {kDLInt, 32, 1};
}
template <>
inline DLDataType dl_dtype<std::int64_t>() {
  return {kDLInt, 64, 1};
}
template <>
inline DLDataType dl_dtype<std::uint8_t>() {
  return {kDLUInt, 8, 1};
}

// A tensor holding a copy of host values on the test's device ("cpu" or "cuda").
class Tensor {
 public:
  template <class T>
  Tensor(const std::string& device, const std::vector<T>& values, std::vector<std::int64_t> shape,
         std::vector<std::int64_t> strides = {})
      : shape_(std::move(shape)), strides_(std::move(strides)), host_(values.size() * sizeof(T)) {
    if (!host_.empty()) std::memcpy(host_.data(), values.data(), host_.size());
    t_.ndim = static_cast<std::int32_t>(shape_.size());
    t_.shape = shape_.data();
    t_.strides = strides_.empty() ? nullptr : strides_.data();
    t_.dtype = dl_dtype<T>();
    t_.byte_offset = 0;
    if (device == "cuda") {
      device_ = cuda_upload(host_.data(), host_.size());
      t_.data = device_;
      t_.device = {kDLCUDA, 0};
    } else {
      t_.data = host_.data();
      t_.device = {kDLCPU, 0};
    }
  }
  ~Tensor() {
    if (device_) cuda_release(device_);
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  DLTensor* get() { return &t_; }
  DLTensor& dl() { return t_; }

 private:
  std::vector<std::int64_t> shape_;
  std::vector<std::int64_t> strides_;
  std::vector<unsigned char> host_;
  void* device_ = nullptr;
  DLTensor t_{};
};

// Fails the test with the library's message unless `status` is FRANCA_OK.
#define FRANCA_ASSERT_OK(call)                                                         \
  do {                                                                                 \
    const int franca_test_status_ = (call);                                            \
    ASSERT_EQ(franca_test_status_, FRANCA_OK) << #call << ": " << franca_last_error(); \
  } while (0)

// Asserts that `call` fails with `status` and a message containing `fragment`.
#define FRANCA_ASSERT_ERROR(call, status, fragment)                                           \
  do {                                                                                        \
    const int franca_test_status_ = (call);                                                   \
    EXPECT_EQ(franca_test_status_, (status)) << #call << ": " << franca_last_error();         \
    EXPECT_NE(std::string(franca_last_error()).find(fragment), std::string::npos)             \
        << "message '" << franca_last_error() << "' does not mention '" << (fragment) << "'"; \
  } while (0)

struct MatrixDeleter {
  void operator()(franca_matrix m) const { franca_matrix_free(m); }
};
struct EstimatorDeleter {
  void operator()(franca_estimator e) const { franca_estimator_free(e); }
};
using MatrixPtr = std::unique_ptr<franca_matrix_s, MatrixDeleter>;
using EstimatorPtr = std::unique_ptr<franca_estimator_s, EstimatorDeleter>;

inline MatrixPtr dense(DLTensor* t) {
  franca_matrix m = nullptr;
  EXPECT_EQ(franca_matrix_dense(t, &m), FRANCA_OK) << franca_last_error();
  return MatrixPtr(m);
}

inline EstimatorPtr estimator(const std::string& name, const std::string& params = "{}") {
  franca_estimator e = nullptr;
  EXPECT_EQ(franca_estimator_create(name.c_str(), &e), FRANCA_OK) << franca_last_error();
  EXPECT_EQ(franca_estimator_set_params(e, params.c_str()), FRANCA_OK) << franca_last_error();
  return EstimatorPtr(e);
}

// Element i of host memory holding values of DLPack dtype dt, as a double.
inline double element_as_double(const void* data, DLDataType dt, std::size_t i) {
  if (dt.code == kDLFloat)
    return dt.bits == 32 ? static_cast<const float*>(data)[i] : static_cast<const double*>(data)[i];
  if (dt.code == kDLUInt && dt.bits == 8) return static_cast<const std::uint8_t*>(data)[i];
  if (dt.code == kDLInt && dt.bits == 8) return static_cast<const std::int8_t*>(data)[i];
  if (dt.bits == 32) return static_cast<const std::int32_t*>(data)[i];
  return static_cast<double>(static_cast<const std::int64_t*>(data)[i]);
}

// A part of a matrix franca returned, copied to host float64 values (whatever the dtype and
// device).
inline std::vector<double> values_of(franca_matrix m, int part = FRANCA_PART_VALUES) {
  DLManagedTensor* t = nullptr;
  EXPECT_EQ(franca_matrix_export(m, part, &t), FRANCA_OK) << franca_last_error();
  if (!t) return {};
  std::int64_t n = 1;
  for (int i = 0; i < t->dl_tensor.ndim; ++i) n *= t->dl_tensor.shape[i];
  const std::size_t bytes = static_cast<std::size_t>(n) * t->dl_tensor.dtype.bits / 8;
  std::vector<unsigned char> raw(bytes);
  // an empty tensor's data may be NULL, which memcpy may not be given even for 0 bytes
  if (bytes > 0 && t->dl_tensor.device.device_type == kDLCUDA) {
    cuda_download(raw.data(), t->dl_tensor.data, bytes);
  } else if (bytes > 0) {
    std::memcpy(raw.data(), t->dl_tensor.data, bytes);
  }
  std::vector<double> out(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = element_as_double(raw.data(), t->dl_tensor.dtype, i);
  t->deleter(t);
  return out;
}

inline std::vector<double> attribute_of(franca_estimator e, const char* name) {
  DLManagedTensor* t = nullptr;
  EXPECT_EQ(franca_estimator_get_attribute(e, name, &t), FRANCA_OK) << franca_last_error();
  if (!t) return {};
  std::int64_t n = 1;
  for (int i = 0; i < t->dl_tensor.ndim; ++i) n *= t->dl_tensor.shape[i];
  std::vector<double> out(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = element_as_double(t->dl_tensor.data, t->dl_tensor.dtype, i);
  t->deleter(t);
  return out;
}

// Random normal values from a fixed seed.
inline std::vector<double> normal(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist;
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

template <class To>
std::vector<To> cast(const std::vector<double>& v) {
  return std::vector<To>(v.begin(), v.end());
}

// A row-major host matrix X (rows x cols) handed to franca on `device` in one of the layouts
// the estimators accept: "row-major", "column-major" (dense, values of dtype T) or "csr" (its
// non-zeros, index type I). Owns the tensors the matrix borrows.
template <class T, class I>
class LaidOutMatrix {
 public:
  LaidOutMatrix(const std::string& device, const std::vector<double>& X, std::int64_t rows, std::int64_t cols,
                const std::string& layout) {
    if (layout == "csr") {
      std::vector<I> indptr{0}, indices;
      std::vector<T> data;
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j)
          if (X[i * cols + j] != 0)
            indices.push_back(static_cast<I>(j)), data.push_back(static_cast<T>(X[i * cols + j]));
        indptr.push_back(static_cast<I>(indices.size()));
      }
      const auto nnz = static_cast<std::int64_t>(indices.size());
      parts_.push_back(std::make_unique<Tensor>(device, indptr, std::vector<std::int64_t>{rows + 1}));
      parts_.push_back(std::make_unique<Tensor>(device, indices, std::vector<std::int64_t>{nnz}));
      parts_.push_back(std::make_unique<Tensor>(device, data, std::vector<std::int64_t>{nnz}));
      franca_matrix raw = nullptr;
      EXPECT_EQ(franca_matrix_csr(parts_[0]->get(), parts_[1]->get(), parts_[2]->get(), rows, cols, &raw), FRANCA_OK)
          << franca_last_error();
      matrix_.reset(raw);
      return;
    }
    std::vector<double> values = X;
    std::vector<std::int64_t> strides;
    if (layout == "column-major") {
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) values[j * rows + i] = X[i * cols + j];
      strides = {1, rows};
    }
    parts_.push_back(std::make_unique<Tensor>(device, cast<T>(values), std::vector<std::int64_t>{rows, cols}, strides));
    matrix_ = dense(parts_[0]->get());
  }
  franca_matrix get() const { return matrix_.get(); }

 private:
  std::vector<std::unique_ptr<Tensor>> parts_;
  MatrixPtr matrix_;
};

// The parameter of device-parameterised tests: skips CUDA cases where no device exists.
class DeviceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda" && cuda_device_count() == 0) {
      GTEST_SKIP() << "no CUDA device (or franca built without CUDA): CUDA case skipped";
    }
  }
  const std::string& device() const { return GetParam(); }
};

#define FRANCA_INSTANTIATE_DEVICE_TESTS(suite) \
  INSTANTIATE_TEST_SUITE_P(, suite, ::testing::Values("cpu", "cuda"), [](const auto& info) { return info.param; })

}  // namespace franca::test
