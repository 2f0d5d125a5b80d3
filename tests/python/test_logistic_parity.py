"""LogisticRegression against scikit-learn 1.2 (solver='lbfgs', and 'saga' for l1/elasticnet), and
solver='newton-cholesky' against the installed scikit-learn's (1.2: binary and one-vs-rest; 1.9:
multinomial too, else against 1.2's lbfgs, which minimises the same objective).

scikit-learn 1.2 runs scipy's L-BFGS-B with its default ftol (2.2e-9), which stops short of
the optimum by more than this suite's tolerances; the reference fits therefore run with
ftol = 64 * eps (as franca and scikit-learn >= 1.4 do): the objective and every other
setting are scikit-learn's own. Run with FRANCA_LIBRARY=path/to/libfranca.so.
"""
import contextlib
import functools
from unittest import mock

import numpy as np
import pytest
from scipy.linalg import LinAlgWarning
import scipy.optimize
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import _logistic as sk_logistic
from sklearn.preprocessing import StandardScaler

import _capi
from _capi import Estimator, FrancaError

COEF_RTOL = 1e-4       # max |coef - ref| / max |ref|, float64, well-conditioned problems
LOG_LOSS_ATOL = 1e-6   # mean weighted log-loss
FLOAT32_RTOL = 1e-3    # float32 X against a float64 reference
FTOL = 64 * np.finfo(float).eps


@contextlib.contextmanager
def tight_ftol():
    real = scipy.optimize.minimize

    def minimize(*args, **kwargs):
        kwargs.setdefault("options", {})["ftol"] = FTOL
        return real(*args, **kwargs)

    with mock.patch.object(sk_logistic.optimize, "minimize", minimize):
        yield


# scikit-learn 1.2 is the reference; `reference` computes 1.2's model on the newer versions too, where
# three things these tests use changed:
# - class_weight='balanced' with sample_weight: 1.2 divides by the number of samples of each class;
#   scikit-learn >= 1.7 by their summed sample_weight (scikit-learn PR 30057). The 1.2 weights are
#   passed as a dict, which every version applies the same way.
# - multi_class: deprecated in 1.5, then removed. Where LogisticRegression has no such parameter,
#   'ovr' and two-class 'multinomial' are computed from binary fits, as 1.2 computes them.
# - penalty: deprecated in 1.8 for l1_ratio (0: 'l2', 1: 'l1') and C=inf (None); `sk_logistic_regression`
#   spells it so where it is deprecated.
SKLEARN_HAS_MULTI_CLASS = "multi_class" in LogisticRegression().get_params()
SKLEARN_PENALTY_DEPRECATED = LogisticRegression().get_params()["penalty"] == "deprecated"


def sk_logistic_regression(**params):
    if SKLEARN_PENALTY_DEPRECATED and "penalty" in params:
        penalty = params.pop("penalty")
        if penalty is None:
            params["C"] = np.inf
        elif penalty != "elasticnet":
            params["l1_ratio"] = {"l2": 0.0, "l1": 1.0}[penalty]
    return LogisticRegression(**params)


def balanced_class_weight(y, classes):
    """scikit-learn 1.2's class_weight='balanced': n_samples / (n_classes * count of each class)."""
    counts = np.array([(y == c).sum() for c in classes], dtype=np.float64)
    return dict(zip(classes, len(y) / (len(classes) * counts)))


def reference(X, y, sample_weight=None, **params):
    params = {"tol": 1e-10, "max_iter": 10000, **params}
    multi_class = params.get("multi_class", "auto")
    if params.get("class_weight") == "balanced" and multi_class != "ovr":  # ovr: per binary problem, below
        params["class_weight"] = balanced_class_weight(y, np.unique(y))
    if not SKLEARN_HAS_MULTI_CLASS and "multi_class" in params:
        del params["multi_class"]
        if multi_class == "ovr":
            return OneVsRestReference(X, y, sample_weight, **params)
        if multi_class == "multinomial" and len(np.unique(y)) == 2:
            return BinaryMultinomialReference(X, y, sample_weight, **params)
    with tight_ftol():
        return sk_logistic_regression(**params).fit(X, y, sample_weight=sample_weight)


class OneVsRestReference:
    """scikit-learn 1.2's multi_class='ovr': one binary fit per class (that class against the rest), a
    class_weight dict applied by the original labels, 'balanced' computed on each binary problem (as
    1.2's _logistic_regression_path does); probabilities are the sigmoids of the decisions, normalised."""

    def __init__(self, X, y, sample_weight=None, class_weight=None, **params):
        self.classes_ = np.unique(y)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if isinstance(class_weight, dict):
            w = w * np.array([class_weight.get(c, 1.0) for c in y])
        fits = []
        for c in self.classes_:
            y_bin = (y == c).astype(np.float64)
            w_bin = w
            if class_weight == "balanced":
                cw = balanced_class_weight(y_bin, [0.0, 1.0])
                w_bin = w * np.where(y_bin == 1, cw[1.0], cw[0.0])
            with tight_ftol():
                fits.append(sk_logistic_regression(**params).fit(X, y_bin, sample_weight=w_bin))
        self.coef_ = np.vstack([f.coef_ for f in fits])
        self.intercept_ = np.concatenate([f.intercept_ for f in fits])

    def decision_function(self, X):
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-self.decision_function(X)))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


class BinaryMultinomialReference:
    """scikit-learn 1.2's multi_class='multinomial' on two classes: a softmax over two rows with
    W0 = -W1 (the L2 penalty splits them evenly; the intercepts too, L-BFGS starting from 0), reported
    as coef_ = W1, decision_function = W1 x + b1, probability of class 1 = sigmoid(2 (W1 x + b1)).
    That is the binomial model v = 2 W1, whose penalty ||W0||^2 + ||W1||^2 = ||v||^2 / 2 is the
    binomial one with C doubled."""

    def __init__(self, X, y, sample_weight=None, C=1.0, **params):
        with tight_ftol():
            self._binomial = sk_logistic_regression(C=2 * C, **params).fit(X, y, sample_weight=sample_weight)
        self.classes_ = self._binomial.classes_
        self.coef_ = self._binomial.coef_ / 2
        self.intercept_ = self._binomial.intercept_ / 2

    def decision_function(self, X):
        return self._binomial.decision_function(X) / 2

    def predict_proba(self, X):
        return self._binomial.predict_proba(X)

    def predict(self, X):
        return self._binomial.predict(X)


def franca(X, y, sample_weight=None, **params):
    params = {"tol": 1e-10, "max_iter": 10000, **params}
    return Estimator("LogisticRegression", **params).fit(X, y, sample_weight)


def log_loss(proba, y, classes, sample_weight=None):
    idx = np.searchsorted(classes, y)
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    return -(w * np.log(proba[np.arange(len(y)), idx])).sum() / w.sum()


def objective(X, y, coef, intercept, classes, C=1.0, l1_ratio=0.0, sample_weight=None):
    """scikit-learn's objective: sum_i w_i loss_i + (1 - r)/(2C) ||W||^2 + r/C ||W||_1."""
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0, z) - (y == classes[1]) * z
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    return (w * loss).sum() + (1 - l1_ratio) / (2 * C) * (coef**2).sum() + l1_ratio / C * np.abs(coef).sum()


def assert_same_model(est, ref, X, y, sample_weight=None, rtol=COEF_RTOL, loss_atol=LOG_LOSS_ATOL):
    coef, intercept = est.attribute("coef_"), est.attribute("intercept_")
    np.testing.assert_array_equal(est.attribute("classes_"), ref.classes_)
    assert coef.shape == ref.coef_.shape and intercept.shape == ref.intercept_.shape
    scale = max(np.abs(ref.coef_).max(), 1e-12)
    assert np.abs(coef - ref.coef_).max() / scale <= rtol, (coef, ref.coef_)
    assert np.abs(intercept - ref.intercept_).max() / max(np.abs(ref.intercept_).max(), scale) <= rtol
    proba = est.apply("predict_proba", X)
    ref_proba = ref.predict_proba(X)
    assert abs(log_loss(proba, y, ref.classes_, sample_weight) - log_loss(ref_proba, y, ref.classes_, sample_weight)) <= loss_atol
    np.testing.assert_array_equal(est.apply("predict", X), ref.predict(X).astype(np.float64))


@functools.lru_cache(maxsize=None)
def dataset(name):
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name == "iris":
        X, y = load_iris(return_X_y=True)
    else:
        X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y.astype(np.float64)


def random_problem(n_classes, n=400, d=12, seed=0):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=min(d, max(4, n_classes)), n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=seed)
    return X, y.astype(np.float64)


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "digits"])
def test_real_datasets(name):
    X, y = dataset(name)
    assert_same_model(franca(X, y), reference(X, y), X, y)


@pytest.mark.parametrize("n_classes", [2, 3, 20])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_random_problems(n_classes, fit_intercept):
    X, y = random_problem(n_classes, n=60 * n_classes, seed=n_classes)
    assert_same_model(franca(X, y, fit_intercept=fit_intercept), reference(X, y, fit_intercept=fit_intercept), X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sample_weight(n_classes):
    X, y = random_problem(n_classes, seed=10 + n_classes)
    w = np.random.default_rng(0).uniform(0, 3, len(y))
    w[:20] = 0
    assert_same_model(franca(X, y, w), reference(X, y, w), X, y, w)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
def test_class_weight(n_classes, class_weight):
    X, y = random_problem(n_classes, seed=20 + n_classes)
    y[: len(y) // 3] = 0  # unbalanced classes
    w = np.random.default_rng(1).uniform(0.5, 2, len(y))
    if class_weight == "dict":
        sk_cw = {0.0: 3.0, 1.0: 0.5}
        franca_cw = {"0": 3.0, "1.0": 0.5}
    else:
        sk_cw = franca_cw = "balanced"
    est = franca(X, y, w, class_weight=franca_cw)
    ref = reference(X, y, w, class_weight=sk_cw)
    assert_same_model(est, ref, X, y, w)


@pytest.mark.parametrize("C", [1e-4, 1e-2, 100.0])
def test_regularisation_strength(C):
    X, y = dataset("breast_cancer")
    assert_same_model(franca(X, y, C=C), reference(X, y, C=C), X, y)


def test_separable_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.float64)
    assert_same_model(franca(X, y), reference(X, y), X, y)


def test_no_penalty():
    X, y = random_problem(3, seed=4)
    X += np.random.default_rng(4).normal(scale=2.0, size=X.shape)  # not separable: a finite optimum
    assert_same_model(franca(X, y, penalty=None), reference(X, y, penalty=None), X, y)


def test_infinite_c_is_no_penalty():
    # scikit-learn >= 1.8 spells "no penalty" C=np.inf; the model saves and loads with it.
    import pickle

    from franca.linear_model import LogisticRegression
    X, y = random_problem(3, seed=4)
    X += np.random.default_rng(4).normal(scale=2.0, size=X.shape)
    assert_same_model(franca(X, y, C=np.inf), reference(X, y, penalty=None), X, y)
    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    assert again.get_params()["C"] == np.inf
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_two_class_multinomial():
    X, y = dataset("breast_cancer")
    est = franca(X, y, multi_class="multinomial")
    ref = reference(X, y, multi_class="multinomial")
    assert_same_model(est, ref, X, y)
    np.testing.assert_allclose(est.apply("decision_function", X), ref.decision_function(X), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("class_weight", [None, "balanced", "dict"])
def test_one_vs_rest(class_weight):
    X, y = random_problem(4, seed=9)
    y[:100] = 0
    w = np.random.default_rng(2).uniform(0.5, 2, len(y))
    sk_cw, franca_cw = {None: (None, None), "balanced": ("balanced", "balanced"),
                        "dict": ({0.0: 2.0, 3.0: 0.5}, {"0": 2.0, "3": 0.5})}[class_weight]
    est = franca(X, y, w, multi_class="ovr", class_weight=franca_cw)
    ref = reference(X, y, w, multi_class="ovr", class_weight=sk_cw)
    assert_same_model(est, ref, X, y, w)
    assert est.attribute("n_iter_").shape == (4,)
    np.testing.assert_allclose(est.apply("predict_log_proba", X), np.log(ref.predict_proba(X)), rtol=1e-4, atol=1e-6)
    loaded = Estimator.load(est.save())
    np.testing.assert_array_equal(loaded.apply("predict_proba", X), est.apply("predict_proba", X))


def test_float32_and_layouts():
    X, y = random_problem(3, seed=5)
    ref = reference(X, y)
    for Xf in [X.astype(np.float32), np.asfortranarray(X.astype(np.float32))]:
        model = franca(Xf, y)
        assert_same_model(model, ref, X, y, rtol=FLOAT32_RTOL, loss_atol=1e-5)
        # scikit-learn >= 1.3 keeps float32 (1.2's lbfgs gave float64).
        assert model.attribute("coef_").dtype == model.attribute("intercept_").dtype == np.float32
    dense = franca(X, y)
    fortran = franca(np.asfortranarray(X), y)
    np.testing.assert_allclose(fortran.attribute("coef_"), dense.attribute("coef_"), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("value_dtype", [np.float64, np.float32])
def test_csr_matches_dense(n_classes, index_dtype, value_dtype):
    X, y = random_problem(n_classes, d=30, seed=6)
    X[np.abs(X) < 0.8] = 0  # sparse
    Xs = sp.csr_matrix(X.astype(value_dtype))
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    dense = franca(X.astype(value_dtype), y)
    sparse = franca(Xs, y)
    # Both fits stop at scikit-learn's relative reduction of the objective (64 eps), reached along
    # iterates that differ in rounding: about 1e-8 apart in the coefficients.
    tol = 1e-7 if value_dtype == np.float64 else 1e-5
    np.testing.assert_allclose(sparse.attribute("coef_"), dense.attribute("coef_"), rtol=tol, atol=tol)
    np.testing.assert_allclose(sparse.apply("predict_proba", Xs), dense.apply("predict_proba", X.astype(value_dtype)),
                               rtol=tol, atol=tol)
    if value_dtype == np.float64:
        assert_same_model(sparse, reference(sp.csr_matrix(X), y), Xs, y)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_csr_with_empty_columns(penalty):
    """The CPU fit runs over the columns that hold values; the others get coefficient 0."""
    X, y = random_problem(3, d=10, seed=8)
    wide = np.zeros((len(y), 40))
    wide[:, ::4] = X
    est = franca(sp.csr_matrix(wide), y, penalty=penalty, C=0.5, tol=1e-8)
    ref = franca(X, y, penalty=penalty, C=0.5, tol=1e-8)
    coef = est.attribute("coef_")
    assert np.all(coef[:, np.arange(40) % 4 != 0] == 0)
    np.testing.assert_allclose(coef[:, ::4], ref.attribute("coef_"), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(est.attribute("intercept_"), ref.attribute("intercept_"), rtol=1e-7, atol=1e-8)


def test_csr_without_stored_values():
    """Only the intercepts can be fitted: they give the (weighted) class frequencies."""
    X, y = dataset("iris")
    est = franca(sp.csr_matrix((len(y), 4)), y)
    assert np.all(est.attribute("coef_") == 0)
    np.testing.assert_allclose(est.apply("predict_proba", X)[0], [1 / 3, 1 / 3, 1 / 3], rtol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("penalty,l1_ratio", [("l1", None), ("elasticnet", 0.5)])
def test_l1_and_elasticnet_against_saga(n_classes, penalty, l1_ratio):
    X, y = random_problem(n_classes, d=20, seed=7)
    C = 0.05
    r = 1.0 if penalty == "l1" else l1_ratio
    est = franca(X, y, penalty=penalty, l1_ratio=l1_ratio, C=C, tol=1e-8)
    ref = sk_logistic_regression(solver="saga", penalty=penalty, l1_ratio=l1_ratio, C=C, tol=1e-12,
                                 max_iter=100000).fit(X, y)
    coef, intercept = est.attribute("coef_"), est.attribute("intercept_")
    f_franca = objective(X, y, coef, intercept, ref.classes_, C, r)
    f_saga = objective(X, y, ref.coef_, ref.intercept_, ref.classes_, C, r)
    # The same optimum: objective values agree, OWL-QN's no worse; coefficients loosely equal.
    assert f_franca <= f_saga * (1 + 1e-7) and f_saga - f_franca <= 1e-6 * f_saga, (f_franca, f_saga)
    np.testing.assert_allclose(coef, ref.coef_, atol=2e-3 * np.abs(ref.coef_).max())
    assert (coef == 0).sum() > 0  # L1 gives exact zeros
    np.testing.assert_array_equal(est.apply("predict", X), ref.predict(X))


def test_decision_function_and_log_proba():
    X, y = dataset("breast_cancer")
    est, ref = franca(X, y), reference(X, y)
    decision = est.apply("decision_function", X)
    assert decision.shape == (len(y),)
    np.testing.assert_allclose(decision, ref.decision_function(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.exp(est.apply("predict_log_proba", X)), est.apply("predict_proba", X), rtol=1e-12)
    X3, y3 = dataset("iris")
    assert franca(X3, y3).apply("decision_function", X3).shape == (len(y3), 3)


def test_attributes():
    X, y = dataset("iris")
    est = franca(X, y * 10 + 5)
    np.testing.assert_array_equal(est.attribute("classes_"), [5.0, 15.0, 25.0])
    assert est.attribute("coef_").shape == (3, 4) and est.attribute("intercept_").shape == (3,)
    n_iter = est.attribute("n_iter_")
    assert n_iter.dtype == np.int64 and n_iter.shape == (1,) and 0 < n_iter[0] < 10000
    assert set(est.apply("predict", X)) <= {5.0, 15.0, 25.0}


def test_integer_labels_and_max_iter():
    X, y = dataset("breast_cancer")
    est = franca(X, y.astype(np.int32), max_iter=3)
    assert est.attribute("n_iter_")[0] == 3


def test_warm_start():
    X, y = dataset("iris")
    est = franca(X, y, warm_start=True)
    first = est.attribute("coef_")
    est.fit(X, y)
    assert est.attribute("n_iter_")[0] <= 2
    np.testing.assert_allclose(est.attribute("coef_"), first, rtol=1e-6, atol=1e-8)


def test_save_load_round_trip():
    X, y = dataset("digits")
    est = franca(X, y, tol=1e-4, max_iter=100)
    loaded = Estimator.load(est.save())
    for method in ["predict", "predict_proba", "predict_log_proba", "decision_function"]:
        np.testing.assert_array_equal(loaded.apply(method, X), est.apply(method, X))
    assert loaded.get_params() == est.get_params()


# ------------------------------------------------------------------ bad inputs


def assert_fails(status, fragment, fn, *args, **kwargs):
    with pytest.raises(FrancaError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, info.value
    assert fragment in info.value.message, info.value.message


def test_single_class():
    X, _ = dataset("iris")
    assert_fails(_capi.INVALID_ARGUMENT, "y: This solver needs samples of at least 2 classes in the data, but the data "
                 "contains only one class: 1", franca, X, np.ones(len(X)))


def test_nan_in_x():
    X, y = dataset("iris")
    X = X.copy()
    X[3, 1] = np.nan
    assert_fails(_capi.INVALID_ARGUMENT, "Input X contains NaN", franca, X, y)


def test_rows_mismatch():
    X, y = dataset("iris")
    assert_fails(_capi.INVALID_ARGUMENT, "y: Found input variables with inconsistent numbers of samples: [150, 149]",
                 franca, X, y[:-1])


def test_negative_sample_weight():
    X, y = dataset("iris")
    w = np.ones(len(y))
    w[0] = -1
    assert_fails(_capi.INVALID_ARGUMENT, "sample_weight: negative values are not allowed", franca, X, y, w)


def test_unknown_penalty():
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'penalty': must be one of 'l1', 'l2', 'elasticnet', 'none', got 'l3'",
                 Estimator, "LogisticRegression", penalty="l3")


def test_elasticnet_needs_l1_ratio():
    X, y = dataset("iris")
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'l1_ratio': must be between 0 and 1 when penalty='elasticnet'",
                 franca, X, y, penalty="elasticnet")
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'l1_ratio': must be <= 1", Estimator, "LogisticRegression",
                 l1_ratio=1.5)


def test_unsupported_settings():
    assert_fails(_capi.NOT_IMPLEMENTED, "parameter 'solver': 'liblinear' is not implemented", Estimator,
                 "LogisticRegression", solver="liblinear")
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'solver': must be one of", Estimator, "LogisticRegression",
                 solver="adam")
    X, y = dataset("iris")
    assert_fails(_capi.INVALID_ARGUMENT, "Solver lbfgs supports only dual=False, got dual=True", franca, X, y,
                 dual=True)
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'C': must be > 0", Estimator, "LogisticRegression", C=0)


def test_bad_class_weight():
    X, y = dataset("iris")
    assert_fails(_capi.INVALID_ARGUMENT, "class_weight: the classes, [2], are not in class_weight", franca, X, y,
                 class_weight={"0": 1.0, "1": 2.0, "7": 1.0})
    assert_fails(_capi.INVALID_ARGUMENT, "the key 'cat' is not a numeric class label", Estimator,
                 "LogisticRegression", class_weight={"cat": 1.0})
    assert_fails(_capi.INVALID_ARGUMENT, "must be one of 'balanced'", Estimator, "LogisticRegression",
                 class_weight="auto")


def test_predict_checks_features():
    X, y = dataset("iris")
    est = franca(X, y)
    assert_fails(_capi.INVALID_ARGUMENT, "X has 3 features, but LogisticRegression is expecting 4", est.apply,
                 "predict", X[:, :3])
    assert_fails(_capi.NOT_FITTED, "not fitted", Estimator("LogisticRegression").apply, "predict", X)


def test_malformed_csr():
    X, y = dataset("iris")
    Xs = sp.csr_matrix(X)
    Xs.indices[5] = 99
    assert_fails(_capi.INVALID_ARGUMENT, "indices: column index 99 at position 5 is outside [0, 4)", franca, Xs, y)


def test_cancelled_fit():
    X, y = dataset("iris")
    ctx = _capi.ctypes.c_void_p()
    _capi.check(_capi.lib.franca_context_create(b"cpu", _capi.ctypes.byref(ctx)))
    try:
        _capi.check(_capi.lib.franca_cancel(ctx))
        est = Estimator("LogisticRegression")
        assert_fails(_capi.CANCELLED, "", est.fit, X, y, ctx=ctx)
        fitted = _capi.ctypes.c_int(1)
        _capi.check(_capi.lib.franca_estimator_is_fitted(est.handle, _capi.ctypes.byref(fitted)))
        assert fitted.value == 0
        _capi.check(_capi.lib.franca_context_reset_cancel(ctx))
        est.fit(X, y, ctx=ctx)
    finally:
        _capi.lib.franca_context_free(ctx)


def text_problem(n_docs=600):
    """TF-IDF of real text: chunks of Debian copyright files (class 0), changelogs (1) and
    READMEs (2) from /usr/share/doc, hashed to 2**16 columns."""
    import gzip
    from pathlib import Path

    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    docs, labels = [], []
    for label, pattern in enumerate(["*/copyright", "*/changelog.Debian.gz", "*/README*"]):
        found = 0
        for path in sorted(Path("/usr/share/doc").glob(pattern)):
            opener = gzip.open if path.suffix == ".gz" else open
            try:
                with opener(path, "rt", encoding="utf-8") as f:
                    lines = [line for line in f.read().splitlines() if line.strip()]
            except (OSError, UnicodeDecodeError, EOFError):
                continue
            for i in range(0, min(len(lines), 40), 8):
                docs.append("\n".join(lines[i : i + 8]))
                labels.append(float(label))
                found += 1
            if found >= n_docs // 3:
                break
    if len(set(labels)) < 3 or len(docs) < n_docs // 2:
        pytest.skip("too little text under /usr/share/doc on this machine")
    counts = HashingVectorizer(n_features=2**16, alternate_sign=False, norm=None).transform(docs)
    return TfidfTransformer().fit_transform(counts).tocsr(), np.asarray(labels)


@pytest.mark.parametrize("C", [1.0, 10.0])
def test_tfidf_of_real_text(C):
    X, y = text_problem()
    assert_same_model(franca(X, y, C=C), reference(X, y, C=C), X, y)


# ------------------------------------------------------------------ newton-cholesky and the other solver names


def sklearn_newton_cholesky(X, y, sample_weight=None, **params):
    """scikit-learn's newton-cholesky; where it has no multinomial backend (before 1.6), its lbfgs
    with ftol = 64 eps, which minimises the same objective."""
    params = {"tol": 1e-10, "max_iter": 10000, **params}
    try:
        return sk_logistic_regression(solver="newton-cholesky", **params).fit(X, y, sample_weight=sample_weight)
    except ValueError as error:
        if "does not support a multinomial backend" not in str(error):
            raise
    with tight_ftol():
        return sk_logistic_regression(**params).fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "digits"])
def test_newton_cholesky_real_datasets(name):
    X, y = dataset(name)
    est = franca(X, y, solver="newton-cholesky")
    params = {} if name == "breast_cancer" or not SKLEARN_HAS_MULTI_CLASS else {"multi_class": "multinomial"}
    assert_same_model(est, sklearn_newton_cholesky(X, y, **params), X, y)


@pytest.mark.parametrize("C", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_newton_cholesky_binary_iterations(C, fit_intercept):
    """Binary newton-cholesky is scikit-learn's algorithm step for step: the same n_iter_ at the
    default tol, and the same model."""
    X, y = dataset("breast_cancer")
    for tol in [1e-4, 1e-10]:
        est = franca(X, y, solver="newton-cholesky", C=C, fit_intercept=fit_intercept, tol=tol)
        ref = sk_logistic_regression(solver="newton-cholesky", C=C, fit_intercept=fit_intercept, tol=tol).fit(X, y)
        np.testing.assert_array_equal(est.attribute("n_iter_"), ref.n_iter_)
        if tol == 1e-10:
            assert_same_model(est, ref, X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_newton_cholesky_sample_and_class_weights(n_classes):
    X, y = random_problem(n_classes, seed=30 + n_classes)
    y[: len(y) // 3] = 0
    w = np.random.default_rng(3).uniform(0, 3, len(y))
    w[:15] = 0
    params = {} if n_classes == 2 or not SKLEARN_HAS_MULTI_CLASS else {"multi_class": "multinomial"}
    assert_same_model(franca(X, y, w, solver="newton-cholesky"), sklearn_newton_cholesky(X, y, w, **params), X, y, w)
    cw = {0.0: 3.0, 1.0: 0.5}
    est = franca(X, y, w, solver="newton-cholesky", class_weight={"0": 3.0, "1": 0.5})
    assert_same_model(est, sklearn_newton_cholesky(X, y, w, class_weight=cw, **params), X, y, w)


def test_newton_cholesky_one_vs_rest():
    """multi_class='ovr' (scikit-learn 1.2's default for newton-cholesky on more than 2 classes)."""
    X, y = random_problem(4, seed=40)
    est = franca(X, y, solver="newton-cholesky", multi_class="ovr")
    ref = reference(X, y, solver="newton-cholesky", multi_class="ovr")
    assert_same_model(est, ref, X, y)
    assert est.attribute("n_iter_").shape == (4,)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_newton_cholesky_without_penalty(n_classes):
    X, y = random_problem(n_classes, seed=50 + n_classes)
    X += np.random.default_rng(5).normal(scale=2.0, size=X.shape)  # not separable: a finite optimum
    params = {} if n_classes == 2 or not SKLEARN_HAS_MULTI_CLASS else {"multi_class": "multinomial"}
    est = franca(X, y, solver="newton-cholesky", penalty=None)
    assert_same_model(est, sklearn_newton_cholesky(X, y, penalty=None, **params), X, y)
    assert est.attribute("n_iter_")[0] <= 15


@pytest.mark.parametrize("n_classes", [2, 3])
def test_newton_cholesky_csr_and_float32(n_classes):
    X, y = random_problem(n_classes, d=30, seed=60 + n_classes)
    X[np.abs(X) < 0.8] = 0
    dense = franca(X, y, solver="newton-cholesky")
    sparse = franca(sp.csr_matrix(X), y, solver="newton-cholesky")
    np.testing.assert_allclose(sparse.attribute("coef_"), dense.attribute("coef_"), rtol=1e-9, atol=1e-12)
    single = franca(X.astype(np.float32), y, solver="newton-cholesky")
    params = {} if n_classes == 2 or not SKLEARN_HAS_MULTI_CLASS else {"multi_class": "multinomial"}
    ref = sklearn_newton_cholesky(X, y, **params)
    assert_same_model(single, ref, X, y, rtol=FLOAT32_RTOL, loss_atol=1e-5)


def test_newton_cholesky_singular_hessian_falls_back_to_lbfgs():
    """A repeated column without a penalty: scikit-learn's warning, then L-BFGS to the optimum."""
    import franca as fr

    X, y = random_problem(2, d=6, seed=70)
    X = np.c_[X, X[:, :1]]
    est = fr.linear_model.LogisticRegression(solver="newton-cholesky", penalty=None, tol=1e-8)
    with pytest.warns(LinAlgWarning, match="stumbled upon a singular or very ill-conditioned Hessian matrix at "
                      "iteration 1"):
        est.fit(X, y)
    proba = est.predict_proba(X)[:, 1]
    gradient = X.T @ (proba - y)
    assert np.abs(gradient).max() <= 1e-6 * len(y)


def test_newton_cholesky_warns_at_max_iter():
    from sklearn.exceptions import ConvergenceWarning

    import franca as fr

    X, y = dataset("breast_cancer")
    est = fr.linear_model.LogisticRegression(solver="newton-cholesky", max_iter=1)
    with pytest.warns(ConvergenceWarning, match="Newton solver did not converge after 1 iterations"):
        est.fit(X, y)
    assert est.n_iter_[0] == 1


@pytest.mark.parametrize("solver", ["newton-cg", "sag", "saga"])
def test_other_solver_names_run_lbfgs(solver):
    """scikit-learn's other algorithms for the same minimum: franca reaches it with lbfgs."""
    X, y = dataset("iris")
    est = franca(X, y, solver=solver)
    np.testing.assert_array_equal(est.attribute("coef_"), franca(X, y).attribute("coef_"))
    assert_same_model(est, reference(X, y), X, y)


@pytest.mark.parametrize("solver,message", [
    ("newton-cg", "newton-cg failed to converge. Increase the number of iterations."),
    ("sag", "The max_iter was reached which means the coef_ did not converge"),
    ("saga", "The max_iter was reached which means the coef_ did not converge")])
def test_other_solver_names_warn_in_their_words(solver, message):
    """Stopped at max_iter, lbfgs standing in for another solver warns as that one does."""
    from sklearn.exceptions import ConvergenceWarning

    import franca as fr

    X, y = dataset("breast_cancer")
    est = fr.linear_model.LogisticRegression(solver=solver, max_iter=2, tol=1e-15)
    with pytest.warns(ConvergenceWarning, match=message):
        est.fit(X, y)
    assert est.n_iter_[0] == 2


@pytest.mark.parametrize("penalty,l1_ratio", [("l1", None), ("elasticnet", 0.5)])
def test_saga_l1_and_elasticnet_against_saga(penalty, l1_ratio):
    X, y = random_problem(3, d=20, seed=7)
    C = 0.05
    r = 1.0 if penalty == "l1" else l1_ratio
    est = franca(X, y, solver="saga", penalty=penalty, l1_ratio=l1_ratio, C=C, tol=1e-8)
    ref = sk_logistic_regression(solver="saga", penalty=penalty, l1_ratio=l1_ratio, C=C, tol=1e-12,
                                 max_iter=100000).fit(X, y)
    f_franca = objective(X, y, est.attribute("coef_"), est.attribute("intercept_"), ref.classes_, C, r)
    f_saga = objective(X, y, ref.coef_, ref.intercept_, ref.classes_, C, r)
    assert f_franca <= f_saga * (1 + 1e-7) and f_saga - f_franca <= 1e-6 * f_saga, (f_franca, f_saga)


@pytest.mark.parametrize("solver,penalty,l1_ratio", [("sag", "l1", None), ("newton-cg", "l1", None),
                                                     ("newton-cholesky", "l1", None),
                                                     ("newton-cholesky", "elasticnet", 0.5),
                                                     ("sag", "elasticnet", 0.5)])
def test_solver_penalty_errors_as_scikit_learn(solver, penalty, l1_ratio):
    """scikit-learn's _check_solver message, in 1.9's words ('l2' or None; 1.2 says 'none')."""
    X, y = dataset("iris")
    with pytest.raises(ValueError) as theirs:
        sk_logistic_regression(solver=solver, penalty=penalty, l1_ratio=l1_ratio).fit(X, y)
    with pytest.raises(FrancaError) as ours:
        franca(X, y, solver=solver, penalty=penalty, l1_ratio=l1_ratio)
    assert ours.value.status == _capi.INVALID_ARGUMENT
    assert ours.value.message == str(theirs.value).replace("'none'", "None")
