"""franca estimators inside scikit-learn's Pipeline and RandomizedSearchCV, and the proof
that data handed from one franca stage to the next is never converted."""
import importlib
import inspect
import pickle
import pkgutil

import numpy as np
import pytest
import sklearn.feature_extraction.text
import sklearn.linear_model
import sklearn.preprocessing
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold, RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

import franca
from franca import _convert
from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer
from franca.linear_model import LogisticRegression, Ridge
from franca.preprocessing import StandardScaler

from conftest import requires_cuda

PACKAGES = ("asyncio", "email", "unittest", "json", "http")


def _real_text():
    """Documentation of the standard library (real English text, on every machine): the
    docstrings of the classes, methods and functions of a few packages, each labelled with
    its package."""
    docs, labels = [], []
    for package in PACKAGES:
        modules = [importlib.import_module(package)]
        modules += [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(modules[0].__path__)
                    if not m.name.startswith("_") and m.name not in ("__main__", "windows_events", "windows_utils")]
        seen = set()
        for module in modules:
            for _, obj in inspect.getmembers(module, lambda o: inspect.isclass(o) or inspect.isfunction(o)):
                if obj.__module__ != module.__name__:
                    continue
                members = [obj] + [m for m in vars(obj).values() if inspect.isfunction(m)] if inspect.isclass(obj) else [obj]
                for member in members:
                    doc = inspect.getdoc(member)
                    if doc and len(doc) > 80 and doc not in seen:
                        seen.add(doc)
                        docs.append(doc)
                        labels.append(package)
    return docs, np.array(labels)


@pytest.fixture(scope="module")
def text():
    docs, labels = _real_text()
    assert len(docs) > 300 and len(set(labels)) == len(PACKAGES), (len(docs), set(labels))
    return docs, labels


def _text_search(n_jobs, classes=(HashingVectorizer, TfidfTransformer, LogisticRegression)):
    vectorizer, tfidf, classifier = classes
    pipeline = make_pipeline(vectorizer(n_features=2**12), tfidf(), classifier(max_iter=200))
    return RandomizedSearchCV(pipeline, {"logisticregression__C": [0.1, 1, 10]}, n_iter=3, n_jobs=n_jobs,
                              cv=StratifiedKFold(3, shuffle=True, random_state=0), random_state=0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_text_pipeline_in_randomized_search(text, n_jobs):
    docs, labels = text
    search = _text_search(n_jobs).fit(docs, labels)
    reference = _text_search(1, (sklearn.feature_extraction.text.HashingVectorizer,
                                 sklearn.feature_extraction.text.TfidfTransformer,
                                 sklearn.linear_model.LogisticRegression)).fit(docs, labels)
    assert search.best_score_ > 2.0 / len(PACKAGES)
    assert_allclose(search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=0.02)
    predicted = search.predict(docs)
    assert predicted.dtype == labels.dtype and set(predicted) <= set(labels)
    assert (predicted == reference.predict(docs)).mean() > 0.97


def test_no_conversion_between_franca_stages(text):
    docs, labels = text
    pipeline = make_pipeline(HashingVectorizer(n_features=2**12), TfidfTransformer(), LogisticRegression())
    _convert.conversions.clear()
    pipeline.fit(docs, labels)
    pipeline.predict(docs)
    counts = dict(_convert.conversions)
    assert counts.get("csr->CSRMatrix") == 4, counts  # two franca stages, in fit and in predict
    assert counts.get("csr->scipy", 0) == 0, counts  # none of them read outside franca
    assert counts.get("dense->numpy") == 1, counts  # the predictions
    # The intermediate matrices are still scipy CSR matrices to whoever reads them.
    Xt = pipeline[:-1].transform(docs[:5])
    assert _convert.conversions["csr->scipy"] == 0
    assert Xt.nnz > 0 and _convert.conversions["csr->scipy"] == 1


def test_pipeline_pickles(text):
    docs, labels = text
    pipeline = make_pipeline(HashingVectorizer(n_features=2**12), TfidfTransformer(), LogisticRegression())
    pipeline.fit(docs, labels)
    again = pickle.loads(pickle.dumps(pipeline))
    assert (again.predict(docs) == pipeline.predict(docs)).all()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_scaler_ridge_pipeline_in_randomized_search(n_jobs):
    X, y = load_diabetes(return_X_y=True)
    grid = {"ridge__alpha": [0.01, 0.1, 1.0, 10.0]}
    cv = KFold(4, shuffle=True, random_state=0)
    search = RandomizedSearchCV(make_pipeline(StandardScaler(), Ridge()), grid, n_iter=4, cv=cv, n_jobs=n_jobs,
                                random_state=0).fit(X, y)
    reference = RandomizedSearchCV(make_pipeline(sklearn.preprocessing.StandardScaler(), sklearn.linear_model.Ridge()),
                                   grid, n_iter=4, cv=cv, random_state=0).fit(X, y)
    assert_allclose(search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], rtol=1e-6)
    assert search.best_params_ == reference.best_params_
    assert_allclose(search.predict(X), reference.predict(X), rtol=1e-6)


@requires_cuda
def test_text_pipeline_stays_on_the_gpu(text):
    docs, labels = text
    pipeline = make_pipeline(HashingVectorizer(n_features=2**12), TfidfTransformer(), LogisticRegression())
    _convert.conversions.clear()
    with franca.config_context(device="cuda"):
        pipeline.fit(docs, labels)
        predicted = pipeline.predict(docs)
    counts = dict(_convert.conversions)
    assert counts.get("csr->scipy", 0) == 0, counts
    assert counts["host->device"] == 5, counts  # the documents (offsets, bytes) in fit and in predict, y
    assert counts["device->host"] == 1, counts  # the predictions
    cpu = make_pipeline(HashingVectorizer(n_features=2**12), TfidfTransformer(), LogisticRegression())
    assert (predicted == cpu.fit(docs, labels).predict(docs)).mean() > 0.99


@requires_cuda
def test_model_fitted_on_the_gpu_predicts_on_the_cpu(rng):
    X = rng.normal(size=(200, 5))
    y = X @ np.arange(5.0)
    with franca.config_context(device="cuda"):
        model = Ridge().fit(X, y)
        on_gpu = model.predict(X)
    restored = pickle.loads(pickle.dumps(model))
    with franca.config_context(device="cpu"):
        assert_allclose(restored.predict(X), on_gpu, rtol=1e-10)


@pytest.mark.skipif(not hasattr(sklearn.linear_model.LassoCV, "get_metadata_routing"),
                    reason="scikit-learn routes fit's metadata to a CV estimator's splitter from 1.4")
@pytest.mark.parametrize("name", ["LassoCV", "ElasticNetCV"])
def test_cv_estimators_route_groups_to_their_splitter(name):
    """With scikit-learn's metadata routing, fit(X, y, groups=...) reaches the cv splitter (GroupKFold
    needs it): the folds, and so every fold's errors, are scikit-learn's; without routing enabled,
    any fit metadata is scikit-learn's error."""
    from sklearn.model_selection import GroupKFold
    X, y = load_diabetes(return_X_y=True)
    groups = np.arange(len(y)) % 7
    ours, theirs = getattr(franca.linear_model, name), getattr(sklearn.linear_model, name)
    with pytest.raises(ValueError, match="is only supported if enable_metadata_routing=True"):
        ours().fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        model = ours(cv=GroupKFold(3)).fit(X, y, groups=groups)
        reference = theirs(cv=GroupKFold(3)).fit(X, y, groups=groups)
        with pytest.raises(ValueError, match="groups"):
            ours(cv=GroupKFold(3)).fit(X, y)  # GroupKFold without its groups: scikit-learn's error
    assert_allclose(model.mse_path_, reference.mse_path_, rtol=1e-8)
    assert model.alpha_ == pytest.approx(reference.alpha_, rel=1e-10)
