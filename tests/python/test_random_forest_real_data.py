"""franca's random forests against scikit-learn's on real data installable here (tests/python/
_datasets.py): Fashion-MNIST, mlbench's Shuttle, LetterRecognition and Satellite, AER's CPS1988
wages. Same settings on both sides; the score (accuracy, or R^2 of log wage) averaged over seeds
must not trail scikit-learn's by more than half a point. Fashion-MNIST uses 10,000 training images
and 50 trees, CPS1988 a depth limit, to keep the file within a minute or two on 2 cores. Run with
FRANCA_LIBRARY=path/to/libfranca.so."""
import numpy as np
import pytest
from sklearn import ensemble as sk
from sklearn.model_selection import train_test_split

import _datasets
from franca import ensemble as fr

SEEDS = (0, 1, 2)
TOLERANCE = 0.005  # half a point of accuracy or R^2, averaged over SEEDS


def load(name):
    """(X_train, X_test, y_train, y_test)."""
    try:
        if name == "fashion_mnist":
            X, y, X_test, y_test = _datasets.fashion_mnist()
            return X[:10000].astype(np.float32), X_test.astype(np.float32), y[:10000], y_test
        X, y = _datasets.cps1988() if name == "CPS1988" else _datasets.mlbench(name)
    except _datasets.DatasetMissing as e:
        pytest.skip(str(e))
    return train_test_split(X, y, test_size=0.25, random_state=0)


CASES = {
    "fashion_mnist": ("classifier", {"n_estimators": 50}),
    "Shuttle": ("classifier", {"n_estimators": 50}),
    "LetterRecognition": ("classifier", {"n_estimators": 100}),
    "Satellite": ("classifier", {"n_estimators": 100}),
    "CPS1988": ("regressor", {"n_estimators": 50, "min_samples_leaf": 5}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_score_matches_scikit_learn(name):
    kind, params = CASES[name]
    X_train, X_test, y_train, y_test = load(name)
    franca_cls, sklearn_cls = ((fr.RandomForestClassifier, sk.RandomForestClassifier) if kind == "classifier"
                               else (fr.RandomForestRegressor, sk.RandomForestRegressor))
    gaps = []
    for seed in SEEDS:
        ours = franca_cls(random_state=seed, **params).fit(X_train, y_train).score(X_test, y_test)
        theirs = sklearn_cls(random_state=seed, n_jobs=-1, **params).fit(X_train, y_train).score(X_test, y_test)
        gaps.append(ours - theirs)
    print(f"{name}: mean gap {np.mean(gaps):+.4f}")
    assert np.mean(gaps) >= -TOLERANCE, f"{name}: franca trails scikit-learn by {-np.mean(gaps):.4f} (gaps {gaps})"
