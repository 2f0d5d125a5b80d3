// core/model_format.cpp: a model image is untrusted input, and every way its fitted state can be
// inconsistent is corrupt_model, whatever the estimator's check_state finds first.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/estimator.hpp"
#include "core/serialize.hpp"

namespace franca::test {
namespace {

// The image of a fitted `name` at its default parameters with these fitted attributes, laid out
// as Estimator::save lays it out.
std::vector<std::uint8_t> fitted_image(const std::string& name, const std::map<std::string, Array>& attributes) {
  ByteWriter payload;
  payload.put_string(name);
  payload.put_string("{}");
  payload.put<std::uint8_t>(1);
  payload.put<std::uint32_t>(static_cast<std::uint32_t>(attributes.size()));
  for (const auto& [attribute, a] : attributes) {
    payload.put_string(attribute);
    payload.put<std::uint8_t>(static_cast<std::uint8_t>(a.dtype));
    payload.put<std::uint32_t>(static_cast<std::uint32_t>(a.ndim()));
    for (auto d : a.shape) payload.put<std::int64_t>(d);
    payload.put_bytes(a.data, a.nbytes());
  }
  ByteWriter image;
  image.put_bytes("FRANCAM\x01", 8);
  image.put<std::uint32_t>(1);
  image.put<std::uint64_t>(payload.bytes().size());
  image.put<std::uint64_t>(fnv1a64(payload.bytes().data(), payload.bytes().size()));
  image.put_bytes(payload.bytes().data(), payload.bytes().size());
  return std::move(image.bytes());
}

Status load_status(const std::vector<std::uint8_t>& image, std::string& message) {
  try {
    Estimator::load(image.data(), image.size());
  } catch (const Error& e) {
    message = e.what();
    return e.status();
  }
  return Status::ok;
}

TEST(ModelFormat, AMissingAttributeIsACorruptModel) {
  const Array n_features = Array::from_host(std::vector<std::int64_t>{3}, {});
  const Array coef = Array::from_host(std::vector<double>{1, 2, 3}, {3});
  const Array intercept = Array::from_host(std::vector<double>{0.5}, {});
  std::string message;
  ASSERT_EQ(
      load_status(fitted_image("Ridge", {{"n_features_in_", n_features}, {"coef_", coef}, {"intercept_", intercept}}),
                  message),
      Status::ok)
      << message;
  for (const char* missing : {"coef_", "intercept_"}) {
    std::map<std::string, Array> attributes = {
        {"n_features_in_", n_features}, {"coef_", coef}, {"intercept_", intercept}};
    attributes.erase(missing);
    EXPECT_EQ(load_status(fitted_image("Ridge", attributes), message), Status::corrupt_model)
        << missing << ": " << message;
    EXPECT_NE(message.find(missing), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace franca::test
