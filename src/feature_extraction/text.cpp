// scikit-learn's text features: HashingVectorizer (UTF-8 documents -> hashed term counts) and
// TfidfTransformer (counts -> TF-IDF), giving the same sparse matrices as scikit-learn 1.2.
// docs/text.md lists the parameters and what is not implemented.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "feature_extraction/english_stop_words.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/text_hash.hpp"

namespace franca {

namespace {

ParamSpec norm_param(const char* doc) {
  ParamSpec p{"norm", kNull | kString, "l2", doc};
  p.choices = {"l1", "l2"};
  return p;
}

// Normalises the rows of `out` (which franca owns) as the `norm` parameter says.
void apply_norm(const Context& ctx, const Params& params, const CsrMatrix& out) {
  if (params.is_null("norm")) return;
  csr_normalize_rows(ctx, out, params.string("norm") == "l1" ? RowNorm::l1 : RowNorm::l2);
}

// A parameter whose only honoured value is `value`; the Python binding does the others itself.
ParamSpec only_value_param(const std::string& name, unsigned kinds, const json& value, const std::string& doc) {
  ParamSpec p{name, kinds, value, doc};
  p.check = [name, value](const json& v) {
    FRANCA_EXPECTS_STATUS(v == value, Status::not_implemented,
                          "parameter '{}': only {} is implemented in franca's C++ code, got {} (the Python "
                          "binding computes other values in Python)",
                          name, value.dump(), v.dump());
  };
  return p;
}

constexpr const char* kTokenPattern = R"((?u)\b\w\w+\b)";

class HashingVectorizer final : public Estimator {
 public:
  using Estimator::Estimator;

 protected:
  // Stateless: fitting only checks the input (the base class did) and the parameters.
  void fit_impl(const Context&, const Matrix&, const Array*, const Array*) override { options(); }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    const bool binary = params().boolean("binary");
    const DType dtype = params().string("dtype") == "float32" ? DType::float32 : DType::float64;
    CsrMatrix out = hash_documents(ctx, X.strings, options(), stop_words(), binary, dtype);
    apply_norm(ctx, params(), out);
    return Matrix::from_csr(std::move(out));
  }

  void check_state() const override {}

 private:
  text::TextOptions options() const {
    text::TextOptions o;
    o.n_features = static_cast<std::int32_t>(params().integer("n_features"));
    const std::string analyzer = params().string("analyzer");
    o.analyzer = analyzer == "word"   ? text::Analyzer::word
                 : analyzer == "char" ? text::Analyzer::char_ngram
                                      : text::Analyzer::char_wb;
    const json& range = params().get("ngram_range");
    o.min_n = range[0].get<std::int32_t>();
    o.max_n = range[1].get<std::int32_t>();
    o.lowercase = params().boolean("lowercase");
    const json& strip = params().get("strip_accents");
    o.strip_accents = strip.is_null()                       ? text::StripAccents::none
                      : strip.get<std::string>() == "ascii" ? text::StripAccents::ascii
                                                            : text::StripAccents::unicode;
    const std::string decode_error = params().string("decode_error");
    o.decode_error = decode_error == "strict"   ? text::DecodeError::strict
                     : decode_error == "ignore" ? text::DecodeError::ignore
                                                : text::DecodeError::replace;
    o.alternate_sign = params().boolean("alternate_sign");
    return o;
  }

  // Sorted bytewise and distinct, as text::is_stop_word needs; empty for the char analyzers,
  // which scikit-learn does not filter.
  std::vector<std::string> stop_words() const {
    std::vector<std::string> words;
    const json& value = params().get("stop_words");
    if (value.is_null() || params().string("analyzer") != "word") return words;
    if (value.is_string()) {
      words.assign(std::begin(kEnglishStopWords), std::end(kEnglishStopWords));
    } else {
      for (const auto& w : value) words.push_back(w.get<std::string>());
    }
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    return words;
  }
};

const EstimatorSpec& hashing_vectorizer_spec() {
  static const EstimatorSpec spec = [] {
    ParamSpec ngram_range{"ngram_range", kArray, json::array({1, 1}),
                          "[min_n, max_n]: the n-grams extracted have min_n <= n <= max_n (words or characters)."};
    ngram_range.check = [](const json& v) {
      const bool pair = v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer();
      FRANCA_EXPECTS_STATUS(pair, Status::type,
                            "parameter 'ngram_range': expected [min_n, max_n] of two integers, got {}", v.dump());
      const auto lo = v[0].get<std::int64_t>(), hi = v[1].get<std::int64_t>();
      FRANCA_EXPECTS(lo >= 1 && lo <= hi,
                     "parameter 'ngram_range': invalid value {}; lower boundary larger than the upper boundary or "
                     "below 1",
                     v.dump());
      FRANCA_EXPECTS_STATUS(hi <= text::kMaxNgram, Status::not_implemented,
                            "parameter 'ngram_range': n-grams longer than {} are not implemented, got {}",
                            text::kMaxNgram, v.dump());
    };
    ParamSpec stop_words{"stop_words", kNull | kString | kArray, nullptr,
                         "'english' (scikit-learn's list), a list of words, or None. Tokens equal to a stop word "
                         "(after preprocessing) are dropped before word n-grams are formed; ignored by the char "
                         "analyzers."};
    stop_words.choices = {"english"};
    stop_words.check = [](const json& v) {
      if (!v.is_array()) return;
      for (const auto& w : v) {
        FRANCA_EXPECTS_STATUS(w.is_string(), Status::type, "parameter 'stop_words': expected a list of strings, got {}",
                              w.dump());
      }
    };
    ParamSpec strip_accents{"strip_accents", kNull | kString, nullptr,
                            "'ascii', 'unicode' or None: remove accents (NFKD, then drop combining characters, or "
                            "everything outside ASCII) after lowercasing."};
    strip_accents.choices = {"ascii", "unicode"};
    ParamSpec analyzer{"analyzer", kString, "word",
                       "'word' (n-grams of tokens), 'char' (n-grams of characters) or 'char_wb' (character "
                       "n-grams within white-space separated words, padded with a space)."};
    analyzer.choices = {"word", "char", "char_wb"};
    ParamSpec decode_error{"decode_error", kString, "strict",
                           "What invalid UTF-8 does: 'strict' (an error naming the document), 'ignore' (drop the "
                           "ill-formed bytes) or 'replace' (U+FFFD), as Python's bytes.decode."};
    decode_error.choices = {"strict", "ignore", "replace"};
    ParamSpec dtype{"dtype", kString, "float64", "The output's dtype: 'float64' or 'float32'."};
    dtype.choices = {"float32", "float64"};
    ParamSpec n_features{"n_features", kInt, 1 << 20, "The number of columns of the output (hash buckets)."};
    n_features.minimum = 1;
    n_features.maximum = 2147483647;
    EstimatorSpec s{
        "HashingVectorizer",
        EstimatorKind::transformer,
        "Convert a column of UTF-8 documents to a sparse matrix of hashed token occurrences "
        "(MurmurHash3_x86_32, seed 0), as scikit-learn's HashingVectorizer.",
        {only_value_param("input", kString, "content",
                          "'content': X holds the documents themselves (reading files is left to the caller)."),
         only_value_param("encoding", kString, "utf-8", "The documents' encoding: 'utf-8'."),
         decode_error,
         strip_accents,
         {"lowercase", kBool, true, "Convert the documents to lowercase (Python's str.lower()) before tokenizing."},
         only_value_param("preprocessor", kNull | kString, nullptr,
                          "None; a callable is applied by the Python binding."),
         only_value_param("tokenizer", kNull | kString, nullptr, "None; a callable is applied by the Python binding."),
         stop_words,
         only_value_param("token_pattern", kNull | kString, kTokenPattern,
                          "The default r\"(?u)\\b\\w\\w+\\b\" (runs of two or more Unicode word characters); another "
                          "pattern is applied by the Python binding."),
         ngram_range,
         analyzer,
         n_features,
         {"binary", kBool, false, "Set every stored value to 1 (before normalising)."},
         norm_param("'l2', 'l1' or None: normalise each row to unit norm."),
         {"alternate_sign", kBool, true, "Give each feature the sign of its hash, so that collisions tend to cancel."},
         dtype},
        {{"transform", "Hash the documents of X to a CSR matrix of len(X) x n_features."}},
        {},
        {Matrix::Kind::strings},
        false,
        make_estimator<HashingVectorizer>};
    return s;
  }();
  return spec;
}

class TfidfTransformer final : public Estimator {
 public:
  using Estimator::Estimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array*) override {
    const CsrMatrix m = contiguous(ctx, X.csr);
    csr_check(ctx, m);
    if (!params().boolean("use_idf")) return;
    const std::vector<std::int64_t> df = csr_column_counts(ctx, m);
    // As scikit-learn: idf = ln((1 + n) / (1 + df)) + 1 with smoothing (as if one more document
    // held every term), ln(n / df) + 1 without (infinite for a term in no document).
    const double smooth = params().boolean("smooth_idf") ? 1.0 : 0.0;
    const double n = static_cast<double>(m.rows) + smooth;
    std::vector<double> idf(df.size());
    for (std::size_t j = 0; j < df.size(); ++j) idf[j] = std::log(n / (static_cast<double>(df[j]) + smooth)) + 1.0;
    set_attribute(ctx, "idf_", Array::from_host(idf, {m.cols}));
  }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    const CsrMatrix m = contiguous(ctx, X.csr);
    csr_check(ctx, m);
    Array idf;
    if (params().boolean("use_idf")) {
      FRANCA_EXPECTS_STATUS(has_attribute("idf_"), Status::not_fitted,
                            "TfidfTransformer: idf vector is not fitted (fitted with use_idf=False)");
      idf = attribute_on(ctx, "idf_", m.data.device, DType::float64);
    }
    CsrMatrix out = csr_scale_columns(ctx, m, idf.data ? &idf : nullptr, params().boolean("sublinear_tf"));
    apply_norm(ctx, params(), out);
    return Matrix::from_csr(std::move(out));
  }

  void check_state() const override {
    if (has_attribute("idf_")) expect_attribute("idf_", DType::float64, {n_features_in()});
  }

 private:
  static CsrMatrix contiguous(const Context& ctx, const CsrMatrix& m) {
    CsrMatrix c = m;
    c.indptr = to_device(ctx, m.indptr, m.data.device);
    c.indices = to_device(ctx, m.indices, m.data.device);
    c.data = to_device(ctx, m.data, m.data.device);
    return c;
  }
};

const EstimatorSpec& tfidf_transformer_spec() {
  static const EstimatorSpec spec{
      "TfidfTransformer",
      EstimatorKind::transformer,
      "Transform a CSR matrix of term counts to TF-IDF: tf (or 1 + log(tf)) times idf_, rows normalised, as "
      "scikit-learn's TfidfTransformer.",
      {norm_param("'l2', 'l1' or None: normalise each output row to unit norm."),
       {"use_idf", kBool, true, "Multiply by the inverse document frequency idf_."},
       {"smooth_idf", kBool, true, "Add one to document frequencies, as if an extra document held every term."},
       {"sublinear_tf", kBool, false, "Replace tf with 1 + log(tf)."}},
      {{"transform", "TF-IDF of X: a CSR matrix of X's shape and dtype."}},
      {"idf_"},
      {Matrix::Kind::csr},
      false,
      make_estimator<TfidfTransformer>};
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(hashing_vectorizer_spec);
FRANCA_REGISTER_ESTIMATOR(tfidf_transformer_spec);

}  // namespace franca
