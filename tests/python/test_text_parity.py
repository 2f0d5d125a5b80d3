"""HashingVectorizer and TfidfTransformer against scikit-learn 1.2, on real multilingual text
(Vim's tutors in 20-odd languages, the licenses in /usr/share/common-licenses), adversarial
strings and random Unicode, comparing the CSR matrices entry by entry: the same indptr and
indices, data within a named tolerance. Run with /usr/bin/python3 -m pytest and
FRANCA_LIBRARY=path/to/libfranca.so.
"""
import glob
import random

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

import _capi
from _capi import FrancaError
from _text_capi import Estimator, Strings, fit, transform

RTOL = {np.float64: 1e-12, np.float32: 1e-6}    # HashingVectorizer: same operations, same order
TFIDF_RTOL = {np.float64: 1e-6, np.float32: 1e-5}


def _paragraphs(path, encoding="utf-8"):
    with open(path, "rb") as f:
        text = f.read()
    return [p for p in text.split(b"\n\n") if p.strip()] if encoding is None else \
        [p for p in text.decode(encoding).split("\n\n") if p.strip()]


def _real_corpus():
    docs = []
    for path in sorted(glob.glob("/usr/share/vim/vim9*/tutor/tutor.*.utf-8")):
        docs += _paragraphs(path)
    for path in sorted(glob.glob("/usr/share/common-licenses/*"))[:6]:
        docs += _paragraphs(path, "latin-1")
    return docs


ADVERSARIAL = [
    "", " ", "\n\n\t  \u3000", "!!!...,,,;;;", "a", "ab", "a b c d", "_", "__", "a_b", "x1", "12", "1 2 3",
    "don't won't it's rock'n'roll O'Brien", "l'été dernier, aujourd'hui",
    "Ελληνικά ΟΔΟΣ ΣΑΣ Σ ΑΣ. ΑΣ' ΣΟΦΟΣ ἈΣ σΣ", "Русский текст ЁЖИК Ёлка", "中文文本 日本語のテキスト 한국어 텍스트",
    "mixed Latinкириллица Ελλάδα中文 12abc", "emoji 😀😀 👍🏽 🇫🇷 ❤️ a😀b", "combining e\u0301te\u0301 n\u0303 a\u0308\u0301",
    "İstanbul ıI ß ẞ ǅ ǈ ﬁ ﬀ Ⅻ ½ ² ①", "tab\tseparated\twords\r\nand\x0bvertical\x0cfeed\x1cfs",
    "nbsp\u00a0here\u2003em\u2028line\u2029para\x85nel", "x" * 5000, "ab " * 3000, "\u0301\u0301 \u0300a",
    "ǲ ǲa Ǳ ᾈ ᾼ ῼ", "ΣΑΣ\u0301 Σ\u00adΑ Α\u00adΣ Α.Σ A'Σ' Σ", "Hangul 가나다 한글 힣", "ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ",
    "\ufeffbom text", "math 𝐀𝐁𝐂 𝔄𝔅 ℌℑ", "digits ١٢٣ ०१२ ๑๒๓", "ABC-DEF_GHI.jkl:mno",
]


def _random_docs(seed, n):
    rng = random.Random(seed)
    pools = [
        [chr(c) for c in range(0x20, 0x7F)],
        [chr(c) for c in range(0xA0, 0x250)],
        [chr(c) for c in range(0x300, 0x370)] + ["\u03a3", "\u00ad", "'", ".", ":"],
        [chr(c) for c in range(0x370, 0x530)],
        [chr(c) for c in range(0x1E00, 0x2000)] + [chr(c) for c in range(0x2000, 0x2070)],
        [chr(c) for c in range(0x3000, 0x3100)] + [chr(c) for c in range(0xAC00, 0xAC40)],
        [chr(c) for c in range(0xFB00, 0xFB50)] + [chr(c) for c in range(0x1F300, 0x1F340)],
        [" ", " ", "  ", "\t", "\n", "\u3000"],
    ]
    docs = []
    for _ in range(n):
        weights = [rng.random() for _ in pools]
        docs.append("".join(rng.choice(rng.choices(pools, weights)[0]) for _ in range(rng.randrange(0, 80))))
    return docs


CORPUS = _real_corpus() + ADVERSARIAL + _random_docs(0, 300)


def test_corpus_is_multilingual():
    text = "".join(d if isinstance(d, str) else "" for d in CORPUS)
    for lo, hi, script in [(0x391, 0x3C9, "Greek"), (0x410, 0x44F, "Cyrillic"), (0x4E00, 0x9FFF, "CJK"),
                           (0xAC00, 0xD7A3, "Hangul")]:
        assert any(lo <= ord(c) <= hi for c in text), script
    assert len(CORPUS) > 500


def franca_hashing(docs, offset_dtype=np.int64, **params):
    est = Estimator("HashingVectorizer", **params)
    column = Strings(docs, offset_dtype)
    fit(est, column)
    return transform(est, column)


def assert_same_csr(X, R, rtol, label):
    R = R.tocsr()
    R.sort_indices()
    assert X.shape == R.shape, label
    assert X.dtype == R.dtype, label
    np.testing.assert_array_equal(X.indptr, R.indptr, err_msg=f"indptr differs: {label}")
    np.testing.assert_array_equal(X.indices, R.indices, err_msg=f"indices differ: {label}")
    np.testing.assert_allclose(X.data, R.data, rtol=rtol, atol=0, err_msg=f"data differs: {label}")


HASHING_CASES = [
    {},
    {"ngram_range": [1, 2]},
    {"ngram_range": [2, 3], "n_features": 1 << 18},
    {"analyzer": "char", "ngram_range": [2, 4]},
    {"analyzer": "char", "ngram_range": [1, 1], "lowercase": False},
    {"analyzer": "char_wb", "ngram_range": [2, 4]},
    {"analyzer": "char_wb", "ngram_range": [1, 3], "norm": "l1"},
    {"analyzer": "char_wb", "ngram_range": [5, 7]},
    {"stop_words": ["the", "and", "of", "и", "в", "το", "ein", "don", "Σ"]},
    {"stop_words": "english", "ngram_range": [1, 3]},
    {"binary": True},
    {"binary": True, "n_features": 7, "norm": None},
    {"norm": None},
    {"norm": "l1"},
    {"alternate_sign": False},
    {"alternate_sign": False, "norm": None, "n_features": 16},
    {"n_features": 1},
    {"dtype": "float32"},
    {"dtype": "float32", "analyzer": "char", "ngram_range": [2, 4], "norm": "l1"},
    {"lowercase": False},
    {"strip_accents": "unicode"},
    {"strip_accents": "ascii"},
    {"strip_accents": "unicode", "lowercase": False, "analyzer": "char_wb", "ngram_range": [1, 2]},
    {"strip_accents": "ascii", "analyzer": "char", "ngram_range": [1, 3]},
    {"n_features": 2147483647},
]


def _sklearn_params(params):
    p = dict(params)
    if "ngram_range" in p:
        p["ngram_range"] = tuple(p["ngram_range"])
    if "dtype" in p:
        p["dtype"] = np.dtype(p["dtype"]).type
    return p


@pytest.mark.parametrize("params", HASHING_CASES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults")
def test_hashing_vectorizer_parity(params):
    ref = HashingVectorizer(**_sklearn_params(params)).transform(CORPUS)
    X = franca_hashing(CORPUS, **params)
    assert_same_csr(X, ref, RTOL[ref.dtype.type], f"params={params}")


def test_hashing_vectorizer_parity_int32_offsets_and_bytes_input():
    docs = [d.encode("utf-8") for d in CORPUS]
    ref = HashingVectorizer(ngram_range=(1, 2)).transform(docs)
    assert_same_csr(franca_hashing(docs, np.int32, ngram_range=[1, 2]), ref, RTOL[np.float64], "int32 offsets")


def test_ascii_tokens_across_the_scanner_s_64_byte_words():
    """The CPU path finds the word unigrams of an ASCII document 64 bytes at a time: tokens that
    straddle, start or end on those boundaries, documents of 63 to 193 bytes ending in a word
    character or not, one-character runs, and stop words, as scikit-learn tokenizes them."""
    rng = np.random.default_rng(14)
    alphabet = np.array(list("abcXYZ019_ .,'-\t"))
    docs = ["".join(rng.choice(alphabet, size=n)) for n in range(63, 194) for _ in range(3)]
    docs += ["a" * n for n in (1, 2, 63, 64, 65, 127, 128, 129)] + ["x " * 32, " y" * 32, "The " * 40]
    for params in ({}, {"lowercase": False, "n_features": 1000}, {"stop_words": ["abc", "the", "_0"]}):
        ref = HashingVectorizer(**params).transform(docs)
        assert_same_csr(franca_hashing(docs, **params), ref, RTOL[np.float64], f"params={params}")


def test_explicit_zeros_kept_as_scikit_learn_does():
    # "aa" and "ab" hash to column 0 of 1 with opposite signs: scikit-learn stores a zero.
    ref = HashingVectorizer(n_features=1, norm=None).transform(["aa ab"])
    assert ref.nnz == 1 and ref.data[0] == 0
    assert_same_csr(franca_hashing(["aa ab"], n_features=1, norm=None), ref, 0, "cancelling signs")


INVALID_UTF8 = [
    b"\xff", b"abc \x80 def", b"caf\xe9 cr\xe8me", b"\xc0\xaf overlong", b"\xe0\x80\x80", b"\xed\xa0\x80 surrogate",
    b"\xf4\x90\x80\x80 too large", b"\xf0\x9f\x98 truncated", b"trunc at end \xe2\x82", b"\xe2\x82a", b"\xf0\x80",
    b"word\xffword", b"\xce\xa3\xff\xce\xa3", b"A\xff\xce\xa3", b"\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe",
    "ok ΣΑΣ".encode(),
]


def _non_utf8_corpus():
    docs = list(INVALID_UTF8)
    for path in sorted(glob.glob("/usr/share/vim/vim9*/tutor/tutor.*"))[:60]:
        if not path.endswith(".utf-8"):
            docs += _paragraphs(path, None)[:20]
    rng = np.random.default_rng(1)
    docs += [rng.integers(0, 256, rng.integers(0, 60), dtype=np.uint8).tobytes() for _ in range(200)]
    return docs


@pytest.mark.parametrize("decode_error", ["replace", "ignore"])
@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_invalid_utf8_handled_as_python_does(decode_error, analyzer):
    docs = _non_utf8_corpus()
    ngram_range = (1, 1) if analyzer == "word" else (1, 3)
    ref = HashingVectorizer(decode_error=decode_error, analyzer=analyzer, ngram_range=ngram_range).transform(docs)
    X = franca_hashing(docs, decode_error=decode_error, analyzer=analyzer, ngram_range=list(ngram_range))
    assert_same_csr(X, ref, RTOL[np.float64], f"decode_error={decode_error}")


def _expect_error(status, words, fn):
    with pytest.raises(FrancaError) as info:
        fn()
    assert info.value.status == status, info.value.message
    for w in words:
        assert w in info.value.message, info.value.message


def test_invalid_utf8_strict_names_the_document():
    docs = ["fine", "also fine", "caf\u00e9", b"caf\xe9", b"\xff"]
    _expect_error(_capi.INVALID_ARGUMENT, ["document 3", "decode_error", "byte 3"], lambda: franca_hashing(docs))
    with pytest.raises(UnicodeDecodeError):
        HashingVectorizer().transform(docs)


@pytest.mark.parametrize("params, status, words", [
    ({"analyzer": "line"}, _capi.INVALID_ARGUMENT, ["'analyzer'", "line"]),
    ({"ngram_range": [2, 1]}, _capi.INVALID_ARGUMENT, ["'ngram_range'"]),
    ({"ngram_range": [0, 1]}, _capi.INVALID_ARGUMENT, ["'ngram_range'"]),
    ({"ngram_range": [1]}, _capi.TYPE, ["'ngram_range'"]),
    ({"ngram_range": [1, 99]}, _capi.NOT_IMPLEMENTED, ["'ngram_range'"]),
    ({"n_features": 0}, _capi.INVALID_ARGUMENT, ["'n_features'"]),
    ({"n_features": 2**31}, _capi.INVALID_ARGUMENT, ["'n_features'"]),
    ({"token_pattern": r"(?u)\b\w+\b"}, _capi.NOT_IMPLEMENTED, ["'token_pattern'"]),
    ({"token_pattern": None}, _capi.NOT_IMPLEMENTED, ["'token_pattern'"]),
    ({"input": "filename"}, _capi.NOT_IMPLEMENTED, ["'input'"]),
    ({"encoding": "latin-1"}, _capi.NOT_IMPLEMENTED, ["'encoding'"]),
    ({"tokenizer": "callable"}, _capi.NOT_IMPLEMENTED, ["'tokenizer'"]),
    ({"decode_error": "bogus"}, _capi.INVALID_ARGUMENT, ["'decode_error'"]),
    ({"strip_accents": "latin"}, _capi.INVALID_ARGUMENT, ["'strip_accents'"]),
    ({"stop_words": "french"}, _capi.INVALID_ARGUMENT, ["'stop_words'"]),
    ({"stop_words": ["a", 1]}, _capi.TYPE, ["'stop_words'"]),
    ({"norm": "max"}, _capi.INVALID_ARGUMENT, ["'norm'"]),
    ({"dtype": "int32"}, _capi.INVALID_ARGUMENT, ["'dtype'"]),
])
def test_invalid_parameter(params, status, words):
    _expect_error(status, words, lambda: Estimator("HashingVectorizer", **params))


def test_bad_offsets_rejected():
    column = Strings(["abc", "def"])
    est = fit(Estimator("HashingVectorizer"), column)
    column.parts[0].array[:] = [0, 5, 4]
    _expect_error(_capi.INVALID_ARGUMENT, ["offsets", "non-decreasing"], lambda: transform(est, column))
    column.parts[0].array[1:] = [3, 100]
    _expect_error(_capi.INVALID_ARGUMENT, ["offsets", "within"], lambda: transform(est, column))


# ------------------------------------------------------------------ TfidfTransformer

def _counts(dtype=np.float64, alternate_sign=False):
    X = HashingVectorizer(n_features=1 << 12, norm=None, alternate_sign=alternate_sign, ngram_range=(1, 2),
                          dtype=dtype).transform(CORPUS)
    X.data = np.abs(X.data) if not alternate_sign else X.data
    return X


TFIDF_CASES = [
    {},
    {"norm": None},
    {"norm": "l1"},
    {"use_idf": False},
    {"use_idf": False, "norm": None, "sublinear_tf": True},
    {"smooth_idf": False},
    {"sublinear_tf": True},
    {"sublinear_tf": True, "smooth_idf": False, "norm": "l1"},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", TFIDF_CASES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults")
def test_tfidf_transformer_parity(params, dtype):
    X = _counts(dtype)
    ref = TfidfTransformer(**params).fit(X)
    est = fit(Estimator("TfidfTransformer", **params), X)
    if params.get("use_idf", True):
        np.testing.assert_allclose(est.attribute("idf_"), ref.idf_, rtol=TFIDF_RTOL[dtype])
    else:
        with pytest.raises(FrancaError):
            est.attribute("idf_")
    assert_same_csr(transform(est, X), ref.transform(X), TFIDF_RTOL[dtype], f"params={params} dtype={dtype}")


def _sklearn_tfidf_keeps_stored_zeros():
    """scikit-learn 1.2's transform multiplies X by a sparse diagonal matrix of idf_, a product that
    drops X's explicit zeros (franca does the same); later versions scale X.data in place
    (X.data *= idf_[X.indices]) and keep them as stored zeros. The values are the same."""
    X = sp.csr_matrix((np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 2))
    return TfidfTransformer().fit(X).transform(X).nnz == 2


def test_tfidf_transformer_drops_zeros_as_scikit_learn_does():
    X = _counts(alternate_sign=True)
    assert (X.data == 0).any()
    ref = TfidfTransformer().fit(X)
    est = fit(Estimator("TfidfTransformer"), X)
    R = ref.transform(X).tocsr()
    if _sklearn_tfidf_keeps_stored_zeros():
        # A newer scikit-learn (above): its stored zeros are X's explicit zeros, and only those; without
        # them it is scikit-learn 1.2's result.
        R.sort_indices()
        Xs = X.copy()
        Xs.sort_indices()
        np.testing.assert_array_equal(R.indptr, Xs.indptr)
        np.testing.assert_array_equal(R.indices, Xs.indices)
        np.testing.assert_array_equal(R.data == 0, Xs.data == 0)
        R.eliminate_zeros()
    assert_same_csr(transform(est, X), R, TFIDF_RTOL[np.float64], "explicit zeros")


def test_tfidf_transformer_random_counts_and_int32_int64_indices():
    rng = np.random.default_rng(2)
    X = sp.random(300, 50, density=0.1, format="csr", random_state=3, dtype=np.float64)
    X.data = np.ceil(X.data * 5)
    for index_dtype in (np.int32, np.int64):
        Y = sp.csr_matrix((X.data, X.indices.astype(index_dtype), X.indptr.astype(index_dtype)), shape=X.shape)
        ref = TfidfTransformer(sublinear_tf=True).fit(Y)
        est = fit(Estimator("TfidfTransformer", sublinear_tf=True), Y)
        np.testing.assert_allclose(est.attribute("idf_"), ref.idf_, rtol=1e-12)
        Z = sp.csr_matrix(rng.integers(0, 3, (7, 50)).astype(np.float64))
        assert_same_csr(transform(est, Z), ref.transform(Z), TFIDF_RTOL[np.float64], f"{index_dtype}")


def test_tfidf_transformer_invalid_input():
    X = sp.csr_matrix(np.eye(3))
    bad = sp.csr_matrix((X.data, np.array([0, 1, 7], dtype=np.int32), X.indptr), shape=(3, 3), copy=True)
    bad.indices[2] = 7
    _expect_error(_capi.INVALID_ARGUMENT, ["indices", "7"], lambda: fit(Estimator("TfidfTransformer"), bad))
    est = fit(Estimator("TfidfTransformer"), X)
    _expect_error(_capi.INVALID_ARGUMENT, ["4 features", "expecting 3"],
                  lambda: transform(est, sp.csr_matrix(np.eye(4))))
    est = fit(Estimator("TfidfTransformer", use_idf=False), X)
    est.set_params(use_idf=True)
    _expect_error(_capi.NOT_FITTED, ["idf"], lambda: transform(est, X))
    _expect_error(_capi.INVALID_ARGUMENT, ["'norm'"], lambda: Estimator("TfidfTransformer", norm="max"))


def test_tfidf_transformer_save_load_round_trip():
    X = _counts()
    est = fit(Estimator("TfidfTransformer", sublinear_tf=True), X)
    loaded = Estimator.load(est.save())
    assert_same_csr(transform(loaded, X), transform(est, X), 0, "loaded model")
