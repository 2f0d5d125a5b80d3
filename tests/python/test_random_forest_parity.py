"""RandomForestClassifier and RandomForestRegressor (franca.ensemble) against scikit-learn's forests.

franca grows its trees from histograms of binned features (n_bins): where a feature has no more
distinct values than bins the candidate splits are scikit-learn's, otherwise they sit at quantiles,
and the random draws are franca's own. So franca's forests match scikit-learn's in distribution,
not tree for tree: the parity tests compare held-out scores averaged over seeds, each seed one
split and one random_state given to both libraries. Exact tests compare franca with itself (seeds,
threads, layouts, dtypes, warm start, pickling), with a walk of its fitted arrays written here, and
with the scikit-learn forest it converts to and from (as_sklearn, from_sklearn), which predicts the
same. Runs on scikit-learn 1.2 to 1.9; what needs missing-value support in scikit-learn's forests
(1.4+) is skipped before. Run with FRANCA_LIBRARY=path/to/libfranca.so PYTHONPATH=bindings/python.
"""
import functools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import ensemble as sk
from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits, load_wine, make_classification,
                              make_regression)
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from franca import FrancaNotImplementedError, FrancaTypeError, FrancaValueError
from franca.ensemble import RandomForestClassifier, RandomForestRegressor

SKLEARN = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
SKLEARN_HAS_MISSING_VALUES = SKLEARN >= (1, 4)  # in its forests' fit and predict
# From scikit-learn 1.9 (its PR 31529) a bootstrap draws rows in proportion to their weight (sample
# and class weights), as franca; before, uniformly, the weights then multiplying the draw counts.
SKLEARN_DRAWS_BY_WEIGHT = SKLEARN >= (1, 9)

TREE_ARRAYS = ["tree_offsets_", "tree_children_left_", "tree_children_right_", "tree_feature_", "tree_threshold_",
               "tree_missing_go_to_left_", "tree_n_node_samples_", "tree_weighted_n_node_samples_", "tree_impurity_",
               "tree_value_", "feature_importances_"]
PROBA_RTOL = 1e-12  # scikit-learn < 1.4 holds class counts: its probabilities are franca's fractions rounded again
LEAF = -1


@functools.lru_cache(maxsize=None)
def dataset(name):
    """(X, y, is_classification) of a named data set."""
    if name == "classification":
        X, y = make_classification(n_samples=4000, n_features=20, n_informative=8, random_state=0)
    elif name == "regression":
        X, y = make_regression(n_samples=2000, n_features=10, n_informative=6, noise=10, random_state=0)
    else:
        X, y = {"digits": load_digits, "breast_cancer": load_breast_cancer, "wine": load_wine,
                "diabetes": load_diabetes}[name](return_X_y=True)
    return X, y, name not in ("diabetes", "regression")


def franca_class(classification):
    return RandomForestClassifier if classification else RandomForestRegressor


def sklearn_class(classification):
    return sk.RandomForestClassifier if classification else sk.RandomForestRegressor


def paired_score_difference(X, y, classification, seeds, **params):
    """Mean over seeds of franca's held-out score (accuracy or R^2) minus scikit-learn's: seed s holds
    out half the rows (stratified for classes) and is both forests' random_state."""
    differences = []
    for seed in range(seeds):
        X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.5, random_state=seed,
                                                        stratify=y if classification else None)
        scores = [cls(random_state=seed, n_jobs=2, **params).fit(X_fit, y_fit).score(X_test, y_test)
                  for cls in (franca_class(classification), sklearn_class(classification))]
        differences.append(scores[0] - scores[1])
    return float(np.mean(differences))


def assert_same_forest(a, b):
    for name in TREE_ARRAYS:
        assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def walk(forest, X):
    """The leaf of each row in each tree, by walking the fitted arrays here: x <= threshold goes
    left, NaN where tree_missing_go_to_left_ says; the row's float32 value is compared, as
    scikit-learn and franca compare it."""
    X = np.asarray(X, dtype=np.float32)
    offsets, left, right = forest.tree_offsets_, forest.tree_children_left_, forest.tree_children_right_
    feature, threshold, missing_left = forest.tree_feature_, forest.tree_threshold_, forest.tree_missing_go_to_left_
    leaves = np.zeros((len(X), len(offsets) - 1), dtype=np.int64)
    for t, base in enumerate(offsets[:-1]):
        node = leaves[:, t]
        rows = np.flatnonzero(left[base + node] != LEAF)
        while len(rows):
            k = base + node[rows]
            x = X[rows, feature[k]]
            go_left = np.where(np.isnan(x), missing_left[k] == 1, x <= threshold[k])
            node[rows] = np.where(go_left, left[k], right[k])
            rows = rows[left[base + node[rows]] != LEAF]
    return leaves


def with_missing(X, fraction, seed=0):
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < fraction] = np.nan
    return X


# ------------------------------------------------------------------ scores against scikit-learn

# name: (n_estimators, seeds, tolerance on the mean score difference). 0.005 where the held-out
# half is large enough; elsewhere about three standard errors of the mean paired difference (its
# standard deviation over seeds, measured, over sqrt(seeds)): a smaller tolerance there would
# test the seeds, not franca.
PARITY = {
    "digits": (100, 10, 0.005),  # 899 held-out rows
    "breast_cancer": (100, 10, 0.01),  # 285 held-out rows (one is 0.35 points); sd of the difference 0.7 points
    "wine": (100, 10, 0.01),  # 89 held-out rows, one is 1.1 points; sd of the difference 0.6 points
    "diabetes": (100, 10, 0.02),  # 221 held-out rows of a noisy target: R^2's sd of the difference 1.5 points
    "classification": (50, 10, 0.005),  # 2000 held-out rows
    "regression": (50, 10, 0.005),  # 1000 held-out rows
}


@pytest.mark.parametrize("name", list(PARITY))
def test_held_out_score_matches_sklearn(name):
    X, y, classification = dataset(name)
    n_estimators, seeds, tolerance = PARITY[name]
    difference = paired_score_difference(X, y, classification, seeds, n_estimators=n_estimators)
    assert abs(difference) <= tolerance, (name, difference, tolerance)


@pytest.mark.parametrize("name,criterion,tolerance", [
    ("breast_cancer", "entropy", 0.01),  # as above; measured sd of the difference 1.2 points
    ("diabetes", "poisson", 0.02),
])
def test_criterion_score_matches_sklearn(name, criterion, tolerance):
    X, y, classification = dataset(name)
    difference = paired_score_difference(X, y, classification, 10, n_estimators=100, criterion=criterion)
    assert abs(difference) <= tolerance, (name, criterion, difference)


@pytest.mark.parametrize("name,criterion,same,other", [
    ("breast_cancer", "log_loss", "entropy", "gini"),
    # scikit-learn 1.9 deprecates friedman_mse: "both were always equivalent" (same splits).
    ("diabetes", "friedman_mse", "squared_error", "poisson"),
])
def test_criterion_names_of_one_criterion_grow_the_same_trees(name, criterion, same, other):
    X, y, classification = dataset(name)
    forests = [franca_class(classification)(n_estimators=10, criterion=c, random_state=0).fit(X, y)
               for c in (criterion, same, other)]
    assert_same_forest(forests[0], forests[1])
    assert not np.array_equal(forests[2].tree_impurity_, forests[0].tree_impurity_)


def test_multi_output_regression_matches_sklearn():
    X, y = make_regression(n_samples=1000, n_features=10, n_informative=6, n_targets=2, noise=10, random_state=0)
    model = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, y)
    assert model.n_outputs_ == 2 and model.predict(X).shape == (1000, 2)
    assert model.tree_value_.shape == (model.tree_offsets_[-1], 2, 1)
    # 500 held-out rows of two targets, 5 seeds: three standard errors of the difference are 1 point.
    assert abs(paired_score_difference(X, y, False, 5, n_estimators=50)) <= 0.01


def test_multi_output_classification_matches_sklearn():
    # Digits with two outputs of string labels: the digit (10 classes) and the name of its residue mod 3.
    X, digit, _ = dataset("digits")
    y = np.column_stack([digit.astype(str), np.array(["zero", "one", "two"])[digit % 3]]).astype(object)
    accuracy = {}
    for cls in (RandomForestClassifier, sk.RandomForestClassifier):
        scores = []
        for seed in range(3):
            X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.5, random_state=seed, stratify=digit)
            model = cls(n_estimators=50, random_state=seed, n_jobs=2).fit(X_fit, y_fit)
            predicted = model.predict(X_test)
            assert predicted.shape == y_test.shape and predicted.dtype == object
            proba = model.predict_proba(X_test)
            assert [p.shape for p in proba] == [(len(X_test), 10), (len(X_test), 3)]
            assert_array_equal(model.classes_[1], ["one", "two", "zero"])
            assert_array_equal(model.n_classes_, [10, 3])
            for output in range(2):  # predict is each output's class of largest probability
                assert_array_equal(predicted[:, output], model.classes_[output][proba[output].argmax(axis=1)])
            scores.append((predicted == y_test).mean(axis=0))
        accuracy[cls] = np.mean(scores, axis=0)
    # 899 held-out rows, 3 seeds: three standard errors of a difference of accuracies near 0.95 are
    # about 1.5 points.
    assert_allclose(accuracy[RandomForestClassifier], accuracy[sk.RandomForestClassifier], atol=0.015)


def test_multi_output_classification_out_of_bag_and_class_weights_match_sklearn():
    X, y = make_classification(n_samples=2000, n_features=10, n_informative=5, random_state=0)
    labels = np.column_stack([y, X[:, 0] + X[:, 1] > 0]).astype(int)  # multilabel-indicator: OOB allowed
    weights = [{0: 1.0, 1: 3.0}, {0: 2.0, 1: 1.0}]
    scores = {}
    for cls in (RandomForestClassifier, sk.RandomForestClassifier):
        model = cls(n_estimators=100, oob_score=True, random_state=0, class_weight=weights).fit(X, labels)
        assert model.oob_decision_function_.shape == (2000, 2, 2)
        assert_allclose(model.oob_decision_function_.sum(axis=1), 1, rtol=1e-12)
        scores[cls] = model.oob_score_
    # The share of rows with both outputs right; 2,000 rows: three standard errors are 2 points.
    assert abs(scores[RandomForestClassifier] - scores[sk.RandomForestClassifier]) <= 0.02, scores


@pytest.mark.skipif(not SKLEARN_HAS_MISSING_VALUES, reason="scikit-learn's forests take missing values from 1.4")
def test_missing_values_score_matches_sklearn():
    X, y, _ = dataset("breast_cancer")
    # A fifth of the entries missing; 285 held-out rows: three standard errors of the difference
    # are 1.2 points (scikit-learn tries missing values on both sides of each threshold, franca too,
    # but over binned thresholds).
    difference = paired_score_difference(with_missing(X, 0.2), y, True, 10, n_estimators=100)
    assert abs(difference) <= 0.015, difference


def test_oob_score_close_to_sklearn():
    X, y, _ = dataset("digits")
    franca_scores, sklearn_scores = [], []
    for seed in range(3):
        model = RandomForestClassifier(n_estimators=100, oob_score=True, random_state=seed).fit(X, y)
        decision = model.oob_decision_function_
        assert decision.shape == (len(y), 10)
        assert_allclose(decision.sum(axis=1), 1)
        assert model.oob_score_ == np.mean(model.classes_[decision.argmax(axis=1)] == y)
        franca_scores.append(model.oob_score_)
        reference = sk.RandomForestClassifier(n_estimators=100, oob_score=True, random_state=seed).fit(X, y)
        sklearn_scores.append(reference.oob_score_)
    # Every one of the 1797 rows is scored; the per-seed differences spread by 0.4 points.
    assert abs(np.mean(franca_scores) - np.mean(sklearn_scores)) <= 0.005, (franca_scores, sklearn_scores)


def test_oob_prediction_is_r2_of_the_out_of_bag_mean():
    X, y, _ = dataset("diabetes")
    model = RandomForestRegressor(n_estimators=50, oob_score=True, random_state=0).fit(X, y)
    residual = np.sum((y - model.oob_prediction_) ** 2)
    assert model.oob_score_ == pytest.approx(1 - residual / np.sum((y - y.mean()) ** 2), rel=1e-12)
    reference = sk.RandomForestRegressor(n_estimators=50, oob_score=True, random_state=0).fit(X, y)
    assert abs(model.oob_score_ - reference.oob_score_) <= 0.05  # 442 rows of a noisy target, one seed


def test_feature_importances_correlate_with_sklearn():
    X, y, _ = dataset("classification")
    X, y = X[:2000], y[:2000]
    importances = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y).feature_importances_
    reference = sk.RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y).feature_importances_
    assert importances.sum() == pytest.approx(1)
    # Independent informative features: the importances are well determined (r = 0.9996 measured).
    assert np.corrcoef(importances, reference)[0, 1] > 0.99


@pytest.mark.parametrize("class_weight", [None, "balanced", "balanced_subsample", {"no": 1, "yes": 10}],
                         ids=["none", "balanced", "balanced_subsample", "dict"])
def test_class_weight_shifts_predictions_as_sklearn(class_weight):
    X, y = make_classification(n_samples=2000, n_features=10, n_informative=4, weights=[0.9], flip_y=0.05,
                               random_state=0)
    y = np.array(["no", "yes"])[y]  # labels, so that the dict's keys are labels, not codes
    X_fit, X_test, y_fit, _ = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)

    def positive_rate(cls, weight):
        return np.mean([np.mean(cls(n_estimators=50, min_samples_leaf=10, class_weight=weight, random_state=seed)
                                .fit(X_fit, y_fit).predict(X_test) == "yes") for seed in range(3)])

    rate = positive_rate(RandomForestClassifier, class_weight)
    if SKLEARN_DRAWS_BY_WEIGHT or class_weight is None:
        # 1000 held-out rows, 3 seeds: measured differences at most 0.4 points.
        assert abs(rate - positive_rate(sk.RandomForestClassifier, class_weight)) <= 0.015
    if class_weight is not None:
        assert rate > positive_rate(RandomForestClassifier, None) + 0.05  # the minority class is predicted more


# ------------------------------------------------------------------ franca with itself

def test_same_seed_same_forest_and_threads_do_not_matter():
    X, y, _ = dataset("breast_cancer")
    forests = [RandomForestClassifier(n_estimators=20, random_state=3, n_jobs=jobs).fit(X, y) for jobs in (1, 2, 2)]
    assert_same_forest(forests[0], forests[1])
    assert_same_forest(forests[1], forests[2])
    other = RandomForestClassifier(n_estimators=20, random_state=4).fit(X, y)
    assert not np.array_equal(other.tree_feature_, forests[0].tree_feature_)


def test_pickle_round_trip():
    X, y, _ = dataset("wine")
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    model.estimators_  # made, then left out of the pickle
    again = pickle.loads(pickle.dumps(model))
    assert "_estimators" not in again.__dict__
    assert_same_forest(model, again)
    assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert_array_equal(again.predict(X), model.predict(X))


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_dense_and_csr_give_the_same_forest(name):
    X, y, _ = dataset(name)
    X = np.where(X < np.median(X, axis=0), 0, X)  # half the entries zero
    dense = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    csr = RandomForestClassifier(n_estimators=10, random_state=0).fit(sp.csr_matrix(X), y)
    assert_same_forest(dense, csr)
    assert_array_equal(csr.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X))


def test_float32_and_float64_give_the_same_forest():
    X, y, _ = dataset("diabetes")  # continuous features: binned, thresholds between float32 values
    wide = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    narrow = RandomForestRegressor(n_estimators=10, random_state=0).fit(X.astype(np.float32), y)
    assert_same_forest(wide, narrow)
    assert_array_equal(narrow.predict(X.astype(np.float32)), wide.predict(X))


def test_warm_start_adds_the_trees_of_a_fit_at_once():
    X, y, _ = dataset("wine")
    warm = RandomForestClassifier(n_estimators=10, warm_start=True, random_state=0).fit(X, y)
    assert len(warm.estimators_) == 10
    warm.set_params(n_estimators=20).fit(X, y)
    assert len(warm.estimators_) == 20  # made again after the fit
    assert_same_forest(warm, RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y))
    # Trees grown on other classes are not kept beside new classes_ (scikit-learn would, and predict
    # labels of the new classes from the old trees): an error, and the forest as it was.
    with pytest.raises(FrancaValueError, match="warm_start keeps the trees of a forest fitted on other classes"):
        warm.set_params(n_estimators=30).fit(X, np.where(y == 2, "c", np.where(y == 1, "b", "a")))
    assert_array_equal(warm.classes_, [0, 1, 2])
    assert_array_equal(warm.predict(X), RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y).predict(X))


def test_missing_values_go_where_each_split_learned():
    X, y, _ = dataset("breast_cancer")
    X = with_missing(X, 0.2)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    X_new = with_missing(dataset("breast_cancer")[0], 0.3, seed=1)
    assert_array_equal(model.apply(X_new), walk(model, X_new))
    assert model.score(X_new, y) > 0.85  # a check that NaN is not read as a number: measured 0.95
    if SKLEARN_HAS_MISSING_VALUES:
        assert_allclose(model.as_sklearn().predict_proba(X_new), model.predict_proba(X_new), rtol=PROBA_RTOL)


def test_a_split_sends_missing_values_left_when_that_is_better():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (x > 0).astype(int)
    x[(y == 0) & (rng.random(400) < 0.5)] = np.nan  # half of class 0 missing: x <= 0 or NaN is class 0
    stump = RandomForestClassifier(n_estimators=1, max_depth=1, bootstrap=False, random_state=0).fit(x[:, None], y)
    assert stump.tree_missing_go_to_left_[0] == 1
    assert_array_equal(stump.tree_impurity_[1:], 0)


def test_max_leaf_nodes_bounds_the_leaves():
    X, y, _ = dataset("digits")
    model = RandomForestClassifier(n_estimators=10, max_leaf_nodes=12, random_state=0).fit(X, y)
    offsets = model.tree_offsets_
    leaves = [np.sum(model.tree_children_left_[a:b] == LEAF) for a, b in zip(offsets[:-1], offsets[1:])]
    assert max(leaves) == 12, leaves  # reached: digits has far more than 12 pure regions


@pytest.mark.parametrize("classification", [False, True], ids=["regressor", "classifier"])
def test_monotonic_cst_holds_on_a_grid(classification):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(1000, 3))
    score = X[:, 0] - X[:, 1] + np.sin(6 * X[:, 0]) + 0.3 * rng.normal(size=1000)  # not monotonic alone
    y = (score > 0).astype(int) if classification else score
    grid = np.linspace(-1, 1, 101)

    def steps(cst, feature):
        """Changes of the prediction along `feature` (the others fixed at 20 rows' values)."""
        model = franca_class(classification)(n_estimators=20, monotonic_cst=cst, random_state=0).fit(X, y)
        rows = np.repeat(X[:20], len(grid), axis=0)
        rows[:, feature] = np.tile(grid, 20)
        predicted = model.predict_proba(rows)[:, 1] if classification else model.predict(rows)
        return np.diff(predicted.reshape(20, len(grid)), axis=1)

    assert (steps(None, 0) < 0).any() and (steps(None, 1) > 0).any()  # a constraint has something to do
    assert (steps([1, -1, 0], 0) >= 0).all()
    assert (steps([1, -1, 0], 1) <= 0).all()


def test_ccp_alpha_prunes_every_weakest_link():
    """After minimal cost-complexity pruning no internal node t has an effective alpha
    (R(t) - R(subtree of t)) / (its leaves - 1) <= ccp_alpha, R being the weighted impurity as a
    fraction of the root's weight; without pruning some do."""
    X, y, _ = dataset("breast_cancer")
    alpha = 0.002

    def weakest_links(model):
        alphas = []
        for a, b in zip(model.tree_offsets_[:-1], model.tree_offsets_[1:]):
            left, right = model.tree_children_left_[a:b], model.tree_children_right_[a:b]
            weight = model.tree_weighted_n_node_samples_[a:b]
            risk = weight * model.tree_impurity_[a:b] / weight[0]
            leaves, leaf_risk = np.ones(b - a), risk.copy()
            for k in range(b - a - 1, -1, -1):  # children come after their parent
                if left[k] != LEAF:
                    leaves[k] = leaves[left[k]] + leaves[right[k]]
                    leaf_risk[k] = leaf_risk[left[k]] + leaf_risk[right[k]]
                    alphas.append((risk[k] - leaf_risk[k]) / (leaves[k] - 1))
        return np.array(alphas)

    grown = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    pruned = RandomForestClassifier(n_estimators=10, ccp_alpha=alpha, random_state=0).fit(X, y)
    assert (weakest_links(grown) <= alpha).any()
    assert (weakest_links(pruned) > alpha * (1 - 1e-9)).all()
    assert pruned.tree_offsets_[-1] < grown.tree_offsets_[-1]


# ------------------------------------------------------------------ conversion and decision_path

def fitted_pair(classification, **params):
    """A franca forest and its as_sklearn() on one of the bundled data sets, with its X."""
    X, y, _ = dataset("wine" if classification else "diabetes")
    if classification:
        y = np.array(["barolo", "grignolino", "barbera"])[y]
    model = franca_class(classification)(n_estimators=25, random_state=0, **params).fit(X, y)
    return model, model.as_sklearn(), X


def assert_same_predictions(a, b, X, classification, same_node_ids=True):
    """a and b predict alike; with different node ids (from_sklearn renumbers scikit-learn's nodes
    breadth-first), their leaves are one-to-one and their paths as long."""
    if classification:
        assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=PROBA_RTOL)
    assert_array_equal(a.predict(X), b.predict(X))
    (indicator, pointers), (reference, reference_pointers) = a.decision_path(X), b.decision_path(X)
    assert_array_equal(pointers, reference_pointers)
    assert indicator.dtype == reference.dtype == np.int64
    if same_node_ids:
        assert_array_equal(a.apply(X), b.apply(X))
        assert (indicator != reference).nnz == 0
        return
    for leaves, reference_leaves in zip(a.apply(X).T, b.apply(X).T):
        pairs = np.unique(np.c_[leaves, reference_leaves], axis=0)
        assert len(pairs) == len(np.unique(leaves)) == len(np.unique(reference_leaves))
    assert_array_equal(np.diff(indicator.indptr), np.diff(reference.indptr))


@pytest.mark.parametrize("classification", [True, False], ids=["classifier", "regressor"])
def test_as_sklearn_predicts_as_franca(classification):
    model, reference, X = fitted_pair(classification, oob_score=True)
    assert type(reference) is sklearn_class(classification)
    assert_same_predictions(model, reference, X, classification)
    assert_allclose(reference.feature_importances_, model.feature_importances_, rtol=1e-12, atol=1e-15)
    assert reference.n_features_in_ == model.n_features_in_ and reference.n_outputs_ == 1
    assert reference.oob_score_ == model.oob_score_
    assert type(reference.estimator_) is type(reference.estimators_[0])
    if classification:
        assert_array_equal(reference.classes_, model.classes_)
        assert reference.n_classes_ == 3
    tree = model.estimators_[4]  # the fifth tree alone
    nodes = slice(model.tree_offsets_[4], model.tree_offsets_[5])
    assert_array_equal(tree.tree_.threshold, model.tree_threshold_[nodes])
    assert_array_equal(tree.apply(X.astype(np.float32)), model.apply(X)[:, 4])
    assert_same_predictions(model, pickle.loads(pickle.dumps(reference)), X, classification)


@pytest.mark.parametrize("classification", [True, False], ids=["classifier", "regressor"])
def test_from_sklearn_predicts_as_sklearn(classification):
    X, y, _ = dataset("wine" if classification else "diabetes")
    reference = sklearn_class(classification)(n_estimators=15, max_depth=6, random_state=0).fit(X, y)
    model = franca_class(classification).from_sklearn(reference)
    assert_same_predictions(model, reference, X, classification, same_node_ids=False)
    assert model.get_params()["max_depth"] == 6
    assert_array_equal(model.feature_importances_, reference.feature_importances_)
    assert_same_predictions(pickle.loads(pickle.dumps(model)), reference, X, classification, same_node_ids=False)


@pytest.mark.parametrize("classification", [True, False], ids=["classifier", "regressor"])
def test_as_sklearn_then_from_sklearn_gives_the_forest_back(classification):
    model, reference, X = fitted_pair(classification, max_features=0.5)
    again = franca_class(classification).from_sklearn(reference)
    # scikit-learn < 1.3 has no missing_go_to_left: from_sklearn sends missing values to the larger child.
    for name in [n for n in TREE_ARRAYS if SKLEARN >= (1, 3) or n != "tree_missing_go_to_left_"]:
        assert_allclose(getattr(again, name), getattr(model, name), rtol=1e-15, err_msg=name)
    assert again.get_params() == model.get_params()
    assert_array_equal(again.predict(X), model.predict(X))


def test_conversion_keeps_feature_names_and_multiple_outputs():
    pandas = pytest.importorskip("pandas")
    X, y = make_regression(n_samples=300, n_features=5, n_targets=2, random_state=0)
    frame = pandas.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(frame, y)
    reference = model.as_sklearn()
    assert_array_equal(reference.feature_names_in_, frame.columns)
    assert reference.n_outputs_ == 2
    assert_array_equal(reference.predict(frame), model.predict(frame))
    again = RandomForestRegressor.from_sklearn(reference)
    assert_array_equal(again.feature_names_in_, frame.columns)
    assert_array_equal(again.predict(frame), model.predict(frame))


def test_conversion_of_multi_output_classifiers_both_ways():
    X, y, _ = dataset("diabetes")
    labels = np.column_stack([np.digitize(y, [100, 200]), X[:, 0] > 0]).astype(np.float32)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, labels)
    reference = model.as_sklearn()
    assert_array_equal(reference.predict(X), model.predict(X))
    for ours, theirs in zip(model.predict_proba(X), reference.predict_proba(X)):
        assert_allclose(ours, theirs, rtol=PROBA_RTOL)
    again = RandomForestClassifier.from_sklearn(sk.RandomForestClassifier(n_estimators=5, random_state=0)
                                                .fit(X, labels))
    assert_array_equal(again.predict(X), again.as_sklearn().predict(X))
    assert_array_equal(again.n_classes_, [3, 2])


def test_decision_path_ends_at_the_leaves_of_apply():
    model, _, X = fitted_pair(False)
    indicator, pointers = model.decision_path(X[:50])
    leaves = model.apply(X[:50])
    assert_array_equal(pointers, model.tree_offsets_)
    for t in range(len(pointers) - 1):
        block = indicator[:, pointers[t]:pointers[t + 1]].toarray()
        assert (block[:, 0] == 1).all()  # the root
        assert_array_equal(block.shape[1] - 1 - np.argmax(block[:, ::-1], axis=1), leaves[:, t])


def _preorder(tree, node=0):
    """A tree's nodes depth first (scikit-learn numbers them so; franca breadth first): each node's
    feature, threshold, impurity, samples and value, rounded to 1e-9."""
    row = (tree.feature[node], *np.round([tree.threshold[node], tree.impurity[node], tree.weighted_n_node_samples[node]],
                                         9), tree.n_node_samples[node], *np.round(tree.value[node].ravel(), 9))
    if tree.children_left[node] == LEAF:
        return [row]
    return [row] + _preorder(tree, tree.children_left[node]) + _preorder(tree, tree.children_right[node])


# scikit-learn's MAE of 1.8+ (a Fenwick tree over the node's ranks: franca's algorithm); earlier
# versions found other splits where candidates' deviations differ in their last bits.
@pytest.mark.skipif(SKLEARN < (1, 8), reason="scikit-learn's absolute_error is computed as franca's from 1.8")
@pytest.mark.parametrize("outputs, weighted, missing", [(1, False, False), (2, True, False), (1, True, True),
                                                        (2, False, True)])
def test_absolute_error_grows_scikit_learns_tree(outputs, weighted, missing):
    """With every row a bin of its own (200 distinct values a feature) and every feature visited,
    franca's tree is scikit-learn's: its medians, absolute deviations and splits; leaves of 10 rows
    at least keep out splits of equal deviations (a node of 2 rows has several), which the two
    break in their own feature orders."""
    rng = np.random.default_rng(3 + outputs)
    X = rng.normal(size=(200, 4))
    y = X[:, :outputs] * 2 + rng.standard_t(2, size=(200, outputs)) + (X[:, 1:2] > 0) * 3
    y = y[:, 0] if outputs == 1 else y
    w = rng.integers(1, 4, size=200).astype(float) if weighted else None
    if missing:
        X[rng.random(X.shape) < 0.1] = np.nan
    params = dict(n_estimators=1, bootstrap=False, max_features=None, criterion="absolute_error", max_depth=4,
                  min_samples_leaf=10, random_state=0)
    ours = RandomForestRegressor(**params).fit(X, y, sample_weight=w)
    reference = sk.RandomForestRegressor(**params).fit(X, y, sample_weight=w)
    assert _preorder(ours.estimators_[0].tree_) == _preorder(reference.estimators_[0].tree_)
    assert_allclose(ours.feature_importances_, reference.feature_importances_, rtol=1e-9)
    assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-12)


def test_absolute_error_leaves_hold_weighted_medians():
    """The root's value and impurity against NumPy (an oracle of its own): the weighted median,
    halfway between the two middle values where the cumulative weight reaches half exactly, and
    the weighted mean absolute deviation from it; forests of bootstraps predict means of medians."""
    X, y, _ = dataset("diabetes")
    w = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    root = RandomForestRegressor(n_estimators=1, bootstrap=False, criterion="absolute_error", max_depth=1,
                                 random_state=0).fit(X, y, sample_weight=w).estimators_[0].tree_
    order = np.argsort(y, kind="stable")
    cumulative = np.cumsum(w[order])
    k = np.searchsorted(cumulative, cumulative[-1] / 2, side="right")
    median = y[order][k] if cumulative[k - 1] != cumulative[-1] / 2 else (y[order][k - 1] + y[order][k]) / 2
    assert root.value[0, 0, 0] == pytest.approx(median, rel=1e-15)
    assert root.impurity[0] == pytest.approx(np.sum(w * np.abs(y - median)) / np.sum(w), rel=1e-12)
    forest = RandomForestRegressor(n_estimators=20, criterion="absolute_error", random_state=0).fit(X, y)
    leaves = forest.apply(X[:5])
    values = [[tree.tree_.value[leaf, 0, 0] for tree, leaf in zip(forest.estimators_, row)] for row in leaves]
    assert_allclose(forest.predict(X[:5]), np.mean(values, axis=1), rtol=1e-12)


def test_from_sklearn_refuses_what_franca_cannot_hold():
    X, y, _ = dataset("diabetes")
    with pytest.raises(FrancaTypeError, match="takes a fitted scikit-learn RandomForestRegressor"):
        RandomForestRegressor.from_sklearn(sk.ExtraTreesRegressor(n_estimators=2).fit(X, y))
    with pytest.raises(NotFittedError):
        RandomForestRegressor.from_sklearn(sk.RandomForestRegressor())


# ------------------------------------------------------------------ invalid input, each by name

def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    return X, (X[:, 0] > 0).astype(int)


X_SMALL, Y_SMALL = _data()


@pytest.mark.parametrize("make,fit,error,message", [
    (lambda: RandomForestClassifier(max_features=5), {}, FrancaValueError,
     r"max_features: must be in \(0, n_features\], got 5 with 4 features"),
    (lambda: RandomForestClassifier(n_estimators=0), {}, FrancaValueError,
     "parameter 'n_estimators': must be >= 1, got 0"),
    (RandomForestClassifier, {"y": Y_SMALL[:-1]}, FrancaValueError, "y: Found input variables with inconsistent numbers of samples"),
    (RandomForestRegressor, {"sample_weight": np.r_[-1.0, np.ones(49)]}, FrancaValueError,
     "sample_weight: negative values are not allowed"),
    (RandomForestRegressor, {"X": np.where(X_SMALL > 2, np.inf, X_SMALL)}, FrancaValueError, "Input X contains infinity"),
    (lambda: RandomForestRegressor(criterion="poisson"), {"y": X_SMALL[:, 0]}, FrancaValueError,
     r"y: Some value\(s\) of y are negative which is not allowed for Poisson regression"),
    (lambda: RandomForestClassifier(oob_score=True, bootstrap=False), {}, FrancaValueError,
     "oob_score: Out of bag estimation only available if bootstrap=True"),
    (lambda: RandomForestClassifier(monotonic_cst=[1, 0]), {}, FrancaValueError,
     r"monotonic_cst: has shape \(2,\) but the input data X has 4 features"),
    (lambda: RandomForestRegressor(criterion="absolute_error", monotonic_cst=[1, 0, 0, 0]), {},
     FrancaNotImplementedError, "monotonic_cst: not implemented with criterion='absolute_error'"),
    (lambda: RandomForestClassifier(class_weight={0: 2.0}), {"y": np.c_[Y_SMALL, Y_SMALL]}, FrancaValueError,
     "class_weight: For multi-output, class_weight should be a list of dicts, or the string 'balanced'"),
    (lambda: RandomForestClassifier(class_weight=[{0: 2.0}]), {"y": np.c_[Y_SMALL, Y_SMALL]}, FrancaValueError,
     "class_weight: For multi-output, number of elements in class_weight should match number of outputs"),
    (lambda: RandomForestClassifier(oob_score=True), {"y": np.c_[Y_SMALL, Y_SMALL + 2]}, FrancaValueError,
     "y: The type of target cannot be used to compute OOB estimates. Got multiclass-multioutput"),
], ids=["max_features", "n_estimators", "y_rows", "negative_sample_weight", "inf_in_X", "poisson_negative_y",
        "oob_without_bootstrap", "monotonic_cst_length", "absolute_error_monotonic", "multi_output_class_weight_dict",
        "multi_output_class_weight_length", "multiclass_multioutput_oob"])
def test_invalid_input_is_a_named_error(make, fit, error, message):
    arguments = {"X": X_SMALL, "y": Y_SMALL, **fit}
    with pytest.raises(error, match=message):
        make().fit(**arguments)
