// The model format: magic, format version, payload size, FNV-1a checksum, then the payload
// (estimator name, parameters as JSON, fitted flag, named host arrays). Every size and bound of a
// model read is checked: the bytes are untrusted.
#include <algorithm>
#include <cstring>

#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/registry.hpp"
#include "core/serialize.hpp"

namespace franca {

namespace {

constexpr char kMagic[8] = {'F', 'R', 'A', 'N', 'C', 'A', 'M', '\x01'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint32_t kMaxDims = 8;

// Runs a step of loading on the model read so far: whatever it refuses (a parameter out of range,
// an attribute missing, of the wrong shape) says the bytes are not a valid model.
template <class Body>
void expect_valid_model(const char* part, Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (e.status() == Status::corrupt_model) throw;
    FRANCA_FAIL(Status::corrupt_model, "model bytes: invalid {}: {}", part, e.what());
  }
}

}  // namespace

std::vector<std::uint8_t> Estimator::save() const {
  ByteWriter payload;
  payload.put_string(spec().name);
  payload.put_string(dump_params_json(get_params()));
  payload.put<std::uint8_t>(fitted_ ? 1 : 0);
  payload.put<std::uint32_t>(static_cast<std::uint32_t>(attributes_.size()));
  for (const auto& [name, a] : attributes_) {
    payload.put_string(name);
    payload.put<std::uint8_t>(static_cast<std::uint8_t>(a.dtype));
    payload.put<std::uint32_t>(static_cast<std::uint32_t>(a.ndim()));
    for (auto d : a.shape) payload.put<std::int64_t>(d);
    payload.put_bytes(a.data, a.nbytes());
  }
  ByteWriter out;
  out.put_bytes(kMagic, sizeof(kMagic));
  out.put<std::uint32_t>(kFormatVersion);
  out.put<std::uint64_t>(payload.bytes().size());
  out.put<std::uint64_t>(fnv1a64(payload.bytes().data(), payload.bytes().size()));
  out.put_bytes(payload.bytes().data(), payload.bytes().size());
  return std::move(out.bytes());
}

std::unique_ptr<Estimator> Estimator::load(const std::uint8_t* bytes, std::size_t size) {
  ByteReader header(bytes, size);
  FRANCA_EXPECTS_STATUS(std::memcmp(header.take(sizeof(kMagic), "the magic number"), kMagic, sizeof(kMagic)) == 0,
                        Status::corrupt_model, "model bytes: not a franca model (bad magic number)");
  const auto version = header.get<std::uint32_t>("the format version");
  FRANCA_EXPECTS_STATUS(version == kFormatVersion, Status::corrupt_model,
                        "model bytes: format version {} is not supported (this franca reads version {})", version,
                        kFormatVersion);
  const auto payload_size = header.get<std::uint64_t>("the payload size");
  const auto checksum = header.get<std::uint64_t>("the checksum");
  FRANCA_EXPECTS_STATUS(payload_size == header.remaining(), Status::corrupt_model,
                        "model bytes: the payload should be {} bytes but {} follow the header (truncated?)",
                        payload_size, header.remaining());
  const std::uint8_t* payload = header.take(static_cast<std::size_t>(payload_size), "the payload");
  FRANCA_EXPECTS_STATUS(fnv1a64(payload, static_cast<std::size_t>(payload_size)) == checksum, Status::corrupt_model,
                        "model bytes: checksum mismatch (the bytes were corrupted)");

  ByteReader in(payload, static_cast<std::size_t>(payload_size));
  const std::string name = in.get_string("the estimator name");
  const auto& registry = estimator_registry();
  auto spec = registry.find(name);
  FRANCA_EXPECTS_STATUS(spec != registry.end(), Status::corrupt_model, "model bytes: unknown estimator '{}'", name);
  auto estimator = spec->second->create(*spec->second);
  const std::string params = in.get_string("the parameters");
  expect_valid_model("parameters", [&] { estimator->set_params(parse_params_json(params, "model parameters")); });
  const bool fitted = in.get<std::uint8_t>("the fitted flag") == 1;
  const auto n_attributes = in.get<std::uint32_t>("the attribute count");
  for (std::uint32_t k = 0; k < n_attributes; ++k) {
    std::string attr = in.get_string("an attribute name");
    const auto dtype_code = in.get<std::uint8_t>("an attribute dtype");
    FRANCA_EXPECTS_STATUS(dtype_code <= static_cast<std::uint8_t>(DType::int8), Status::corrupt_model,
                          "model bytes: attribute '{}' has an unknown dtype {}", attr, dtype_code);
    const auto dtype = static_cast<DType>(dtype_code);
    const auto ndim = in.get<std::uint32_t>("an attribute rank");
    FRANCA_EXPECTS_STATUS(ndim <= kMaxDims, Status::corrupt_model, "model bytes: attribute '{}' has {} dimensions",
                          attr, ndim);
    std::vector<std::int64_t> shape(ndim);
    std::uint64_t count = 1;
    for (auto& d : shape) {
      d = in.get<std::int64_t>("an attribute shape");
      FRANCA_EXPECTS_STATUS(d >= 0 && (d == 0 || count <= in.remaining() / static_cast<std::uint64_t>(d)),
                            Status::corrupt_model, "model bytes: attribute '{}' has an impossible shape", attr);
      count *= static_cast<std::uint64_t>(d);
    }
    const std::size_t nbytes = static_cast<std::size_t>(count) * dtype_size(dtype);
    const std::uint8_t* data = in.take(nbytes, "attribute data");
    Array a = Array::empty(default_context(), Device::cpu(), dtype, shape);
    std::memcpy(a.data, data, nbytes);
    estimator->attributes_[attr] = std::move(a);
  }
  FRANCA_EXPECTS_STATUS(in.remaining() == 0, Status::corrupt_model, "model bytes: {} unexpected trailing bytes",
                        in.remaining());
  estimator->fitted_ = fitted;
  if (fitted) {
    // Fitting on numeric input records n_features_in_; an estimator of documents has none.
    const auto& inputs = spec->second->inputs;
    if (std::any_of(inputs.begin(), inputs.end(), [](Matrix::Kind k) { return k != Matrix::Kind::strings; })) {
      estimator->expect_attribute("n_features_in_", DType::int64, {});
      FRANCA_EXPECTS_STATUS(estimator->n_features_in() >= 0, Status::corrupt_model,
                            "model bytes: negative n_features_in_");
    }
    expect_valid_model("fitted state", [&] { estimator->check_state(); });
  } else {
    FRANCA_EXPECTS_STATUS(n_attributes == 0, Status::corrupt_model, "model bytes: an unfitted model has attributes");
  }
  return estimator;
}

}  // namespace franca
