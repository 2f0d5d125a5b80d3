"""franca.dask on a LocalCluster of 2 worker processes on loopback: every estimator gives the
single-machine result on 1, 2 and 5 partitions. Oracles: franca's single-machine fit on the same rows,
scikit-learn's estimators and NumPy's moments; for the GLMs, the objective of each fit computed here
from scikit-learn's metrics (log_loss, mean_tweedie_deviance), not from the library.

Run with FRANCA_LIBRARY=path/to/libfranca.so and PYTHONPATH=bindings/python (the workers inherit
both).
"""
import math
import os
import signal
import threading

import numpy as np
import pytest
import scipy.sparse as sp

dask = pytest.importorskip("dask", reason="franca.dask needs dask (Debian: python3-dask)")
distributed = pytest.importorskip("distributed", reason="franca.dask needs distributed (python3-distributed)")
pytest.importorskip("dask.dataframe", reason="franca.dask needs dask.dataframe (pandas)")

import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn import linear_model as sk_linear  # noqa: E402
from sklearn.metrics import log_loss, mean_tweedie_deviance  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import franca  # noqa: E402
import franca.dask as fd  # noqa: E402
from franca.feature_extraction import text as ftext  # noqa: E402
from franca import ensemble as fensemble, linear_model as flinear, preprocessing as fpre  # noqa: E402

PARTITIONS = (1, 2, 5)
EXACT_RTOL = 1e-12      # moments, document frequencies: the same sums in another order
SOLVE_RTOL = 1e-8       # least squares from merged Gram matrices against the library's solve
OBJECTIVE_RTOL = 1e-8   # the guarantee: the objective of the fit, relative
PREDICT_RTOL = 1e-6     # probabilities of two fits at the same objective
SAME_SOLVER_RTOL = 1e-8  # coefficients of the library's solver on the same rows summed in another order
TEST_SECONDS = 120      # each test, cluster start included


@pytest.fixture(autouse=True)
def bounded_time():
    """Fails a test that runs past TEST_SECONDS (pytest-timeout is not in Debian's stack)."""
    def expire(signum, frame):
        raise TimeoutError(f"test ran past {TEST_SECONDS} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def rows_per(n, partitions):
    return math.ceil(n / partitions)


def dense_problem(n=300, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d) * 4
    w = rng.uniform(0.2, 2.0, size=n)
    return X, w, rng


def chunked(a, partitions):
    return da.from_array(a, chunks=(rows_per(a.shape[0], partitions),) + a.shape[1:])


def documents(n=240, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["apple", "banana", "cherry", "delta", "echo", "fig", "grape", "hotel", "india", "jade"])
    labels = rng.integers(0, 3, size=n)
    # Words of the label's group and words of any: classes that overlap, so that C matters.
    docs = [" ".join(np.concatenate([rng.choice(words[3 * k: 3 * k + 5], size=rng.integers(1, 4)),
                                     rng.choice(words, size=rng.integers(3, 9))])) for k in labels]
    return docs, np.array(["cat", "dog", "eel"])[labels]


def assert_same_csr(a, b, rtol):
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=rtol, atol=0)


# -------------------------------------------------------------- text

@pytest.mark.parametrize("partitions", PARTITIONS)
def test_hashing_vectorizer_maps_over_a_bag(client, partitions):
    docs, _ = documents()
    bag = db.from_sequence(docs, npartitions=partitions)
    params = dict(n_features=2 ** 10, ngram_range=(1, 2))
    out = fd.HashingVectorizer(**params).fit_transform(bag)
    assert isinstance(out, da.Array)
    assert_same_csr(out.compute(), ftext.HashingVectorizer(**params).transform(docs), 0)


@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("smooth_idf", [True, False])
def test_tfidf_sums_document_frequencies(client, partitions, smooth_idf):
    docs, _ = documents()
    counts = ftext.HashingVectorizer(n_features=2 ** 10, norm=None, alternate_sign=False).transform(docs)
    counts = sp.csr_matrix(counts)
    X = da.from_array(counts, chunks=(rows_per(counts.shape[0], partitions), -1), asarray=False)
    model = fd.TfidfTransformer(smooth_idf=smooth_idf).fit(X)
    local = ftext.TfidfTransformer(smooth_idf=smooth_idf).fit(counts)
    np.testing.assert_allclose(model.idf_, local.idf_, rtol=EXACT_RTOL)
    assert_same_csr(model.transform(X).compute(), local.transform(counts), EXACT_RTOL)


# -------------------------------------------------------------- moments

@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_standard_scaler_merges_moments_exactly(client, partitions, weighted):
    X, w, _ = dense_problem()
    X[:, 2] = 7.0  # a constant column keeps scale 1
    dw = chunked(w, partitions) if weighted else None
    model = fd.StandardScaler().fit(chunked(X, partitions), sample_weight=dw)
    local = fpre.StandardScaler().fit(X, sample_weight=w if weighted else None)
    weights = w if weighted else np.ones(len(X))
    mean = np.average(X, axis=0, weights=weights)
    np.testing.assert_allclose(model.mean_, mean, rtol=EXACT_RTOL)
    np.testing.assert_allclose(model.var_, np.average((X - mean) ** 2, axis=0, weights=weights), rtol=1e-10,
                               atol=1e-12 * local.var_.max())
    # The constant column's variance is rounding noise (1e-30) in both.
    np.testing.assert_allclose(model.var_, local.var_, rtol=1e-10, atol=1e-12 * local.var_.max())
    np.testing.assert_array_equal(model.scale_ == 1, local.scale_ == 1)
    assert model.n_samples_seen_ == pytest.approx(local.n_samples_seen_, rel=EXACT_RTOL)
    out = model.transform(chunked(X, partitions))
    assert isinstance(out, da.Array)
    np.testing.assert_allclose(out.compute(), local.transform(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_standard_scaler_leaves_nan_out_as_one_machine(client, partitions):
    X, w, rng = dense_problem()
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 4] = np.nan  # a column without a value
    X[:170, 3] = np.nan  # a column without a value in the first partitions
    model = fd.StandardScaler().fit(chunked(X, partitions), sample_weight=chunked(w, partitions))
    local = fpre.StandardScaler().fit(X, sample_weight=w)
    np.testing.assert_allclose(model.n_samples_seen_, local.n_samples_seen_, rtol=EXACT_RTOL)
    np.testing.assert_allclose(model.mean_, local.mean_, rtol=1e-10)
    np.testing.assert_allclose(model.var_, local.var_, rtol=1e-10)
    np.testing.assert_allclose(model.transform(chunked(X, partitions)).compute(), local.transform(X), rtol=1e-9)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_standard_scaler_scales_csr_partitions(client, partitions):
    X, _, rng = dense_problem()
    X[rng.random(X.shape) < 0.5] = 0
    csr = sp.csr_matrix(X)
    dX = da.from_array(csr, chunks=(rows_per(len(X), partitions), -1), asarray=False)
    model = fd.StandardScaler(with_mean=False).fit(dX)
    local = fpre.StandardScaler(with_mean=False).fit(csr)
    np.testing.assert_allclose(model.var_, local.var_, rtol=1e-10)
    assert model.n_samples_seen_ == local.n_samples_seen_
    assert_same_csr(model.transform(dX).compute(), local.transform(csr), 1e-12)


# -------------------------------------------------------------- least squares

@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("name, params", [("LinearRegression", {}), ("Ridge", {"alpha": 2.5}),
                                          ("Ridge", {"alpha": 0.5, "fit_intercept": False})])
@pytest.mark.parametrize("sparse", [False, True])
def test_least_squares_from_merged_gram(client, partitions, name, params, sparse):
    X, w, rng = dense_problem()
    X[rng.random(X.shape) < 0.3] = 0
    y = X @ rng.normal(size=X.shape[1]) + 3 + rng.normal(size=len(X))
    Xin = sp.csr_matrix(X) if sparse else X
    dX = (da.from_array(Xin, chunks=(rows_per(len(X), partitions), -1), asarray=False) if sparse
          else chunked(X, partitions))
    model = getattr(fd, name)(**params).fit(dX, chunked(y, partitions), sample_weight=chunked(w, partitions))
    local = getattr(flinear, name)(**params).fit(Xin, y, sample_weight=w)
    reference = getattr(sk_linear, name)(**params).fit(X, y, sample_weight=w)
    for fitted in (local, reference):
        np.testing.assert_allclose(model.coef_, fitted.coef_, rtol=SOLVE_RTOL)
        np.testing.assert_allclose(model.intercept_, fitted.intercept_, rtol=SOLVE_RTOL, atol=1e-12)
    np.testing.assert_allclose(model.predict(dX).compute(), local.predict(Xin), rtol=SOLVE_RTOL)


def test_least_squares_two_targets(client):
    X, _, rng = dense_problem()
    Y = X @ rng.normal(size=(X.shape[1], 2)) + rng.normal(size=(len(X), 2))
    model = fd.Ridge(alpha=1.0).fit(chunked(X, 2), chunked(Y, 2))
    local = flinear.Ridge(alpha=1.0).fit(X, Y)
    np.testing.assert_allclose(model.coef_, local.coef_, rtol=SOLVE_RTOL)
    assert model.predict(chunked(X, 2)).compute().shape == (len(X), 2)


def test_dataframes_keep_their_feature_names(client):
    X, w, rng = dense_problem()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame["target"] = X @ rng.normal(size=X.shape[1]) + rng.normal(size=len(X))
    features = frame.columns[:-1]
    parts = dd.from_pandas(frame, npartitions=3)
    model = fd.Ridge().fit(parts[list(features)], parts["target"])
    local = flinear.Ridge().fit(frame[features], frame["target"])
    assert list(model.feature_names_in_) == list(features)
    np.testing.assert_allclose(model.coef_, local.coef_, rtol=SOLVE_RTOL)
    np.testing.assert_allclose(model.predict(parts[list(features)]).compute(), local.predict(frame[features]),
                               rtol=SOLVE_RTOL)


def test_only_the_single_machine_methods_are_offered():
    assert not hasattr(fd.StandardScaler(), "predict") and hasattr(fd.StandardScaler(), "inverse_transform")
    assert not hasattr(fd.Ridge(), "transform") and not hasattr(fd.Ridge(), "predict_proba")
    assert isinstance(fd.LogisticRegression(), flinear.LogisticRegression)


# -------------------------------------------------------------- GLMs

def logistic_objective(model, X, y, w, C, l1_ratio=0.0):
    """sum_i w_i log_loss_i + (1 - r) / (2C) ||coef_||^2 + r / C ||coef_||_1, from scikit-learn's
    log_loss of the model's probabilities."""
    proba = model.predict_proba(X)
    coef = np.asarray(model.coef_, dtype=np.float64)
    return log_loss(y, proba, sample_weight=w, normalize=False, labels=model.classes_) + \
        (1 - l1_ratio) * 0.5 / C * np.sum(coef ** 2) + l1_ratio / C * np.sum(np.abs(coef))


LOGISTIC_PARAMS = [{"C": 0.5, "class_weight": "balanced"}, {"C": 0.5, "solver": "newton-cholesky"},
                   {"C": 0.5, "penalty": "elasticnet", "l1_ratio": 0.5, "solver": "saga"}]


@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("params", LOGISTIC_PARAMS, ids=["lbfgs-balanced", "newton-cholesky", "elasticnet"])
def test_logistic_regression_reaches_the_single_machine_objective(client, partitions, n_classes, params):
    X, w, rng = dense_problem(n=400, d=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    scores = X @ rng.normal(size=(5, n_classes))
    y = np.array(["ant", "bee", "cow"])[np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)]
    model = fd.LogisticRegression(**params).fit(chunked(X, partitions), chunked(y, partitions),
                                                sample_weight=chunked(w, partitions))
    local = flinear.LogisticRegression(**params).fit(X, y, sample_weight=w)
    assert list(model.classes_) == list(local.classes_)
    classes, counts = np.unique(y, return_counts=True)
    class_weights = (len(y) / (n_classes * counts) if params.get("class_weight") else np.ones(n_classes))
    effective = w * class_weights[np.searchsorted(classes, y)]
    mine, single = (logistic_objective(m, X, y, effective, params["C"], params.get("l1_ratio", 0.0))
                    for m in (model, local))
    assert abs(mine - single) <= OBJECTIVE_RTOL * abs(single), (partitions, n_classes, mine, single)
    # The library's solver on both, the same sums in another order: the same iterations.
    np.testing.assert_allclose(model.coef_, local.coef_, rtol=SAME_SOLVER_RTOL, atol=SAME_SOLVER_RTOL)
    np.testing.assert_array_equal(model.n_iter_, local.n_iter_)
    proba = model.predict_proba(chunked(X, partitions))
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), local.predict_proba(X), rtol=PREDICT_RTOL, atol=PREDICT_RTOL)
    np.testing.assert_array_equal(model.predict(chunked(X, partitions)).compute(), local.predict(X))


GLMS = [("PoissonRegressor", {}, 1.0), ("GammaRegressor", {"alpha": 0.5}, 2.0),
        ("TweedieRegressor", {"power": 1.5, "alpha": 0.1}, 1.5),
        ("TweedieRegressor", {"power": 0.0, "alpha": 0.1}, 0.0),
        ("PoissonRegressor", {"solver": "newton-cholesky"}, 1.0),
        ("GammaRegressor", {"alpha": 0.1, "l1_ratio": 0.5}, 2.0)]


@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("name, params, power", GLMS)
def test_glm_reaches_the_single_machine_objective(client, partitions, name, params, power):
    X, w, rng = dense_problem(n=400, d=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    mu = np.exp(0.3 * X @ rng.normal(size=5) + 0.5)
    y = rng.poisson(mu).astype(float) if power == 1.0 else rng.gamma(2.0, mu / 2.0)
    model = getattr(fd, name)(**params).fit(chunked(X, partitions), chunked(y, partitions),
                                            sample_weight=chunked(w, partitions))
    local = getattr(flinear, name)(**params).fit(X, y, sample_weight=w)

    def objective(m):  # sum_i w_i half_deviance_i / sum_i w_i + alpha (r ||coef||_1 + (1 - r) / 2 ||coef||^2)
        r = m.l1_ratio or 0.0
        return 0.5 * mean_tweedie_deviance(y, m.predict(X), sample_weight=w, power=power) + \
            m.alpha * (r * np.abs(m.coef_).sum() + (1 - r) * 0.5 * m.coef_ @ m.coef_)

    mine, single = objective(model), objective(local)
    assert abs(mine - single) <= OBJECTIVE_RTOL * abs(single), (partitions, name, mine, single)
    np.testing.assert_allclose(model.coef_, local.coef_, rtol=SAME_SOLVER_RTOL, atol=SAME_SOLVER_RTOL)
    np.testing.assert_allclose(model.predict(chunked(X, partitions)).compute(), local.predict(X), rtol=SOLVE_RTOL)


def test_data_loss_of_partitions_sums_to_the_whole(client):
    """franca_estimator_data_loss on row blocks: their sum is the whole data term, which is
    scikit-learn's weighted log-loss sum, with the gradient and Hessian of that sum (finite
    differences of the loss, and of the gradient)."""
    X, w, rng = dense_problem(n=200, d=4)
    y = (rng.random(200) < 0.4).astype(float)
    est = flinear.LogisticRegression()
    coef = rng.normal(size=5) * 0.3
    whole, gradient, hessian = est._data_loss(X, y, coef, sample_weight=w, hessian=True)
    parts = [est._data_loss(X[s], y[s], coef, sample_weight=w[s]) for s in (slice(0, 70), slice(70, 200))]
    assert sum(p[0] for p in parts) == pytest.approx(whole, rel=EXACT_RTOL)
    np.testing.assert_allclose(sum(p[1] for p in parts), gradient, rtol=1e-10)
    z = X @ coef[:4] + coef[4]
    proba = np.column_stack([1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))])
    assert whole == pytest.approx(log_loss(y, proba, sample_weight=w, normalize=False), rel=1e-12)
    step = 1e-6
    for j in range(5):
        e = np.eye(5)[j] * step
        up, g_up, _ = est._data_loss(X, y, coef + e, sample_weight=w)
        down, g_down, _ = est._data_loss(X, y, coef - e, sample_weight=w)
        assert gradient[j] == pytest.approx((up - down) / (2 * step), rel=1e-6)
        np.testing.assert_allclose(hessian[j], (g_up - g_down) / (2 * step), rtol=1e-5, atol=1e-6)


def test_data_loss_refuses_what_it_cannot_compute():
    X, _, _ = dense_problem(n=20, d=3)
    with pytest.raises(franca.FrancaNotImplementedError, match="Ridge has no data term"):
        flinear.Ridge()._data_loss(X, np.zeros(20), np.zeros(4))
    with pytest.raises(franca.FrancaValueError, match=r"class codes 0 to 1 .* y\[3\] = 2"):
        flinear.LogisticRegression()._data_loss(X, np.array([0, 1, 0, 2] + [0] * 16), np.zeros(4))
    with pytest.raises(franca.FrancaValueError, match="coef: expected n_scores x"):
        flinear.LogisticRegression()._data_loss(X, np.zeros(20), np.zeros(5))
    with pytest.raises(franca.FrancaValueError, match="coef: expected n_features"):
        flinear.PoissonRegressor()._data_loss(X, np.zeros(20), np.zeros(3))
    with pytest.raises(franca.FrancaValueError, match="out of the valid range"):
        flinear.GammaRegressor()._data_loss(X, np.zeros(20), np.zeros(4))


def test_unaligned_partitions_are_an_error(client):
    X, _, _ = dense_problem()
    y = dd.from_pandas(pd.Series(np.zeros(len(X))), npartitions=3)
    with pytest.raises(franca.FrancaValueError, match="y: has 3 partitions but X has 2"):
        fd.LogisticRegression().fit(chunked(X, 2), y)


def test_one_vs_rest_says_it_is_not_distributed(client):
    X, _, rng = dense_problem()
    y = chunked(rng.integers(0, 3, size=len(X)), 2)
    with pytest.raises(franca.FrancaNotImplementedError, match="multi_class='ovr' fits a problem of its own weights"):
        fd.LogisticRegression(multi_class="ovr").fit(chunked(X, 2), y)


def test_a_failing_data_term_stops_the_fit_and_keeps_the_model(client):
    X, _, rng = dense_problem()
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    model = fd.LogisticRegression().fit(chunked(X, 2), chunked(y, 2))
    coef = model.coef_.copy()
    X_bad = X.copy()
    X_bad[3, 1] = np.nan  # refused by the partition's first evaluation, on its worker
    with pytest.raises(franca.FrancaValueError, match="Input X contains NaN"):
        model.fit(chunked(X_bad, 2), chunked(y * 5, 2))
    np.testing.assert_array_equal(model.coef_, coef)
    assert list(model.classes_) == [0, 1]


# -------------------------------------------------------------- pipelines

@pytest.mark.parametrize("partitions", PARTITIONS)
def test_seed_pipeline_on_a_bag_of_documents(client, partitions):
    docs, labels = documents()
    bag = db.from_sequence(docs, npartitions=partitions)
    lengths = bag.map_partitions(lambda part: [len(part)]).compute()
    y = da.from_array(labels, chunks=(tuple(lengths),))
    model = make_pipeline(fd.HashingVectorizer(n_features=2 ** 12), fd.TfidfTransformer(),
                          fd.LogisticRegression(C=10.0)).fit(bag, y)
    local = make_pipeline(ftext.HashingVectorizer(n_features=2 ** 12), ftext.TfidfTransformer(),
                          flinear.LogisticRegression(C=10.0)).fit(docs, labels)
    np.testing.assert_allclose(model.predict_proba(bag).compute(), local.predict_proba(docs), rtol=PREDICT_RTOL,
                               atol=PREDICT_RTOL)
    assert (model.predict(bag).compute() == local.predict(docs)).all()


def test_seed_pipeline_on_dataframe_columns(client):
    docs, labels = documents()
    frame = dd.from_pandas(pd.DataFrame({"text": docs, "label": labels}), npartitions=3)
    model = make_pipeline(fd.HashingVectorizer(n_features=2 ** 12), fd.TfidfTransformer(),
                          fd.LogisticRegression()).fit(frame["text"], frame["label"])
    local = make_pipeline(ftext.HashingVectorizer(n_features=2 ** 12), ftext.TfidfTransformer(),
                          flinear.LogisticRegression()).fit(docs, labels)
    np.testing.assert_allclose(model.predict_proba(frame["text"]).compute(), local.predict_proba(docs),
                               rtol=PREDICT_RTOL, atol=PREDICT_RTOL)


def test_randomized_search_with_joblibs_dask_backend(client):
    import joblib
    from sklearn.model_selection import RandomizedSearchCV
    docs, labels = documents()
    pipeline = make_pipeline(ftext.HashingVectorizer(n_features=2 ** 10, alternate_sign=False), ftext.TfidfTransformer(),
                             flinear.LogisticRegression())
    search_params = dict(param_distributions={"logisticregression__C": [0.01, 0.1, 1.0, 10.0],
                                              "tfidftransformer__sublinear_tf": [False, True]},
                         n_iter=4, cv=3, random_state=0)
    with joblib.parallel_backend("dask"):
        distributed_search = RandomizedSearchCV(pipeline, n_jobs=-1, **search_params).fit(docs, labels)
    local_search = RandomizedSearchCV(pipeline, **search_params).fit(docs, labels)
    assert np.isfinite(local_search.cv_results_["mean_test_score"]).all()
    assert distributed_search.best_params_ == local_search.best_params_
    np.testing.assert_allclose(distributed_search.cv_results_["mean_test_score"],
                               local_search.cv_results_["mean_test_score"], rtol=1e-12)


# -------------------------------------------------------------- forests

TREE_ARRAYS = ("tree_offsets_", "tree_children_left_", "tree_children_right_", "tree_feature_", "tree_threshold_",
               "tree_missing_go_to_left_", "tree_n_node_samples_", "tree_weighted_n_node_samples_", "tree_impurity_",
               "tree_value_", "feature_importances_")


def assert_same_forest(mine, single):
    """The same trees, to the bit: a distributed forest sums integer histograms."""
    for name in TREE_ARRAYS:
        np.testing.assert_array_equal(getattr(mine, name), getattr(single, name), err_msg=name)


def forest_problem(n=900, d=7, seed=3):
    X, w, rng = dense_problem(n=n, d=d, seed=seed)
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values have a bin of their own
    X[:, 3] = np.round(X[:, 3])  # few distinct values: a bin each
    score = np.nan_to_num(X[:, 0]) / 4 + np.nan_to_num(X[:, 1]) ** 2 / 20 + rng.normal(size=n)
    return X, w, score, rng


@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("params", [{"n_estimators": 8, "random_state": 0},
                                    {"n_estimators": 5, "random_state": 1, "class_weight": "balanced",
                                     "max_samples": 0.7, "min_samples_leaf": 2, "max_features": 3},
                                    {"n_estimators": 4, "random_state": 2, "bootstrap": False, "max_leaf_nodes": 15,
                                     "criterion": "entropy"},
                                    {"n_estimators": 4, "random_state": 3, "class_weight": "balanced_subsample"}],
                         ids=["default", "balanced-max-samples", "best-first", "balanced-subsample"])
def test_random_forest_classifier_is_the_single_machine_forest(client, partitions, params):
    X, w, score, rng = forest_problem()
    labels = np.array(["low", "mid", "high"])[np.digitize(score, np.quantile(score, [0.3, 0.7]))]
    single = fensemble.RandomForestClassifier(**params).fit(X, labels, sample_weight=w)
    mine = fd.RandomForestClassifier(**params).fit(chunked(X, partitions), chunked(labels, partitions),
                                                    sample_weight=chunked(w, partitions))
    assert_same_forest(mine, single)
    np.testing.assert_array_equal(mine.classes_, single.classes_)
    np.testing.assert_array_equal(mine.predict(chunked(X, partitions)).compute(), single.predict(X))
    np.testing.assert_allclose(mine.predict_proba(chunked(X, partitions)).compute(), single.predict_proba(X),
                               rtol=1e-15, atol=0)


@pytest.mark.parametrize("partitions", PARTITIONS)
@pytest.mark.parametrize("params", [{"n_estimators": 6, "random_state": 4},
                                    {"n_estimators": 4, "random_state": 5, "criterion": "poisson", "max_depth": 6}],
                         ids=["squared-error", "poisson"])
def test_random_forest_regressor_is_the_single_machine_forest(client, partitions, params):
    X, w, score, rng = forest_problem(seed=4)
    y = np.exp(score / 2) if params.get("criterion") == "poisson" else score
    single = fensemble.RandomForestRegressor(**params).fit(X, y, sample_weight=w)
    mine = fd.RandomForestRegressor(**params).fit(chunked(X, partitions), chunked(y, partitions),
                                                   sample_weight=chunked(w, partitions))
    assert_same_forest(mine, single)
    np.testing.assert_array_equal(mine.predict(chunked(X, partitions)).compute(), single.predict(X))


def test_random_forest_on_dataframes_and_two_outputs(client):
    X, w, score, rng = forest_problem(n=600, d=5, seed=5)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(5)])
    y = np.column_stack([np.where(score > 0, 1, 7), np.where(np.nan_to_num(X[:, 2]) > 0, 5, -1)])
    params = {"n_estimators": 4, "random_state": 6}
    single = fensemble.RandomForestClassifier(**params).fit(frame, y)
    mine = fd.RandomForestClassifier(**params).fit(dd.from_pandas(frame, npartitions=3),
                                                    dd.from_pandas(pd.DataFrame(y), npartitions=3))
    assert_same_forest(mine, single)
    assert list(mine.feature_names_in_) == list(frame.columns)
    for a, b in zip(mine.classes_, single.classes_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mine.predict(frame), single.predict(frame))


def test_random_forest_refuses_what_the_single_machine_refuses(client):
    X, w, score, rng = forest_problem(n=200, d=4, seed=9)
    with pytest.raises(ValueError, match="Unknown label type"):
        fd.RandomForestClassifier(n_estimators=2).fit(chunked(X, 2), chunked(score, 2))
    with pytest.raises(ValueError, match="negative"):
        fd.RandomForestRegressor(n_estimators=2, criterion="poisson").fit(chunked(X, 2), chunked(score, 2))
    # the one criterion whose nodes need their rows in one place (their medians)
    with pytest.raises(franca.FrancaNotImplementedError, match="'absolute_error' is not implemented on blocks"):
        fd.RandomForestRegressor(n_estimators=2, criterion="absolute_error").fit(chunked(X, 2), chunked(score, 2))


def test_random_forest_warm_start_adds_the_single_machine_trees(client):
    X, w, score, rng = forest_problem(n=500, d=5, seed=6)
    y = (score > 0).astype(int)
    single = fensemble.RandomForestClassifier(n_estimators=6, random_state=7).fit(X, y)
    mine = fd.RandomForestClassifier(n_estimators=3, random_state=7, warm_start=True).fit(chunked(X, 2), chunked(y, 2))
    mine.set_params(n_estimators=6).fit(chunked(X, 5), chunked(y, 5))
    assert_same_forest(mine, single)
    with pytest.raises(franca.FrancaValueError, match="warm_start"):
        mine.set_params(n_estimators=8).fit(chunked(X, 2), chunked(np.where(y > 0, 5, 9), 2))
    assert len(mine.tree_offsets_) == 7  # the failed fit kept the forest


@pytest.mark.parametrize("name", ["RandomForestClassifier", "RandomForestRegressor"])
def test_random_forest_out_of_bag_is_the_single_machine_one(client, name):
    X, w, score, rng = forest_problem(n=500, d=4, seed=7)
    y = (score > 0).astype(int) if name == "RandomForestClassifier" else score
    params = {"n_estimators": 15, "random_state": 2, "oob_score": True}
    single = getattr(fensemble, name)(**params).fit(X, y, sample_weight=w)
    mine = getattr(fd, name)(**params).fit(chunked(X, 3), chunked(y, 3), sample_weight=chunked(w, 3))
    assert_same_forest(mine, single)
    assert mine.oob_score_ == single.oob_score_
    oob = "oob_decision_function_" if name == "RandomForestClassifier" else "oob_prediction_"
    np.testing.assert_array_equal(getattr(mine, oob), getattr(single, oob))


def kill_a_worker_during(client, monkeypatch, cls, count):
    """Makes cls's __call__ (a round over the cluster) kill one worker the first time count(self) is
    3; returns the Event it sets then."""
    pids = client.run(os.getpid)
    call = cls.__call__
    killed = threading.Event()

    def round_over_the_cluster(self, *args):
        if count(self) == 3 and not killed.is_set():
            killed.set()
            os.kill(pids[sorted(pids)[0]], signal.SIGKILL)
        return call(self, *args)

    monkeypatch.setattr(cls, "__call__", round_over_the_cluster)
    return killed


def test_a_worker_killed_during_a_forest_fit_gives_an_error_or_the_same_forest(client, monkeypatch):
    """A worker killed at the third question after the blocks keep their binned rows: the scheduler computes its partitions
    and kept forms again on the other worker (a block answers the same wherever it is), or the fit
    fails with distributed's error; never a forest that missed their rows."""
    X, w, score, rng = forest_problem(n=600, d=5, seed=8)
    y = (score > 0).astype(int)
    killed = kill_a_worker_during(client, monkeypatch, fd._BlockQuestions, lambda questions: questions.questions - 3)
    params = {"n_estimators": 4, "random_state": 9, "max_depth": 5}
    try:
        model = fd.RandomForestClassifier(**params).fit(chunked(X, 5), chunked(y, 5))
    except Exception as e:  # noqa: BLE001 - distributed's errors for a lost worker vary by version
        assert type(e).__module__.split(".")[0] in ("distributed", "asyncio", "concurrent"), repr(e)
    else:
        assert_same_forest(model, fensemble.RandomForestClassifier(**params).fit(X, y))
    assert killed.is_set()
    client.wait_for_workers(2, timeout=60)


def test_estimators_pickle_and_predict_anywhere(client):
    import pickle
    X, w, rng = dense_problem()
    X = X - X.mean(axis=0)
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(int)
    model = fd.LogisticRegression().fit(chunked(X, 2), chunked(y, 2))
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    np.testing.assert_array_equal(model.predict(X), model.predict(chunked(X, 2)).compute())


def test_a_killed_worker_gives_an_error_or_the_right_model(client, monkeypatch):
    """A worker killed between two evaluations of a fit, its partitions lost: the scheduler computes
    them again on the other worker, or the fit fails with distributed's error; never a model that
    missed their rows."""
    X, w, rng = dense_problem(n=400, d=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (X @ rng.normal(size=5) + rng.normal(size=400) > 0).astype(int)
    killed = kill_a_worker_during(client, monkeypatch, fd._DataTerm, lambda term: term.evaluations)

    try:
        model = fd.LogisticRegression().fit(chunked(X, 5), chunked(y, 5))
    except Exception as e:  # noqa: BLE001 - distributed's errors for a lost worker vary by version
        # KilledWorker, CommClosedError, CancelledError: distributed's (or asyncio's) word for it.
        assert type(e).__module__.split(".")[0] in ("distributed", "asyncio", "concurrent"), repr(e)
    else:
        local = flinear.LogisticRegression().fit(X, y)
        mine, single = (logistic_objective(m, X, y, np.ones(len(y)), 1.0) for m in (model, local))
        assert abs(mine - single) <= OBJECTIVE_RTOL * abs(single)
    assert killed.is_set()
    client.wait_for_workers(2, timeout=60)


def test_verbose_shows_the_progress_of_the_fit_over_the_cluster(client, monkeypatch):
    """verbose: a tqdm bar fed by the library's progress (the forest's trees, the solver's
    iterations), each step of which is a round of questions over the partitions."""
    tqdm_auto = pytest.importorskip("tqdm.auto")
    shown = []

    class Bar:
        def __init__(self, **kwargs):
            self.n = self.total = None
            self.description = ""
            shown.append(self)

        def set_description_str(self, text, refresh=True):
            self.description = text

        def refresh(self):
            pass

        def close(self):
            pass

    monkeypatch.setattr(tqdm_auto, "tqdm", Bar)
    X, w, score, rng = forest_problem(n=300, d=4, seed=11)
    y = (score > 0).astype(int)
    fd.RandomForestClassifier(n_estimators=70, max_depth=3, verbose=1).fit(chunked(X, 2), chunked(y, 2))
    assert (shown[-1].n, shown[-1].total, shown[-1].description) == (70, 70, "RandomForestClassifier: trees")
    model = fd.LogisticRegression(verbose=1).fit(chunked(np.nan_to_num(X), 2), chunked(y, 2))
    assert shown[-1].description == "LogisticRegression: iterations"  # at most ten reports a second:
    assert 0 < shown[-1].n <= model.n_iter_[0] and shown[-1].total == model.max_iter  # perhaps not the last
    fd.LogisticRegression().fit(chunked(np.nan_to_num(X), 2), chunked(y, 2))
    assert len(shown) == 2, "a fit that does not ask shows nothing"
