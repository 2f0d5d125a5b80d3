"""Writes tests/testthat/python_reference.json: data and the Python binding's results on them, which the R tests
must reproduce (the same library behind both bindings: the same numbers, up to the order of float sums).

    FRANCA_LIBRARY=build/lib/libfranca.so PYTHONPATH=bindings/python \\
        /usr/bin/python3 bindings/r/tools/python_reference.py [--check]

--check fails if the committed file's results differ from the Python binding's now (beyond 1e-12 relative).
"""
import json
import pathlib
import sys

import numpy as np

import franca.ensemble
import franca.feature_extraction.text
import franca.linear_model
import franca.preprocessing

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "testthat" / "python_reference.json"


def cases():
    rng = np.random.default_rng(16)
    X = rng.normal(size=(80, 5))
    y = X @ np.array([1.5, -2.0, 0.0, 0.5, 3.0]) + 0.3 * rng.normal(size=80)
    labels = np.array(["no", "yes", "maybe"])[np.argmax(X[:, :3] + 0.5 * rng.normal(size=(80, 3)), axis=1)]
    documents = ["the cat sat on the mat", "dogs and cats", "a mat for the dog", "Ünïcode wörds here"]
    counts = np.array([[1, 0, 2, 0], [0, 3, 0, 1], [2, 1, 0, 0]], dtype=float)
    fitted = {
        "Ridge": franca.linear_model.Ridge(alpha=2.0).fit(X, y),
        "Lasso": franca.linear_model.Lasso(alpha=0.1, tol=1e-10, max_iter=10000).fit(X, y),
        "ElasticNet": franca.linear_model.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-10, max_iter=10000).fit(X, y),
        "LogisticRegression": franca.linear_model.LogisticRegression(C=0.5, max_iter=1000).fit(X, labels),
        "RandomForestRegressor": franca.ensemble.RandomForestRegressor(n_estimators=10, random_state=3).fit(X, y),
        "StandardScaler": franca.preprocessing.StandardScaler().fit(X),
    }
    results = {name: {"params": {k: v for k, v in model.get_params().items()
                                 if v != type(model)().get_params()[k]}}
               for name, model in fitted.items()}
    for name, model in fitted.items():
        if name == "StandardScaler":
            results[name]["transform"] = model.transform(X).tolist()
        else:
            results[name]["predict"] = np.asarray(model.predict(X)).tolist()
    for name in ("Ridge", "Lasso", "ElasticNet", "LogisticRegression"):
        results[name]["coef_"] = np.asarray(fitted[name].coef_).tolist()
        results[name]["intercept_"] = np.atleast_1d(fitted[name].intercept_).tolist()
    results["LogisticRegression"]["predict_proba"] = fitted["LogisticRegression"].predict_proba(X).tolist()
    results["LogisticRegression"]["classes_"] = fitted["LogisticRegression"].classes_.tolist()
    hashing = franca.feature_extraction.text.HashingVectorizer(n_features=32)
    results["HashingVectorizer"] = {"params": {"n_features": 32},
                                    "transform": hashing.fit_transform(documents).toarray().tolist()}
    tfidf = franca.feature_extraction.text.TfidfTransformer()
    import scipy.sparse
    results["TfidfTransformer"] = {"params": {},
                                   "transform": tfidf.fit_transform(scipy.sparse.csr_matrix(counts)).toarray().tolist()}
    return {"X": X.tolist(), "y": y.tolist(), "labels": labels.tolist(), "documents": documents,
            "counts": counts.tolist(), "results": results}


def close(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, str) or isinstance(a, list) and a and isinstance(a[0], str):
        return a == b
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12)


def main():
    data = cases()
    if sys.argv[1:] == ["--check"]:
        if not close(json.loads(OUT.read_text()), data):
            sys.exit(f"{OUT} is out of date with the Python binding: rerun {__file__}")
        return
    OUT.write_text(json.dumps(data, indent=None) + "\n")


if __name__ == "__main__":
    main()
