"""Bad inputs raise the exception class a Python user expects, with a message that names
the argument and the problem."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.exceptions

import franca
from franca import exceptions
from franca.linear_model import LogisticRegression, Ridge


@pytest.fixture
def data(rng):
    X = rng.normal(size=(20, 3))
    return X, X[:, 0] + 1


def test_hierarchy_subclasses_the_builtin_classes():
    assert issubclass(franca.FrancaValueError, ValueError)
    assert issubclass(franca.CorruptModelError, franca.FrancaValueError)
    assert issubclass(franca.FrancaTypeError, TypeError)
    assert issubclass(franca.FrancaMemoryError, MemoryError)
    assert issubclass(franca.NotFittedError, sklearn.exceptions.NotFittedError)
    assert issubclass(franca.NotFittedError, AttributeError) and issubclass(franca.NotFittedError, ValueError)
    assert issubclass(franca.FrancaNotFoundError, AttributeError) and issubclass(franca.FrancaNotFoundError, KeyError)
    assert issubclass(franca.FrancaNotImplementedError, NotImplementedError)
    assert issubclass(franca.FrancaDeviceError, RuntimeError)
    for cls in exceptions.BY_STATUS.values():
        assert issubclass(cls, franca.FrancaError)
    assert str(franca.FrancaNotFoundError("plain message")) == "plain message"  # not KeyError's quoting


@pytest.mark.parametrize("X, cls, pattern", [
    (np.full((5, 3), np.nan), franca.FrancaValueError, "Input X contains NaN"),
    (np.full((5, 3), np.inf), franca.FrancaValueError, "Input X contains infinity"),
    (np.zeros((0, 3)), franca.FrancaValueError, r"0 sample\(s\)"),
    (np.zeros((5, 0)), franca.FrancaValueError, r"0 feature\(s\)"),
    (np.zeros(5), franca.FrancaValueError, "Expected 2D array, got 1D array"),
    (np.zeros((5, 3), dtype=complex), franca.FrancaValueError, "Complex data not supported"),
    (np.array([["a", "b"], ["c", "d"]], dtype=object), ValueError, "could not convert string to float"),
])
def test_bad_X(X, cls, pattern):
    with pytest.raises(cls, match=pattern):
        Ridge().fit(X, np.zeros(len(X)))


def test_bad_y_and_sample_weight(data):
    X, y = data
    with pytest.raises(franca.FrancaValueError,
                       match=r"y: Found input variables with inconsistent numbers of samples: \[20, 19\]"):
        Ridge().fit(X, y[:-1])
    with pytest.raises(franca.FrancaValueError, match="requires y to be passed"):
        Ridge().fit(X)
    with pytest.raises(franca.FrancaValueError, match="sample_weight: negative values are not allowed"):
        Ridge().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(franca.FrancaValueError, match="sample_weight: has 3 elements but X has 20 rows"):
        Ridge().fit(X, y, sample_weight=np.ones(3))
    # scikit-learn's words (its test_ridge.py matches them), before any copy of a weight of 2 dimensions
    for weights in (np.ones((20, 1)), np.ones((1, 20))):
        with pytest.raises(franca.FrancaValueError, match="Sample weights must be 1D array or scalar, got a 2-D"):
            Ridge().fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, y)


def test_bad_parameters(data):
    X, y = data
    with pytest.raises(franca.FrancaValueError, match="alpha"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(franca.FrancaValueError, match="solver"):
        Ridge(solver="magic").fit(X, y)
    with pytest.raises(franca.FrancaTypeError, match="fit_intercept"):
        Ridge(fit_intercept="yes").fit(X, y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'alphaa'"):
        Ridge(alphaa=1.0)
    with pytest.raises(ValueError, match="Invalid parameter 'alphaa'"):
        Ridge().set_params(alphaa=1.0)
    with pytest.raises(franca.FrancaValueError, match="output_type"):
        franca.set_config(output_type="pandas")


@pytest.mark.parametrize("break_the_refit", ["nan_in_X", "bad_parameter"])
def test_a_failed_refit_leaves_the_classifier_as_it_was(rng, break_the_refit):
    import pickle
    X = rng.normal(size=(40, 3))
    clf = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    before = {"classes": clf.classes_.copy(), "predict": clf.predict(X), "proba": clf.predict_proba(X),
              "params": clf.get_params(), "model": pickle.dumps(clf)}
    three_labels = np.array(["a", "b", "c"])[np.arange(40) % 3]
    X_refit = X.copy()
    if break_the_refit == "nan_in_X":
        X_refit[5, 2] = np.nan
        with pytest.raises(franca.FrancaValueError, match="Input X contains NaN"):
            clf.fit(X_refit, three_labels)
    else:
        clf.set_params(C=-1.0)
        with pytest.raises(franca.FrancaValueError, match="parameter 'C'"):
            clf.fit(X_refit, three_labels)
        clf.set_params(C=1.0)
    np.testing.assert_array_equal(clf.classes_, before["classes"])
    np.testing.assert_array_equal(clf.predict(X), before["predict"])
    np.testing.assert_array_equal(clf.predict_proba(X), before["proba"])
    assert clf.get_params() == before["params"]
    # The C model too: its parameters and fitted state are those saved before the refit.
    assert pickle.dumps(clf) == before["model"]


@pytest.mark.skipif(franca.build_info()["cuda"]["devices"] != [], reason="a CUDA device is present")
def test_cuda_without_a_gpu_or_torch_is_franca_s_device_error(data, monkeypatch):
    from franca import _convert
    X, y = data
    monkeypatch.setattr(_convert, "_importable", lambda name: False)  # neither CuPy nor PyTorch
    for device in ("cuda", "cuda:0"):
        with franca.config_context(device=device):
            with pytest.raises((franca.FrancaNotImplementedError, franca.FrancaDeviceError),
                               match=f"device: '{device}' was requested but"):
                Ridge().fit(X, y)


@pytest.mark.parametrize("device", ["cuda:abc", "cuda:-1", "cuda:", "cuda:1.5", "gpu"])
def test_device_names_are_checked(device):
    with pytest.raises(franca.FrancaValueError, match="device: expected one of auto, cpu, cuda or 'cuda:N'"):
        franca.set_config(device=device)
    with pytest.raises(franca.FrancaValueError, match="device: expected"):
        with franca.config_context(device=device):
            pass


def test_wrong_number_of_features_and_unfitted(data):
    X, y = data
    with pytest.raises(franca.NotFittedError, match="This Ridge instance is not fitted yet"):
        Ridge().predict(X)
    with pytest.raises(AttributeError):
        Ridge().coef_
    assert not hasattr(Ridge(), "coef_")
    model = Ridge().fit(X, y)
    with pytest.raises(franca.FrancaValueError, match="X has 2 features, but Ridge is expecting 3 features"):
        model.predict(X[:, :2])


def test_wrong_kind_of_input(data, rng):
    import scipy.sparse as sp
    X, y = data
    dense_only = [cls for _, cls in franca.all_estimators() if cls._spec["inputs"] == ["dense"]]
    assert dense_only, "no dense-only estimator left to test sparse input on"
    with pytest.raises(franca.FrancaTypeError, match=f"{dense_only[0].__name__} does not accept sparse input"):
        dense_only[0]().fit(sp.csr_matrix(X), y)
    with pytest.raises(franca.FrancaTypeError, match=r"document 1 is a int, not a str"):
        _hash(["a", 1])
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        _hash("a single string")


def _hash(docs):
    from franca.feature_extraction.text import HashingVectorizer
    return HashingVectorizer().transform(docs)


def test_c_status_and_message_are_kept(data):
    X, y = data
    with pytest.raises(franca.FrancaValueError) as info:
        Ridge(alpha=-1.0).fit(X, y)
    assert info.value.status == 1 and info.value.status_name == "invalid_argument"
    assert "franca_estimator_set_params" in str(info.value)


def test_corrupt_model_bytes(data):
    import pickle
    X, y = data
    blob = bytearray(pickle.dumps(Ridge().fit(X, y)))
    model_start = blob.index(b"FRANCAM")
    blob[model_start + 40] ^= 0xFF
    with pytest.raises(franca.CorruptModelError, match="checksum mismatch"):
        pickle.loads(bytes(blob))


def test_unknown_estimator_in_a_module():
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        import franca.linear_model
        franca.linear_model.Nothing  # noqa: B018


def test_missing_library_lists_where_it_looked(tmp_path):
    env = dict(os.environ, FRANCA_LIBRARY=str(tmp_path / "libfranca.so"))
    package = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", "import franca"], env=env, cwd=package, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "FrancaLibraryNotFound" in result.stderr
    assert f"{tmp_path / 'libfranca.so'}: not found" in result.stderr
    assert "FRANCA_LIBRARY" in result.stderr
