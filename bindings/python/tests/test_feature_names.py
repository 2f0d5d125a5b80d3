"""Feature names as scikit-learn's transformers give them (issue 12): get_feature_names_out of a
one-to-one transformer (StandardScaler, TfidfTransformer) is its input's names, set_output
(transform="pandas") returns DataFrames with them, in a Pipeline too; references are scikit-learn's
own transformers on the same data."""
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.feature_extraction.text
import sklearn.preprocessing
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer
from franca.preprocessing import StandardScaler

pandas = pytest.importorskip("pandas")


def _frame():
    rng = np.random.default_rng(0)
    return pandas.DataFrame(rng.normal(size=(40, 3)) * [1, 10, 100], columns=["age", "income", "rent"])


def test_one_to_one_names_match_sklearn():
    X = _frame()
    for ours, theirs in ((StandardScaler(), sklearn.preprocessing.StandardScaler()),):
        assert_array_equal(ours.fit(X).get_feature_names_out(), theirs.fit(X).get_feature_names_out())
        assert_array_equal(ours.fit(X.values).get_feature_names_out(), theirs.fit(X.values).get_feature_names_out())
        assert_array_equal(ours.get_feature_names_out(["p", "q", "r"]), ["p", "q", "r"])
        with pytest.raises(ValueError):
            ours.get_feature_names_out(["p", "q"])  # not the fitted number of features
    counts = sp.random(30, 6, density=0.4, format="csr", random_state=0)
    assert_array_equal(TfidfTransformer().fit(counts).get_feature_names_out(),
                       sklearn.feature_extraction.text.TfidfTransformer().fit(counts).get_feature_names_out())


def test_names_need_a_fit():
    with pytest.raises(NotFittedError):
        StandardScaler().get_feature_names_out()


def test_pandas_output():
    X = _frame()
    for scaler in (StandardScaler().set_output(transform="pandas"),):
        for out in (scaler.fit(X).transform(X), scaler.fit_transform(X)):
            assert isinstance(out, pandas.DataFrame)
            assert list(out.columns) == ["age", "income", "rent"]
            assert_allclose(out.to_numpy(), sklearn.preprocessing.StandardScaler().fit_transform(X), rtol=1e-12)
    pipeline = make_pipeline(StandardScaler(), StandardScaler()).set_output(transform="pandas")
    assert list(pipeline.fit_transform(X).columns) == ["age", "income", "rent"]
    # The default output is unchanged: NumPy for NumPy input.
    assert isinstance(StandardScaler().fit(X).transform(X.values), np.ndarray)


def test_hashing_has_no_feature_names_as_in_sklearn():
    for attribute in ("get_feature_names_out", "set_output"):
        assert hasattr(HashingVectorizer(), attribute) == hasattr(sklearn.feature_extraction.text.HashingVectorizer(),
                                                                 attribute)
