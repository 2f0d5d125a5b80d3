// scikit-learn's text features: HashingVectorizer (UTF-8 documents -> hashed term counts) and
// TfidfTransformer (counts -> TF-IDF), giving the same sparse matrices as scikit-learn 1.2.
// docs/text.md lists the parameters and what is not implemented.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/dispatch.hpp"
#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/parallel.hpp"
#include "core/registry.hpp"
#include "feature_extraction/english_stop_words.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/text_hash.hpp"

namespace franca {

namespace {

struct NgramRange {
  std::int32_t min_n = 1;
  std::int32_t max_n = 1;
};

struct StopWords {
  enum class Kind { none, english, list };
  Kind kind = Kind::none;
  std::vector<std::string> words;  // for Kind::list
};

}  // namespace

template <>
struct ParamCodec<NgramRange> {
  static std::string type_name() { return "list"; }
  static NgramRange read(const json& v, const ParamInfo& info) {
    const bool pair = v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer();
    FRANCA_EXPECTS_STATUS(pair, Status::type, "parameter '{}': expected [min_n, max_n] of two integers, got {}",
                          info.name, params_detail::describe(v));
    const auto lo = v[0].get<std::int64_t>(), hi = v[1].get<std::int64_t>();
    // scikit-learn's words (the binding gives the pair as Python's tuple), which its tests match
    FRANCA_EXPECTS(lo <= hi,
                   "parameter '{}': Invalid value for ngram_range=({}, {}) lower boundary larger than the "
                   "upper boundary.",
                   info.name, lo, hi);
    FRANCA_EXPECTS(lo >= 1, "parameter '{}': Invalid value for ngram_range=({}, {}) lower boundary below 1.", info.name,
                   lo, hi);
    FRANCA_EXPECTS_STATUS(hi <= text::kMaxNgram, Status::not_implemented,
                          "parameter '{}': n-grams longer than {} are not implemented, got {}", info.name,
                          text::kMaxNgram, v.dump());
    return {static_cast<std::int32_t>(lo), static_cast<std::int32_t>(hi)};
  }
  static json write(const NgramRange& r) { return json::array({r.min_n, r.max_n}); }
};

template <>
struct ParamCodec<StopWords> {
  static std::string type_name() { return "str or list or None"; }
  static StopWords read(const json& v, const ParamInfo& info) {
    StopWords out;
    const auto kind = params_detail::read_keyword_or(v, info, "english", "list");
    if (kind == params_detail::KeywordOr::none) return out;
    if (kind == params_detail::KeywordOr::keyword) {
      out.kind = StopWords::Kind::english;
      return out;
    }
    out.kind = StopWords::Kind::list;
    for (const auto& w : v) {
      FRANCA_EXPECTS_STATUS(w.is_string(), Status::type, "parameter '{}': expected a list of strings, got {}",
                            info.name, params_detail::describe(w));
      out.words.push_back(w.get<std::string>());
    }
    return out;
  }
  static json write(const StopWords& s) {
    if (s.kind == StopWords::Kind::none) return nullptr;
    if (s.kind == StopWords::Kind::english) return "english";
    return s.words;
  }
};

namespace {

constexpr const char* kTokenPattern = R"((?u)\b\w\w+\b)";
constexpr const char* kNormDoc = "'l2', 'l1' or None: normalise each row to unit norm.";

template <class P>
void declare_norm(ParamTable<P>& t, const char* doc) {
  t.field("norm", &P::norm, doc).names({{"l1", RowNorm::l1}, {"l2", RowNorm::l2}});
}

// Normalises the rows of `out` (which franca owns) as the `norm` parameter says.
void apply_norm(const Context& ctx, const std::optional<RowNorm>& norm, const CsrMatrix& out) {
  if (norm) FRANCA_DISPATCH(out.data.device, csr_normalize_rows, ctx, out, *norm);
}

struct HashingVectorizerParams {
  std::string input = "content";
  std::string encoding = "utf-8";
  text::DecodeError decode_error = text::DecodeError::strict;
  std::optional<text::StripAccents> strip_accents;
  bool lowercase = true;
  std::optional<std::string> preprocessor;
  std::optional<std::string> tokenizer;
  StopWords stop_words;
  std::optional<std::string> token_pattern = kTokenPattern;
  NgramRange ngram_range;
  text::Analyzer analyzer = text::Analyzer::word;
  std::int32_t n_features = 1 << 20;
  bool binary = false;
  std::optional<RowNorm> norm = RowNorm::l2;
  bool alternate_sign = true;
  DType dtype = DType::float64;

  static void declare(ParamTable<HashingVectorizerParams>& t) {
    using P = HashingVectorizerParams;
    t.field("input", &P::input, "'content': X holds the documents themselves (reading files is left to the caller).")
        .binding_applies();
    t.field("encoding", &P::encoding, "The documents' encoding: 'utf-8'.").binding_applies();
    t.field("decode_error", &P::decode_error,
            "What invalid UTF-8 does: 'strict' (an error naming the document), 'ignore' (drop the ill-formed "
            "bytes) or 'replace' (U+FFFD), as Python's bytes.decode.")
        .names({{"strict", text::DecodeError::strict},
                {"ignore", text::DecodeError::ignore},
                {"replace", text::DecodeError::replace}});
    t.field("strip_accents", &P::strip_accents,
            "'ascii', 'unicode' or None: remove accents (NFKD, then drop combining characters, or everything "
            "outside ASCII) after lowercasing.")
        .names({{"ascii", text::StripAccents::ascii}, {"unicode", text::StripAccents::unicode}});
    t.field("lowercase", &P::lowercase, "Convert the documents to lowercase (Python's str.lower()) before tokenizing.");
    t.field("preprocessor", &P::preprocessor, "None; a callable is applied by the binding.").binding_applies();
    t.field("tokenizer", &P::tokenizer, "None; a callable is applied by the binding.").binding_applies();
    t.field("stop_words", &P::stop_words,
            "'english' (scikit-learn's list), a list of words, or None. Tokens equal to a stop word (after "
            "preprocessing) are dropped before word n-grams are formed; ignored by the char analyzers.");
    t.field("token_pattern", &P::token_pattern,
            "The default r\"(?u)\\b\\w\\w+\\b\" (runs of two or more Unicode word characters); another pattern is "
            "applied by the binding.")
        .binding_applies();
    t.field("ngram_range", &P::ngram_range,
            "[min_n, max_n]: the n-grams extracted have min_n <= n <= max_n (words or characters).");
    t.field("analyzer", &P::analyzer,
            "'word' (n-grams of tokens), 'char' (n-grams of characters) or 'char_wb' (character n-grams within "
            "white-space separated words, padded with a space).")
        .names({{"word", text::Analyzer::word},
                {"char", text::Analyzer::char_ngram},
                {"char_wb", text::Analyzer::char_wb}});
    t.field("n_features", &P::n_features, "The number of columns of the output (hash buckets).").minimum(1);
    t.field("binary", &P::binary, "Set every stored value to 1 (before normalising).");
    declare_norm(t, kNormDoc);
    t.field("alternate_sign", &P::alternate_sign,
            "Give each feature the sign of its hash, so that collisions tend to cancel.");
    t.field("dtype", &P::dtype, "The output's dtype: 'float64' or 'float32'.")
        .names({{"float32", DType::float32}, {"float64", DType::float64}});
  }
};

class HashingVectorizer final : public TypedEstimator<HashingVectorizerParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  // Stateless: fitting only checks the input (the base class did).
  void fit_impl(const Context&, const Matrix&, const Array*, const Array*) override {}

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    const auto& p = params();
    return Matrix::from_csr(FRANCA_DISPATCH(X.strings.bytes.device, hash_documents, ctx, X.strings, options(),
                                            stop_words(), p.binary, p.dtype, p.norm));
  }

  void check_state() const override {}

 private:
  text::TextOptions options() const {
    const auto& p = params();
    text::TextOptions o;
    o.n_features = p.n_features;
    o.analyzer = p.analyzer;
    o.min_n = p.ngram_range.min_n;
    o.max_n = p.ngram_range.max_n;
    o.lowercase = p.lowercase;
    o.strip_accents = p.strip_accents.value_or(text::StripAccents::none);
    o.decode_error = p.decode_error;
    o.alternate_sign = p.alternate_sign;
    return o;
  }

  // Sorted bytewise and distinct, as text::is_stop_word needs; empty for the char analyzers,
  // which scikit-learn does not filter.
  std::vector<std::string> stop_words() const {
    const StopWords& s = params().stop_words;
    std::vector<std::string> words;
    if (params().analyzer != text::Analyzer::word) return words;
    if (s.kind == StopWords::Kind::english) words.assign(std::begin(kEnglishStopWords), std::end(kEnglishStopWords));
    if (s.kind == StopWords::Kind::list) words = s.words;
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    return words;
  }
};

const EstimatorSpec& hashing_vectorizer_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<HashingVectorizer>("HashingVectorizer", EstimatorKind::transformer, "feature_extraction.text")
          .doc(
              "Convert a column of UTF-8 documents to a sparse matrix of hashed token occurrences "
              "(MurmurHash3_x86_32, seed 0), as scikit-learn's HashingVectorizer.")
          .method("transform", "Hash the documents of X to a CSR matrix of len(X) x n_features.")
          .accepts({Matrix::Kind::strings});
  return spec;
}

struct TfidfTransformerParams {
  std::optional<RowNorm> norm = RowNorm::l2;
  bool use_idf = true;
  bool smooth_idf = true;
  bool sublinear_tf = false;

  static void declare(ParamTable<TfidfTransformerParams>& t) {
    using P = TfidfTransformerParams;
    declare_norm(t, "'l2', 'l1' or None: normalise each output row to unit norm.");
    t.field("use_idf", &P::use_idf, "Multiply by the inverse document frequency idf_.");
    t.field("smooth_idf", &P::smooth_idf, "Add one to document frequencies, as if an extra document held every term.");
    t.field("sublinear_tf", &P::sublinear_tf, "Replace tf with 1 + log(tf).");
  }
};

class TfidfTransformer final : public TypedEstimator<TfidfTransformerParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array*) override {
    const CsrMatrix m = contiguous(ctx, X.csr);
    FRANCA_DISPATCH(m.data.device, csr_check, ctx, m);
    if (!params().use_idf) return;
    const std::vector<std::int64_t> df = FRANCA_DISPATCH(m.data.device, csr_column_counts, ctx, m);
    // As scikit-learn: idf = ln((1 + n) / (1 + df)) + 1 with smoothing (as if one more document
    // held every term), ln(n / df) + 1 without (infinite for a term in no document).
    const double smooth = params().smooth_idf ? 1.0 : 0.0;
    const double n = static_cast<double>(m.rows) + smooth;
    auto idf_of = [&](std::int64_t d) { return std::log(n / (static_cast<double>(d) + smooth)) + 1.0; };
    // idf depends on df only, and most of a hashed vocabulary's 2**20 columns share a few small
    // document counts: those are each computed once (the same expression, so the same bits), not
    // once per column, where the logarithms were most of the fit.
    constexpr std::int64_t kTabled = 4096;
    std::vector<double> small(
        static_cast<std::size_t>(std::min({kTabled, m.rows + 1, static_cast<std::int64_t>(df.size())})));
    for (std::size_t d = 0; d < small.size(); ++d) small[d] = idf_of(static_cast<std::int64_t>(d));
    std::vector<double> idf(df.size());
    parallel_for(ctx, static_cast<std::int64_t>(df.size()), std::int64_t{1} << 14,
                 [&](std::int64_t j0, std::int64_t j1) {
                   for (std::int64_t j = j0; j < j1; ++j) {
                     const std::int64_t d = df[static_cast<std::size_t>(j)];
                     idf[static_cast<std::size_t>(j)] =
                         d < static_cast<std::int64_t>(small.size()) ? small[static_cast<std::size_t>(d)] : idf_of(d);
                   }
                 });
    if (!params().smooth_idf) {
      const auto unseen = std::count(df.begin(), df.end(), std::int64_t{0});
      // NumPy's words for the log of n / 0, which scikit-learn's fit shows its users
      if (unseen > 0)
        FRANCA_LOG_WARN(
            "TfidfTransformer: divide by zero encountered in log: {} of {} features occur in no document, so "
            "their idf_ is inf (smooth_idf=False) (RuntimeWarning)",
            unseen, df.size());
    }
    set_attribute(ctx, "idf_", Array::from_host(idf, {m.cols}));
  }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    const CsrMatrix m = contiguous(ctx, X.csr);
    FRANCA_DISPATCH(m.data.device, csr_check, ctx, m);
    Array idf;
    if (params().use_idf) {
      FRANCA_EXPECTS_STATUS(has_attribute("idf_"), Status::not_fitted,
                            "TfidfTransformer: idf vector is not fitted (fitted with use_idf=False)");
      idf = attribute_on(ctx, "idf_", m.data.device, DType::float64);
    }
    const bool with_idf = idf.data != nullptr;  // diag(idf)'s product leaves out the zeros it makes
    CsrMatrix out = FRANCA_DISPATCH(m.data.device, csr_scale_columns, ctx, m, with_idf ? &idf : nullptr,
                                    params().sublinear_tf, with_idf);
    apply_norm(ctx, params().norm, out);
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
  static const EstimatorSpec spec =
      EstimatorSpec::of<TfidfTransformer>("TfidfTransformer", EstimatorKind::transformer, "feature_extraction.text")
          .doc(
              "Transform a CSR matrix of term counts to TF-IDF: tf (or 1 + log(tf)) times idf_, rows normalised, "
              "as scikit-learn's TfidfTransformer.")
          .method("transform", "TF-IDF of X: a CSR matrix of X's shape and dtype.")
          .fitted({"idf_"})
          .accepts({Matrix::Kind::csr})
          .one_to_one_features();
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(hashing_vectorizer_spec);
FRANCA_REGISTER_ESTIMATOR(tfidf_transformer_spec);

}  // namespace franca
