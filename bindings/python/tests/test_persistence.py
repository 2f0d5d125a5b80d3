"""Pickling, copy.deepcopy and clone, through the C ABI's save/load."""
import copy
import pickle

import numpy as np
import pytest
import scipy.sparse
from numpy.testing import assert_array_equal
from sklearn.base import clone

import franca
from franca import _lib, _model
from franca.ensemble import RandomForestRegressor
from franca.linear_model import LogisticRegression, Ridge
from franca.preprocessing import StandardScaler


@pytest.fixture
def data(rng):
    X = rng.normal(size=(60, 4))
    return X, X @ [1.0, -2.0, 0.5, 3.0] + 0.1 * rng.normal(size=60)


@pytest.mark.parametrize("make", [lambda: Ridge(alpha=0.3), lambda: StandardScaler(with_mean=False),
                                  lambda: LogisticRegression(C=0.5)], ids=["Ridge", "StandardScaler",
                                                                           "LogisticRegression"])
@pytest.mark.parametrize("round_trip", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_round_trip_keeps_params_and_model(make, round_trip, data):
    X, y = data
    model = make()
    if isinstance(model, LogisticRegression):
        y = np.where(y > 0, "positive", "negative")
    model.fit(X, y)
    again = round_trip(model)
    assert again.get_params() == model.get_params()
    assert again._handle is not model._handle
    method = "transform" if isinstance(model, StandardScaler) else "predict"
    assert_array_equal(getattr(again, method)(X), getattr(model, method)(X))
    if isinstance(model, LogisticRegression):
        assert_array_equal(again.classes_, ["negative", "positive"])


def test_unfitted_round_trip_stays_unfitted():
    again = pickle.loads(pickle.dumps(Ridge(alpha=2.0, output_type="numpy")))
    assert again.get_params()["alpha"] == 2.0 and again.output_type == "numpy"
    with pytest.raises(franca.NotFittedError):
        again.predict(np.zeros((1, 2)))


def test_clone_is_unfitted_with_the_same_params(data):
    X, y = data
    model = Ridge(alpha=0.3).fit(X, y)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert "_handle" not in twin.__dict__
    assert repr(twin) == "Ridge(alpha=0.3)"


def test_refit_after_set_params(data):
    X, y = data
    model = Ridge(alpha=0.0).fit(X, y)
    first = model.coef_
    model.set_params(alpha=100.0).fit(X, y)
    assert np.abs(model.coef_).sum() < np.abs(first).sum()


@pytest.mark.parametrize("make", [lambda: Ridge(alpha=0.3), lambda: RandomForestRegressor(n_estimators=3, max_depth=3)],
                         ids=["Ridge", "RandomForestRegressor"])
def test_model_bytes_written_in_python_are_the_library_s(make, data):
    """franca._model (how from_sklearn makes a model) writes what franca_estimator_save writes,
    checksum included, from the same parameters and attributes."""
    X, y = data
    model = make().fit(X, y)
    params = _lib.take_string(_lib.lib.franca_estimator_get_params, model._handle.value)
    names = [*model._spec["attributes"], "n_features_in_"]
    # an optional attribute the fit left out reads None, and is not in the model
    attributes = {name: np.asarray(getattr(model, name)) for name in names
                  if hasattr(model, name) and getattr(model, name) is not None}
    assert _model.model_bytes(model._spec["name"], params, attributes) == model.__getstate__()["_franca_model"]


def test_forest_pickles_without_its_scikit_learn_trees(data):
    X, y = data
    model = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)
    trees = model.estimators_
    assert model.estimators_ is trees  # made once
    again = pickle.loads(pickle.dumps(model))
    assert "_estimators" not in again.__dict__
    assert_array_equal(again.estimators_[2].tree_.threshold, trees[2].tree_.threshold)
    assert_array_equal(again.predict(X), model.predict(X))


def test_sparsify_gives_a_sparse_coef_until_densify_or_a_refit(data):
    """scikit-learn's SparseCoefMixin: coef_ as CSR after sparsify() (kept by pickle), dense after
    densify() or a new fit; the model and its predictions are the same throughout."""
    X, y = data
    model = LogisticRegression().fit(X, y > 0)
    dense, scores = model.coef_, model.decision_function(X)
    assert model.sparsify() is model
    for fitted in (model, pickle.loads(pickle.dumps(model))):
        assert scipy.sparse.isspmatrix_csr(fitted.coef_)
        assert_array_equal(fitted.coef_.toarray(), dense)
        assert_array_equal(fitted.decision_function(scipy.sparse.csr_matrix(X)), scores)
    assert isinstance(model.densify().coef_, np.ndarray)
    model.sparsify().fit(X, y > 0)
    assert isinstance(model.coef_, np.ndarray)
    assert not hasattr(Ridge(), "sparsify")  # scikit-learn's Ridge has none either
