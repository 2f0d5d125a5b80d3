"""The text estimators through the binding: documents in (lists and arrays of str, bytes),
scikit-learn's results out, and the parameter values libfranca leaves to Python."""
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.feature_extraction.text as reference
import sklearn.utils.validation
from numpy.testing import assert_allclose

import franca
from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer

from conftest import requires_cuda

DOCS = ["The quick brown fox jumps over the lazy dog.", "Ελληνικά κείμενα και Кириллица тоже", "",
        "naïve café — déjà vu, l'été", "日本語のテキスト and emoji 🙂 tokens_with_underscores 42 4.2",
        "the the the quick QUICK Quick"]


def _same(ours, theirs):
    assert isinstance(ours, sp.csr_matrix)
    assert ours.shape == theirs.shape
    assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("params", [{}, {"ngram_range": (1, 2), "norm": "l1"}, {"analyzer": "char_wb", "n_features": 64},
                                    {"stop_words": "english", "alternate_sign": False, "binary": True}],
                         ids=["defaults", "bigrams-l1", "char_wb", "stop-words"])
def test_hashing_vectorizer_matches_sklearn(params):
    _same(HashingVectorizer(**params).fit_transform(DOCS), reference.HashingVectorizer(**params).fit_transform(DOCS))


def test_documents_as_arrays_bytes_and_generators():
    expected = reference.HashingVectorizer(n_features=256).transform(DOCS)
    vectorizer = HashingVectorizer(n_features=256)
    _same(vectorizer.transform(np.array(DOCS)), expected)
    _same(vectorizer.transform(np.array(DOCS, dtype=object)), expected)
    _same(vectorizer.transform([d.encode("utf-8") for d in DOCS]), expected)
    _same(vectorizer.transform([d.encode("utf-8") if i % 2 else d for i, d in enumerate(DOCS)]), expected)
    _same(vectorizer.transform([d for d in DOCS if d.isascii()]), reference.HashingVectorizer(n_features=256)
          .transform([d for d in DOCS if d.isascii()]))
    _same(vectorizer.transform(d for d in DOCS), expected)


class _Str(str):
    pass


def _old_path(monkeypatch, vectorizer, docs):
    """vectorizer.transform(docs) through the Python hand-off (_utf8_column), as before the library
    read lists itself."""
    from franca import _convert
    with monkeypatch.context() as m:
        m.setattr(_convert, "_gathered", lambda docs: None)
        return vectorizer.transform(docs)


@pytest.mark.parametrize("docs", [
    DOCS, [d for d in DOCS if d.isascii()], ["", "", ""], [], ["🙂👍🏽 emoji_only 😀😀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ǅ ﬁne"],
    [_Str("a str subclass"), "and a str", _Str("")], tuple(DOCS), list(np.array(DOCS)),
    ["word%d %s" % (i, "é" * (i % 3)) for i in range(30000)]],
    ids=["mixed-scripts", "ascii", "empty-documents", "empty-list", "emoji", "str-subclass", "tuple", "numpy-str",
         "large"])
def test_lists_of_str_are_read_by_the_library(monkeypatch, docs):
    """A list (or tuple) of str goes to libfranca as it is (franca_matrix_strings_gather, through
    CPython's C API): no Python hand-off, and the same matrix as the hand-off's and scikit-learn's."""
    from franca import _convert
    handed_off = []
    encode = _convert._utf8_column
    monkeypatch.setattr(_convert, "_utf8_column", lambda docs: handed_off.append(1) or encode(docs))
    vectorizer = HashingVectorizer(n_features=2**12)
    if not docs:  # no document: the same error either way (franca's fit wants one)
        with pytest.raises(franca.FrancaValueError, match="0 sample") as ours:
            vectorizer.transform(docs)
        with pytest.raises(franca.FrancaValueError, match="0 sample") as old:
            _old_path(monkeypatch, vectorizer, docs)
        assert str(ours.value) == str(old.value) and handed_off == [1]
        return
    ours = vectorizer.transform(docs)
    assert handed_off == []
    old = _old_path(monkeypatch, vectorizer, docs)
    assert handed_off == [1]
    assert (ours != old).nnz == 0 and ours.dtype == old.dtype and ours.shape == old.shape
    _same(ours, reference.HashingVectorizer(n_features=2**12).transform(list(docs)))


def test_lists_the_library_cannot_read_go_through_python_as_before(monkeypatch):
    """A document that is not a str, or a str UTF-8 cannot hold (a lone surrogate), sends the list
    down the Python hand-off, with its handling (bytes as UTF-8) and its errors, word for word, and
    leaves no Python error set."""
    from franca import _convert
    vectorizer = HashingVectorizer(n_features=256)
    mixed = [d.encode("utf-8") if i % 2 else d for i, d in enumerate(DOCS)]
    _same(vectorizer.transform(mixed), reference.HashingVectorizer(n_features=256).transform(DOCS))
    for bad in (["hello world", np.nan, "hello hello"], ["hello", None], ["ok", "bad \ud800 surrogate"], [1.5]):
        errors = []
        for transform in (vectorizer.transform, lambda docs: _old_path(monkeypatch, vectorizer, docs)):
            with pytest.raises(Exception) as caught:
                transform(bad)
            errors.append((type(caught.value), str(caught.value)))
        assert errors[0] == errors[1]
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        vectorizer.transform(["ok", "bad \ud800 surrogate"])
    with pytest.raises(franca.FrancaValueError, match="document 1: np.nan is an invalid document"):
        vectorizer.transform(["hello world", np.nan])
    assert _convert._gathered(["a", 1]) is None and _convert._gathered(["a", b"b"]) is None
    assert vectorizer.transform(["still", "fine"]).nnz == 2  # no error left pending


def test_arrow_string_columns_are_read_in_place():
    """pyarrow string/large_string arrays (sliced, chunked), pandas Series of Arrow strings and
    polars string Series give scikit-learn's matrix; a single-chunk column's bytes are the matrix's
    bytes (no copy) and a null is scikit-learn's error for NaN."""
    pyarrow = pytest.importorskip("pyarrow")  # in the newest stack (bootstrap), not Debian's
    from franca import _convert
    expected = reference.HashingVectorizer(n_features=256).transform(DOCS)
    vectorizer = HashingVectorizer(n_features=256)
    columns = [pyarrow.array(DOCS), pyarrow.array(DOCS, pyarrow.large_string()),
               pyarrow.chunked_array([DOCS[:2], DOCS[2:]])]
    pandas = pytest.importorskip("pandas")
    columns += [pandas.Series(DOCS, dtype="string[pyarrow]"), pandas.Series(DOCS, dtype=pandas.ArrowDtype(pyarrow.string()))]
    try:
        import polars
        columns.append(polars.Series(DOCS))
    except ImportError:
        pass
    for column in columns:
        _same(vectorizer.transform(column), expected)
    _same(vectorizer.transform(pyarrow.array(DOCS)[2:5]), reference.HashingVectorizer(n_features=256).transform(DOCS[2:5]))
    array = pyarrow.array(DOCS)
    borrowed = _convert.borrow(array, ["strings"], "HashingVectorizer", "cpu")
    assert borrowed.keep[1].tensor.data == array.buffers()[2].address, "the Arrow bytes are read in place"
    with pytest.raises(ValueError, match="document 1: np.nan is an invalid document"):
        vectorizer.transform(pyarrow.array(["a", None]))
    with pytest.raises(TypeError, match="an Arrow array of int64, not of strings"):
        vectorizer.transform(pyarrow.array([1, 2]))


def test_stateless_transform_follows_set_params():
    vectorizer = HashingVectorizer(n_features=32)
    assert vectorizer.transform(DOCS).shape == (len(DOCS), 32)  # no fit needed, as in scikit-learn
    vectorizer.set_params(n_features=16)
    assert vectorizer.transform(DOCS).shape == (len(DOCS), 16)
    vectorizer.fit(DOCS).set_params(n_features=8)  # fitted or not, the current parameters apply
    assert vectorizer.transform(DOCS).shape == (len(DOCS), 8)
    vectorizer.set_params(tokenizer=str.split)
    _same(vectorizer.transform(DOCS), reference.HashingVectorizer(n_features=8, tokenizer=str.split).transform(DOCS))
    again = pickle.loads(pickle.dumps(vectorizer.fit(DOCS)))
    _same(again.transform(DOCS), vectorizer.transform(DOCS))


def test_stateless_fit_checks_parameters_and_reads_no_document(monkeypatch):
    # scikit-learn's HashingVectorizer.fit only checks its parameters: its test_text.py fits one on
    # dicts. franca's encodes no document in fit (a corpus would be encoded, or sent to the GPU, for
    # nothing); the methods read theirs.
    from franca import _convert
    calls = []
    encode = _convert._strings
    monkeypatch.setattr(_convert, "_strings", lambda *a: calls.append(1) or encode(*a))
    vectorizer = HashingVectorizer(n_features=64).fit([{"foo": 1}, {"bar": 2}])
    assert calls == [] and not hasattr(vectorizer, "n_features_in_")
    sklearn.utils.validation.check_is_fitted(vectorizer)
    _same(vectorizer.transform(DOCS), reference.HashingVectorizer(n_features=64).transform(DOCS))
    with pytest.raises(ValueError, match="Iterable over raw text documents expected, string object received"):
        HashingVectorizer().fit("one string")
    with pytest.raises(franca.FrancaValueError, match="ngram_range"):
        HashingVectorizer(ngram_range=(2, 1)).fit(DOCS)
    with pytest.warns(UserWarning, match="'token_pattern' will not be used"):
        HashingVectorizer(analyzer="char", token_pattern=r"\w+").fit(DOCS)


@pytest.mark.parametrize("params", [{"preprocessor": lambda d: d.upper()[::-1]},
                                    {"tokenizer": lambda d: d.split()},
                                    {"analyzer": lambda d: d.split(",")},
                                    {"token_pattern": r"(?u)\b\w+\b"}],
                         ids=["preprocessor", "tokenizer", "analyzer", "token_pattern"])
def test_values_libfranca_leaves_to_python_run_as_sklearn(params):
    ours = HashingVectorizer(n_features=128, **params)
    _same(ours.transform(DOCS), reference.HashingVectorizer(n_features=128, **params).transform(DOCS))
    assert "_fallback" not in ours.__dict__  # transform alone keeps the estimator as it was
    _same(ours.fit(DOCS).transform(DOCS), ours._fallback.transform(DOCS))


def test_tfidf_on_hashed_documents_matches_sklearn():
    counts = {"n_features": 512, "alternate_sign": False, "norm": None}
    ours = TfidfTransformer(sublinear_tf=True).fit(HashingVectorizer(**counts).transform(DOCS))
    ref = reference.TfidfTransformer(sublinear_tf=True).fit(reference.HashingVectorizer(**counts).transform(DOCS))
    assert_allclose(ours.idf_, ref.idf_, rtol=1e-12)
    _same(ours.transform(HashingVectorizer(**counts).transform(DOCS)),
          ref.transform(reference.HashingVectorizer(**counts).transform(DOCS)))


def test_invalid_utf8_and_bad_documents():
    with pytest.raises(franca.FrancaValueError, match="(?i)utf-8"):
        HashingVectorizer().transform([b"ok", b"\xff\xfe bad"])
    assert HashingVectorizer(decode_error="replace").transform([b"\xff bad"]).nnz == 1
    with pytest.raises(franca.FrancaTypeError, match="document 0 is a float"):
        HashingVectorizer().transform([1.5])
    # a missing text field (NaN in a pandas column of strings): scikit-learn's ValueError and words
    with pytest.raises(franca.FrancaValueError, match="document 1: np.nan is an invalid document, expected byte or"):
        HashingVectorizer().fit_transform(["hello world", np.nan, "hello hello"])


def test_warnings_are_scikit_learns():
    """A stop-word list that tokenizes into other words warns once per list, as scikit-learn's
    vectorizers; an idf of log(n / 0) without smoothing warns as NumPy's log does in scikit-learn."""
    vectorizer = HashingVectorizer(stop_words=["you've", "AND"])
    with pytest.warns(UserWarning, match=r"generated tokens \['and', 've', 'you'\] not in stop_words"):
        vectorizer.fit_transform(DOCS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vectorizer.transform(DOCS)  # the same list: checked once
        HashingVectorizer(stop_words="english", analyzer="char").transform(DOCS)  # char n-grams use none
        TfidfTransformer(smooth_idf=False).fit(np.array([[1, 1], [1, 0]]))
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in log: 1 of 3 features"):
        idf = TfidfTransformer(smooth_idf=False).fit(np.array([[1, 1, 0], [1, 0, 0]])).idf_
    assert_allclose(idf, [1.0, 1.0 + np.log(2.0), np.inf])


def test_values_libfranca_cannot_honour_are_errors_not_fallbacks():
    from franca.linear_model import LogisticRegression
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(franca.FrancaNotImplementedError, match="solver"):
        LogisticRegression(solver="liblinear").fit(X, X[:, 0] > 0)


def test_fit_transform_encodes_the_documents_once(monkeypatch):
    from franca import _convert
    calls = []
    encode = _convert._strings
    monkeypatch.setattr(_convert, "_strings", lambda *a: calls.append(1) or encode(*a))
    out = HashingVectorizer(n_features=64).fit_transform(DOCS)
    assert len(calls) == 1
    _same(out, reference.HashingVectorizer(n_features=64).fit_transform(DOCS))


@requires_cuda
def test_documents_on_the_gpu_give_the_cpu_matrix():
    cpu = HashingVectorizer(n_features=256).transform(DOCS)
    with franca.config_context(device="cuda"):
        gpu = HashingVectorizer(n_features=256).transform(DOCS)
        assert gpu.franca_matrix is not None and not gpu.franca_matrix.on_host
        tfidf = TfidfTransformer().fit_transform(gpu)  # franca's GPU matrix, handed over as it is
    assert gpu.franca_matrix is not None  # still unread
    _same(gpu, cpu)  # reading it copies it to the host
    _same(tfidf, TfidfTransformer().fit_transform(cpu))


def test_analysis_helpers_are_scikit_learns_over_the_same_parameters():
    """build_analyzer and its kin (franca's analyzer gives no tokens back) are scikit-learn's for the
    same parameters, and tokenize as franca hashes: the hashed counts of the analyzer's tokens are
    franca's transform."""
    SkHashingVectorizer = reference.HashingVectorizer
    params = dict(ngram_range=(1, 2), stop_words="english", lowercase=False, n_features=2**10,
                  alternate_sign=False, norm=None)
    ours, ref = HashingVectorizer(**params), SkHashingVectorizer(**params)
    doc = "The Quick brown fox, the QUICK dog"
    assert ours.build_analyzer()(doc) == ref.build_analyzer()(doc)
    assert ours.build_tokenizer()(doc) == ref.build_tokenizer()(doc)
    assert ours.build_preprocessor()(doc) == ref.build_preprocessor()(doc)
    assert ours.get_stop_words() == ref.get_stop_words()
    counts = SkHashingVectorizer(analyzer=lambda d: ours.build_analyzer()(d), n_features=2**10,
                                 alternate_sign=False, norm=None).transform([doc])
    assert (ours.transform([doc]) != counts).nnz == 0
