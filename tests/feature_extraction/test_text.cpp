// HashingVectorizer and TfidfTransformer through the C ABI on every compiled device. The full
// parity suite against scikit-learn is tests/python/test_text_parity.py; here the CPU result
// is checked against a few values scikit-learn gives, and the CUDA result against the CPU's,
// entry by entry, on a corpus of mixed scripts, invalid UTF-8 and documents long enough to
// span several of the CUDA path's batches.
#include <random>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

struct Csr {
  std::vector<double> indptr, indices, data;
};

Csr csr_of(franca_matrix m) {
  return {values_of(m, FRANCA_PART_INDPTR), values_of(m, FRANCA_PART_INDICES), values_of(m, FRANCA_PART_VALUES)};
}

// Owns a string column on a device.
struct Column {
  Column(const std::string& device, const std::vector<std::string>& docs) {
    std::vector<std::int64_t> offsets{0};
    std::vector<std::uint8_t> bytes;
    for (const auto& d : docs) {
      bytes.insert(bytes.end(), d.begin(), d.end());
      offsets.push_back(static_cast<std::int64_t>(bytes.size()));
    }
    if (bytes.empty()) bytes.push_back(0);
    off =
        std::make_unique<Tensor>(device, offsets, std::vector<std::int64_t>{static_cast<std::int64_t>(offsets.size())});
    data = std::make_unique<Tensor>(device, bytes, std::vector<std::int64_t>{static_cast<std::int64_t>(bytes.size())});
    franca_matrix m = nullptr;
    EXPECT_EQ(franca_matrix_strings(off->get(), data->get(), &m), FRANCA_OK) << franca_last_error();
    matrix.reset(m);
  }
  std::unique_ptr<Tensor> off, data;
  MatrixPtr matrix;
};

// HashingVectorizer(params) of docs on `device`, then TfidfTransformer of that (with
// sublinear_tf where the counts are positive: the log of a negative count is NaN).
std::pair<Csr, Csr> run_on(franca_matrix column, const std::string& params) {
  auto hashing = estimator("HashingVectorizer", params);
  EXPECT_EQ(franca_estimator_fit(nullptr, hashing.get(), column, nullptr, nullptr), FRANCA_OK) << franca_last_error();
  franca_matrix counts = nullptr, tfidf_out = nullptr;
  EXPECT_EQ(franca_estimator_apply(nullptr, hashing.get(), "transform", column, &counts), FRANCA_OK)
      << franca_last_error();
  const bool positive = params.find(R"("alternate_sign": false)") != std::string::npos;
  auto tfidf = estimator("TfidfTransformer", positive ? R"({"sublinear_tf": true})" : "{}");
  EXPECT_EQ(franca_estimator_fit(nullptr, tfidf.get(), counts, nullptr, nullptr), FRANCA_OK) << franca_last_error();
  EXPECT_EQ(franca_estimator_apply(nullptr, tfidf.get(), "transform", counts, &tfidf_out), FRANCA_OK)
      << franca_last_error();
  std::pair<Csr, Csr> out{csr_of(counts), csr_of(tfidf_out)};
  franca_matrix_free(counts);
  franca_matrix_free(tfidf_out);
  return out;
}

std::pair<Csr, Csr> run(const std::string& device, const std::vector<std::string>& docs, const std::string& params) {
  Column column(device, docs);
  return run_on(column.matrix.get(), params);
}

std::vector<std::string> corpus(std::size_t n_docs, std::size_t max_len, std::uint64_t seed) {
  const std::vector<std::string> pieces = {"the ",
                                           "Quick ",
                                           "brown_fox ",
                                           "ΟΔΟΣ ",
                                           "ΣΑΣ. ",
                                           "Ёлка ",
                                           "中文文本",
                                           "日本語 ",
                                           "한국어 ",
                                           "😀👍🏽 ",
                                           "e\xcc\x81t\xc3\xa9 ",
                                           "İstanbul ",
                                           "ﬁne ",
                                           "  \t\n ",
                                           "don't ",
                                           "x1 ",
                                           "1234 ",
                                           "\xff",
                                           "\xe2\x82",
                                           "\xc0\xaf",
                                           "ǅ ",
                                           "\xe3\x80\x80",
                                           "½ ",
                                           "Straße "};
  std::mt19937_64 rng(seed);
  std::vector<std::string> docs(n_docs);
  for (auto& d : docs) {
    const std::size_t len = rng() % max_len;
    while (d.size() < len) d += pieces[rng() % pieces.size()];
  }
  return docs;
}

class TextTest : public DeviceTest {};

TEST_P(TextTest, HashingVectorizerGivesScikitLearnsValues) {
  // scikit-learn 1.2: HashingVectorizer(n_features=64, norm=None).transform([...]); column 55
  // holds an explicit zero where two tokens' signs cancel, as scikit-learn stores it.
  auto out = run(device(), {"Hello world, hello ΑΣ ΣΑΣ café"}, R"({"n_features": 64, "norm": null})").first;
  EXPECT_EQ(out.indptr, (std::vector<double>{0, 4}));
  EXPECT_EQ(out.indices, (std::vector<double>{5, 7, 8, 55}));
  EXPECT_EQ(out.data, (std::vector<double>{-1, 2, 1, 0}));
  out = run(device(), {"ΑΣ ab"}, R"({"n_features": 64, "norm": null, "analyzer": "char_wb", "ngram_range": [2, 3]})")
            .first;
  EXPECT_EQ(out.indices, (std::vector<double>{1, 4, 5, 15, 33, 38, 55, 62, 63}));
  EXPECT_EQ(out.data, (std::vector<double>{-2, -1, -1, 1, -1, 1, -1, -1, -1}));
}

TEST_P(TextTest, SameAsCpuOnEveryAnalyzer) {
  const auto docs = corpus(3000, 400, 7);
  for (
      const std::string params :
      {R"({"decode_error": "replace"})",
       R"({"decode_error": "ignore", "ngram_range": [1, 3], "stop_words": "english"})",
       R"({"decode_error": "replace", "analyzer": "char", "ngram_range": [1, 4], "dtype": "float32", "alternate_sign": false})",
       R"({"decode_error": "replace", "analyzer": "char_wb", "ngram_range": [2, 5], "strip_accents": "unicode"})",
       R"({"decode_error": "replace", "strip_accents": "ascii", "norm": "l1", "n_features": 1000, "alternate_sign": false})",
       R"({"decode_error": "replace", "binary": true, "n_features": 100})"}) {
    const auto expected = run("cpu", docs, params);
    const auto got = run(device(), docs, params);
    EXPECT_GT(expected.first.data.size(), docs.size()) << params;
    EXPECT_EQ(got.first.indptr, expected.first.indptr) << params;
    EXPECT_EQ(got.first.indices, expected.first.indices) << params;
    EXPECT_EQ(got.first.data, expected.first.data) << params;
    EXPECT_EQ(got.second.indptr, expected.second.indptr) << params;
    EXPECT_EQ(got.second.indices, expected.second.indices) << params;
    ASSERT_EQ(got.second.data.size(), expected.second.data.size()) << params;
    for (std::size_t k = 0; k < got.second.data.size(); ++k)
      ASSERT_NEAR(got.second.data[k], expected.second.data[k], 1e-12 + 1e-6 * std::fabs(expected.second.data[k]))
          << params << " entry " << k;
  }
}

// Long n-gram ranges make the CUDA path cut this corpus (about 1.5 MB) into several batches.
TEST_P(TextTest, SameAsCpuAcrossBatches) {
  if (device() == "cpu") GTEST_SKIP() << "only the CUDA path works in batches";
  const auto docs = corpus(400, 8000, 11);
  const std::string params = R"({"decode_error": "replace", "analyzer": "char", "ngram_range": [1, 32]})";
  const auto expected = run("cpu", docs, params);
  const auto got = run(device(), docs, params);
  EXPECT_EQ(got.first.indptr, expected.first.indptr);
  EXPECT_EQ(got.first.indices, expected.first.indices);
  EXPECT_EQ(got.first.data, expected.first.data);
}

TEST_P(TextTest, InvalidUtf8NamesTheDocument) {
  Column column(device(), {"fine", "caf\xc3\xa9", "caf\xe9", "\xff"});
  auto hashing = estimator("HashingVectorizer");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, hashing.get(), column.matrix.get(), nullptr, nullptr));
  franca_matrix out = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, hashing.get(), "transform", column.matrix.get(), &out),
                      FRANCA_ERROR_INVALID_ARGUMENT, "document 2 is not valid UTF-8 (ill-formed sequence at byte 3");
}

TEST_P(TextTest, TfidfRejectsOutOfRangeIndices) {
  Tensor indptr(device(), std::vector<std::int64_t>{0, 1, 2}, {3});
  Tensor indices(device(), std::vector<std::int32_t>{0, 5}, {2});
  Tensor data(device(), std::vector<double>{1, 1}, {2});
  franca_matrix m = nullptr;
  FRANCA_ASSERT_OK(franca_matrix_csr(indptr.get(), indices.get(), data.get(), 2, 3, &m));
  MatrixPtr matrix(m);
  auto tfidf = estimator("TfidfTransformer");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, tfidf.get(), m, nullptr, nullptr), FRANCA_ERROR_INVALID_ARGUMENT,
                      "indices: column index 5 at position 1 is outside [0, 3)");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(TextTest);

// franca_matrix_strings_gather over a std::vector<std::string>, as a binding calls it over its
// language's list of strings; `calls` counts the text callbacks, `null_item`/`null_text` make the
// callbacks return NULL at that index.
struct Sequence {
  const std::vector<std::string>* docs;
  std::int64_t null_item = -1, null_text = -1, calls = 0;
  std::vector<std::int64_t> index_of_item;
};

void* item_of(void* sequence, std::int64_t i) {
  auto* s = static_cast<Sequence*>(sequence);
  if (i == s->null_item) return nullptr;
  // The item handed to text(): the sequence itself, the index remembered by position.
  s->index_of_item.push_back(i);
  return s;
}

const char* text_of(void* item, std::int64_t* length) {
  auto* s = static_cast<Sequence*>(item);
  const std::int64_t i = s->index_of_item.back();
  ++s->calls;
  if (i == s->null_text) return nullptr;
  const std::string& d = (*s->docs)[static_cast<std::size_t>(i)];
  *length = static_cast<std::int64_t>(d.size());
  return d.data();
}

MatrixPtr gather(Sequence& s, franca_context ctx = nullptr) {
  franca_matrix m = nullptr;
  EXPECT_EQ(franca_matrix_strings_gather(ctx, &s, static_cast<std::int64_t>(s.docs->size()), item_of, text_of, &m),
            FRANCA_OK)
      << franca_last_error();
  return MatrixPtr(m);
}

TEST(StringsGather, OwnsACopyOfTheTextsInArrowLayout) {
  std::vector<std::string> docs = {"", "Hello world", "", "ΑΣ ΣΑΣ café 😀👍🏽", "caf\xe9", ""};
  Sequence s{&docs};
  auto m = gather(s);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(s.calls, 6);
  std::int64_t rows = 0, cols = 0;
  FRANCA_ASSERT_OK(franca_matrix_shape(m.get(), &rows, &cols));
  EXPECT_EQ(rows, 6);
  EXPECT_EQ(cols, 1);
  std::string all;
  std::vector<double> offsets{0};
  for (const auto& d : docs) {
    all += d;
    offsets.push_back(static_cast<double>(all.size()));
  }
  for (auto& d : docs) d.assign(d.size(), '#');  // the matrix holds its own copy
  EXPECT_EQ(values_of(m.get(), FRANCA_PART_INDPTR), offsets);
  // values_of gives each uint8 as a double (0-255); the texts' chars as unsigned the same way
  // (a double above 127 converted to a signed char is undefined: clang and gcc differ)
  std::vector<double> expected;
  for (const char c : all) expected.push_back(static_cast<double>(static_cast<unsigned char>(c)));
  EXPECT_EQ(values_of(m.get(), FRANCA_PART_VALUES), expected) << "the bytes differ from the texts";
}

TEST(StringsGather, HashesAsTheBorrowedColumnAndLeavesUtf8ToTheTransform) {
  const auto docs = corpus(3000, 300, 5);  // enough for the copy to run on several threads
  Sequence s{&docs};
  franca_context ctx = nullptr;
  FRANCA_ASSERT_OK(franca_context_create("cpu", &ctx));
  FRANCA_ASSERT_OK(franca_context_set_threads(ctx, 4));
  auto m = gather(s, ctx);
  franca_context_free(ctx);
  const std::string params = R"({"decode_error": "replace", "analyzer": "char_wb", "ngram_range": [1, 3]})";
  const auto expected = run("cpu", docs, params);
  const auto got = run_on(m.get(), params);
  EXPECT_EQ(got.first.indptr, expected.first.indptr);
  EXPECT_EQ(got.first.indices, expected.first.indices);
  EXPECT_EQ(got.first.data, expected.first.data);
  EXPECT_EQ(got.second.data, expected.second.data);
  // Not checked when gathered, as franca_matrix_strings: the transform names invalid UTF-8.
  const std::vector<std::string> bad = {"fine", "caf\xc3\xa9", "caf\xe9"};
  Sequence b{&bad};
  auto column = gather(b);
  auto hashing = estimator("HashingVectorizer");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, hashing.get(), column.get(), nullptr, nullptr));
  franca_matrix out = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, hashing.get(), "transform", column.get(), &out),
                      FRANCA_ERROR_INVALID_ARGUMENT, "document 2 is not valid UTF-8");
}

TEST(StringsGather, EmptySequence) {
  const std::vector<std::string> none;
  Sequence s{&none};
  auto m = gather(s);
  std::int64_t rows = -1, cols = -1;
  FRANCA_ASSERT_OK(franca_matrix_shape(m.get(), &rows, &cols));
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(values_of(m.get(), FRANCA_PART_INDPTR), std::vector<double>{0});
  EXPECT_TRUE(values_of(m.get(), FRANCA_PART_VALUES).empty());
  // Fitted on a document (a fit needs one), the stateless transform takes none.
  Column one("cpu", {"one document"});
  auto hashing = estimator("HashingVectorizer");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, hashing.get(), one.matrix.get(), nullptr, nullptr));
  franca_matrix out = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, hashing.get(), "transform", m.get(), &out));
  MatrixPtr counts(out);
  EXPECT_EQ(values_of(out, FRANCA_PART_INDPTR), std::vector<double>{0});
}

TEST(StringsGather, EachBadArgumentHasItsOwnError) {
  const std::vector<std::string> docs = {"a", "b", "c", "d"};
  franca_matrix m = reinterpret_cast<franca_matrix>(&m);  // poisoned: a failed call sets NULL
  Sequence s{&docs};
  s.null_text = 1;
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &s, 4, item_of, text_of, &m), FRANCA_ERROR_TYPE,
                      "sequence: item 1 is not text (text returned NULL)");
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(s.calls, 2) << "the callbacks are called no further after a NULL";
  Sequence t{&docs};
  t.null_item = 2;
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &t, 4, item_of, text_of, &m), FRANCA_ERROR_TYPE,
                      "sequence: item 2 is not text (item returned NULL)");
  EXPECT_EQ(t.calls, 2);
  Sequence u{&docs};
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &u, -1, item_of, text_of, &m),
                      FRANCA_ERROR_INVALID_ARGUMENT, "n: -1 is negative");
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &u, 4, nullptr, text_of, &m), FRANCA_ERROR_INVALID_ARGUMENT,
                      "item: must not be NULL");
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &u, 4, item_of, nullptr, &m), FRANCA_ERROR_INVALID_ARGUMENT,
                      "text: must not be NULL");
  FRANCA_ASSERT_ERROR(franca_matrix_strings_gather(nullptr, &u, 4, item_of, text_of, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "out: must not be NULL");
  EXPECT_EQ(u.calls, 0);
}

}  // namespace
}  // namespace franca::test
