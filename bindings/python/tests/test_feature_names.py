"""Feature names as scikit-learn's transformers give them (issue 12): get_feature_names_out of a
one-to-one transformer (StandardScaler, TfidfTransformer) is its input's names, set_output
(transform="pandas") returns DataFrames with them, in a Pipeline too; references are scikit-learn's
own transformers on the same data. DataFrames with sparse columns are taken as scikit-learn's
check_array takes them."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.feature_extraction.text
import sklearn.preprocessing
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer
from franca.linear_model import Ridge
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


def test_set_output_where_sklearn_has_it():
    # scikit-learn's TfidfTransformer names its features but has no set_output (its output is
    # sparse; its test_text.py asserts so); StandardScaler has both.
    assert hasattr(TfidfTransformer(), "get_feature_names_out")
    for ours, theirs in ((TfidfTransformer(), sklearn.feature_extraction.text.TfidfTransformer()),
                         (StandardScaler(), sklearn.preprocessing.StandardScaler()),
                         (HashingVectorizer(), sklearn.feature_extraction.text.HashingVectorizer())):
        assert hasattr(ours, "set_output") == hasattr(theirs, "set_output"), type(ours).__name__


def test_sparse_columns_as_scikit_learn():
    # check_array's rule (scikit-learn's test_base.py tests it): a DataFrame whose columns are all
    # sparse is its sparse matrix; with only some sparse columns it is made dense, with a warning.
    import sklearn.linear_model

    X = np.random.RandomState(0).normal(size=(30, 3))
    X[X < 0.5] = 0
    y = X @ [1.0, 2.0, 3.0] + 1
    reference = sklearn.linear_model.Ridge().fit(X, y)
    mixed = pandas.DataFrame({"a": X[:, 0], "b": pandas.arrays.SparseArray(X[:, 1], fill_value=0),
                              "c": pandas.arrays.SparseArray(X[:, 2], fill_value=0)})
    with pytest.warns(UserWarning, match="pandas.DataFrame with sparse columns found"):
        mine = Ridge().fit(mixed, y)
    assert_allclose(mine.coef_, reference.coef_, rtol=1e-10)
    all_sparse = mixed.astype(pandas.SparseDtype(np.float64, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        mine = Ridge().fit(all_sparse, y)
        assert_allclose(mine.predict(all_sparse), reference.predict(X), rtol=1e-10)
    assert_allclose(mine.coef_, reference.coef_, rtol=1e-10)
    # a transformer that takes CSR only takes the matrix as it is: its output is sparse, as scikit-learn's
    assert sp.issparse(TfidfTransformer().fit_transform(all_sparse))
    assert_allclose(TfidfTransformer().fit_transform(all_sparse).toarray(),
                    sklearn.feature_extraction.text.TfidfTransformer().fit_transform(all_sparse).toarray(), rtol=1e-10)


def test_polars_frames_as_in_sklearn():
    polars = pytest.importorskip("polars")  # in the newest stack (bootstrap), not Debian's
    X = polars.from_pandas(_frame())
    ours, theirs = StandardScaler().fit(X), sklearn.preprocessing.StandardScaler().fit(X)
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    out = StandardScaler().set_output(transform="polars").fit_transform(X)
    assert isinstance(out, polars.DataFrame) and out.columns == ["age", "income", "rent"]
    assert_allclose(out.to_numpy(), theirs.transform(X), rtol=1e-12)
    documents = polars.Series(["the quick brown fox", "jumps over", ""])
    assert_allclose(HashingVectorizer(n_features=16).transform(documents).toarray(),
                    sklearn.feature_extraction.text.HashingVectorizer(n_features=16).transform(documents).toarray())
