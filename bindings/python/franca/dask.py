"""franca's estimators on a Dask cluster (dask.distributed): fit on dask arrays, DataFrames,
Series and bags whose partitions stay on the workers that hold them; the fitted estimator is the
single-machine one, equal to a fit of all the rows on one machine whatever the partitioning.

    from distributed import Client
    from franca.dask import HashingVectorizer, TfidfTransformer, LogisticRegression
    client = Client(scheduler_address)
    model = make_pipeline(HashingVectorizer(), TfidfTransformer(), LogisticRegression())
    model.fit(documents, labels)          # a dask bag or Series of str, a dask array of labels
    model.predict(documents)              # a lazy dask array

Each class here is the franca class of the same name (franca.linear_model.Ridge, ...) whose fit
also takes dask collections: every partition is reduced where it lives to small statistics
(moments, Gram matrices, document frequencies), merged in an order that depends on the partitions
only, and the model is built from them; a GLM is fitted by the library itself on the client
(franca_estimator_fit_external), each evaluation of its data term the sum of the partitions' loss
and gradient at the current coefficients, computed where they live (franca_estimator_data_loss). Its predict, predict_proba,
decision_function and transform take dask collections too and return lazy dask arrays, mapped
over the partitions; on anything else they are the single-machine methods. A fitted estimator
pickles and predicts anywhere as the single-machine class; a GLM fitted on a dask collection also
has n_function_evaluations_, its rounds of evaluations over the cluster. A random forest is grown by
the library on the client (franca_estimator_fit_blocks), which asks the partitions for their
histograms, the same forest as on one machine; it also has n_block_questions_, its rounds over
the cluster. See docs/dask.md.
"""
import math
import os
import threading

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.utils.multiclass import check_classification_targets

from . import _config, _convert, _estimator, _lib, _model
from .exceptions import FrancaNotImplementedError, FrancaTypeError, FrancaValueError

__all__ = ["HashingVectorizer", "TfidfTransformer", "StandardScaler", "LinearRegression", "Ridge",
           "LogisticRegression", "PoissonRegressor", "GammaRegressor", "TweedieRegressor", "RandomForestClassifier",
           "RandomForestRegressor"]

_EPS = np.finfo(np.float64).eps


# -------------------------------------------------------------- partitions

def _is_dask(x):
    return isinstance(x, (da.Array, dd.DataFrame, dd.Series, db.Bag))


def _client():
    from distributed import default_client
    try:
        return default_client()
    except ValueError as e:
        raise FrancaValueError("franca.dask fits on a dask.distributed cluster: create a distributed.Client "
                               "first") from e


def _partitions(collection, argument):
    """The row blocks of a dask collection, in order, as Delayed objects: a dask array's row chunks
    (its column chunks joined first), a DataFrame's or Series' partitions, a bag's partitions
    (lists of documents)."""
    if isinstance(collection, da.Array):
        if collection.ndim == 2 and collection.numblocks[1] > 1:
            collection = collection.rechunk({1: -1})
        return list(collection.to_delayed().ravel())
    if isinstance(collection, (dd.DataFrame, dd.Series, db.Bag)):
        return list(collection.to_delayed())
    raise FrancaTypeError(f"{argument}: expected a dask array, DataFrame, Series or bag, got {type(collection).__name__}")


def _aligned(X, y=None, sample_weight=None):
    """The row blocks of X, and of y and sample_weight (None where not given) beside each: a dask
    array y or sample_weight is rechunked to X's row chunks when those are known, other collections
    must have X's number of partitions (their rows are checked against X's where they meet)."""
    blocks = [_partitions(X, "X")]
    for value, argument in ((y, "y"), (sample_weight, "sample_weight")):
        if value is None:
            blocks.append([None] * len(blocks[0]))
            continue
        if not _is_dask(value):
            raise FrancaTypeError(f"{argument}: X is a dask collection, so {argument} must be one too (with X's "
                                  f"partitions), got {type(value).__name__}")
        if isinstance(X, da.Array) and isinstance(value, da.Array) and not any(map(math.isnan, X.chunks[0])):
            value = value.rechunk({0: X.chunks[0]})
        parts = _partitions(value, argument)
        if len(parts) != len(blocks[0]):
            raise FrancaValueError(f"{argument}: has {len(parts)} partitions but X has {len(blocks[0])}; give them the "
                                   "same partitions (the rows of each partition of X beside its own)")
        blocks.append(parts)
    return list(zip(*blocks))


def _column(block):
    """A partition of y or sample_weight as an array (NumPy, or the partition's own GPU array)."""
    if block is None or hasattr(block, "__cuda_array_interface__"):
        return block
    return np.asarray(block)


def _host(block):
    """A partition of X as franca's single-machine estimators take it, and as NumPy or scipy
    computes on it: a DataFrame's values, a bag's list of documents."""
    if hasattr(block, "to_numpy") and not _is_text(block):
        return block.to_numpy()
    return block


def _is_text(block):
    """A Series or array of str (pandas' string dtypes have kind "O")."""
    return getattr(getattr(block, "dtype", None), "kind", None) in ("O", "S", "U")


def _array_module(a):
    if _convert._is_cupy(a) or _convert._is_cupyx_sparse(a):
        import cupy
        return cupy
    return np


def _to_numpy(a):
    return a.get() if _convert._is_cupy(a) else np.asarray(a)


def _reduce(merge, statistics):
    """The statistics of the partitions merged pairwise in a tree on the workers: the order of the
    merges depends on the number of partitions only, never on the workers."""
    while len(statistics) > 1:
        merged = [dask.delayed(merge)(a, b) for a, b in zip(statistics[0::2], statistics[1::2])]
        statistics = merged + ([statistics[-1]] if len(statistics) % 2 else [])
    return _client().compute(statistics[0]).result()


_threads_set = threading.Lock()


def _on_worker():
    """Run at the start of every task of franca's on a worker: franca's context takes the worker's
    OMP_NUM_THREADS (which distributed's nanny sets, to 1 by default, for each of the worker's task
    threads), where franca alone would use every core in each worker process of the machine."""
    with _threads_set:
        if getattr(_on_worker, "threads", None) is None:
            _on_worker.threads = int(os.environ.get("OMP_NUM_THREADS") or 0)
            context = _config.context(_config.get_config()["device"])
            _lib.lib.franca_context_set_threads(context.value, _on_worker.threads)


# -------------------------------------------------------------- mapped methods

def _apply_block(block, estimator, method):
    _on_worker()
    out = getattr(estimator, method)(block)  # DataFrames as they are: the feature names are checked
    # A plain scipy matrix, which distributed serialises by its arrays (it would reach into the
    # __dict__ of franca's CSRMatrix, which holds the library's handle).
    return sp.csr_matrix(out) if isinstance(out, _convert.CSRMatrix) else out


def _output(estimator, method, X):
    """(columns of the output, or None for a 1-D one; its dtype; whether its blocks are CSR)."""
    name = estimator._spec["name"]
    if name == "HashingVectorizer":
        return estimator.n_features, np.dtype(estimator.dtype), True
    dtype = np.dtype(X.dtype) if isinstance(X, da.Array) and np.dtype(X.dtype).kind == "f" else np.dtype(np.float64)
    if name == "TfidfTransformer":
        return estimator.n_features_in_, dtype, True
    if method == "transform" or method == "inverse_transform":  # CSR in, CSR out
        return estimator.n_features_in_, dtype, isinstance(getattr(X, "_meta", None), sp.spmatrix)
    if method == "predict":
        if is_classifier(estimator):
            return None, np.asarray(estimator.classes_).dtype, False
        coef = getattr(estimator, "coef_", None)
        return (coef.shape[0] if coef is not None and coef.ndim == 2 else None), dtype, False
    n_classes = len(estimator.classes_)
    return (None if method == "decision_function" and n_classes == 2 else n_classes), dtype, False


def _map_rows(estimator, method, X):
    """`method` of the fitted estimator over the partitions of X: a lazy dask array, with X's row
    chunks when X is a dask array, else with chunks of unknown length (one per partition)."""
    columns, dtype, sparse = _output(estimator, method, X)
    meta = sp.csr_matrix((0, 0), dtype=dtype) if sparse else np.empty((0,) * (1 if columns is None else 2), dtype)
    if isinstance(X, da.Array):
        if X.ndim == 2 and X.numblocks[1] > 1:
            X = X.rechunk({1: -1})
        if columns is None:
            chunks, kwargs = (X.chunks[0],), ({"drop_axis": 1} if X.ndim == 2 else {})
        else:
            chunks, kwargs = (X.chunks[0], (columns,)), ({"new_axis": 1} if X.ndim == 1 else {})
        return X.map_blocks(_apply_block, estimator, method, chunks=chunks, dtype=dtype, meta=meta, **kwargs)
    shape = (math.nan,) if columns is None else (math.nan, columns)
    return da.concatenate([da.from_delayed(dask.delayed(_apply_block)(block, estimator, method), shape=shape,
                                           dtype=dtype, meta=meta) for block in _partitions(X, "X")])


def _mapped_method(name):
    """The estimator's method `name` over a dask collection (mapped over its partitions); on other
    input, the single-machine method."""
    def method(self, X, *args, **kwargs):  # kwargs: copy, on the local methods that take it
        if _is_dask(X):
            return _map_rows(self, name, X)
        return getattr(super(_DaskMethods, self), name)(X, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


def _partial_fit(self, X, y=None, sample_weight=None):
    if _is_dask(X):  # the single-machine partial_fit would gather the collection into this process
        raise FrancaNotImplementedError(f"{self._spec['name']}: partial_fit of a dask collection is not distributed; "
                                        "fit on the whole collection")
    return super(_DaskMethods, self).partial_fit(X, y, sample_weight)


def _fit_transform(self, X, y=None, sample_weight=None):
    if _is_dask(X):
        return self.fit(X, y, sample_weight).transform(X)
    return super(_DaskMethods, self).fit_transform(X, y, sample_weight)


class _DaskMethods:
    """What every franca.dask class adds to its single-machine class: fit on dask collections (the
    class's _fit_dask) and, made in _class, the listed methods over them."""

    def fit(self, X, y=None, sample_weight=None):
        if not _is_dask(X):
            return super().fit(X, y, sample_weight)
        if is_classifier(self) or self._spec["kind"] == "regressor":
            if y is None:
                raise FrancaValueError(f"{self._spec['name']} requires y to be passed, but the target y is None")
        if self._python_fallback() is not None:
            raise FrancaNotImplementedError(f"{self._spec['name']}: a parameter that libfranca leaves to scikit-learn "
                                            "cannot run on a dask collection")
        before = dict(self.__dict__)
        try:
            if not getattr(self, "warm_start", False):  # a warm start compares the new classes_ with the fitted
                for key in [key for key in self.__dict__ if key.endswith("_") and not key.startswith("_")]:
                    del self.__dict__[key]  # classes_, feature_names_in_ of an earlier fit
            if isinstance(X, dd.DataFrame):
                _estimator._check_feature_names(self, X._meta, reset=True)
            self._fit_dask(X, y, sample_weight)
        except BaseException:  # a failed fit leaves the estimator as it was, as the single-machine fit
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _set_model(self, attributes):
        """Makes the model of `attributes` (the library's fitted attributes, n_features_in_ included)
        this estimator's, through franca's model bytes: the library checks it as it checks a saved
        model."""
        self._load_model(_model.model_bytes(self._spec["name"], self._franca_params(), attributes))


# -------------------------------------------------------------- text

def _fit_hashing(self, X, y, sample_weight):
    super(_DaskMethods, self).fit([])  # nothing to learn: checks the parameters


def _document_frequencies(block):
    X = _host(block)
    if not (sp.issparse(X) or _convert._is_cupyx_sparse(X)):
        raise FrancaTypeError(f"X: TfidfTransformer takes CSR partitions (scipy.sparse or cupyx), got "
                              f"{type(X).__name__}")
    X = X.tocsr()
    xp = _array_module(X)
    # scikit-learn's document frequency: the stored entries of each column (a CSR row holds a column once).
    return X.shape[0], _to_numpy(xp.bincount(X.indices, minlength=X.shape[1])).astype(np.int64)


def _sum_frequencies(a, b):
    if a[1].shape != b[1].shape:
        raise FrancaValueError(f"X: partitions of {a[1].shape[0]} and {b[1].shape[0]} columns")
    return a[0] + b[0], a[1] + b[1]


def _fit_tfidf(self, X, y, sample_weight):
    n, df = _reduce(_sum_frequencies, [dask.delayed(_document_frequencies)(block) for block in _partitions(X, "X")])
    attributes = {"n_features_in_": np.int64(df.shape[0])}
    if self.use_idf:
        # The library's idf (src/feature_extraction/text.cpp, scikit-learn's): ln((n + s) / (df + s)) + 1,
        # s = 1 with smooth_idf.
        smooth = 1.0 if self.smooth_idf else 0.0
        with np.errstate(divide="ignore"):
            attributes["idf_"] = np.log((n + smooth) / (df + smooth)) + 1.0
    self._set_model(attributes)


# -------------------------------------------------------------- moments

def _centred_gram(X, w, centre):
    """(weight sum, rows, column means (0 unless centre), the centred Gram matrix sum_i w_i (x_i - m)
    (x_i - m)^T) of one partition of X (dense or CSR), in float64, computed where it lives."""
    xp = _array_module(X)
    n = X.shape[0]
    w = xp.ones(n) if w is None else xp.asarray(w, dtype=xp.float64).reshape(-1)
    if w.shape[0] != n:
        raise FrancaValueError(f"sample_weight: a partition of {w.shape[0]} weights beside {n} rows of X")
    total = float(w.sum())
    if sp.issparse(X) or _convert._is_cupyx_sparse(X):
        X = X.tocsr().astype(np.float64)
        sums = X.T @ w
        mean = sums / total if centre and total > 0 else xp.zeros(X.shape[1])
        gram = (X.T @ X.multiply(w[:, None]).tocsr()).toarray()
        # X^T W X - m s^T - s m^T + S m m^T, from the uncentred sums, as the library's CSR path.
        gram = gram - xp.outer(mean, sums) - xp.outer(sums, mean) + total * xp.outer(mean, mean)
    else:
        X = xp.asarray(X, dtype=xp.float64).reshape(n, -1)
        mean = (w @ X) / total if centre and total > 0 else xp.zeros(X.shape[1])
        centred = X - mean
        gram = centred.T @ (centred * w[:, None])
    return total, n, _to_numpy(mean), _to_numpy(gram)


def _merge_grams(a, b):
    """Chan, Golub and LeVeque's pairwise merge of weighted means and centred Gram matrices: exact in
    exact arithmetic, so that the merged ones are those of all the rows, whatever the partitioning."""
    (wa, na, ma, ga), (wb, nb, mb, gb) = a, b
    if ma.shape != mb.shape:
        raise FrancaValueError(f"X: partitions of {ma.shape[0]} and {mb.shape[0]} columns")
    total = wa + wb
    if wa == 0 or wb == 0:
        return total, na + nb, (ma if wb == 0 else mb), ga + gb
    delta = mb - ma
    return total, na + nb, ma + delta * (wb / total), ga + gb + np.outer(delta, delta) * (wa * wb / total)


def _column_statistics(block, w):
    """(weight, mean, sum of w (x - mean)^2) per column of one partition, from the library's
    StandardScaler fitted where the partition lives (NaN left out of each column, as it does; CSR
    means over the implicit zeros too), and whether sample weights were given."""
    _on_worker()
    X = _host(block)
    sparse = sp.issparse(X) or _convert._is_cupyx_sparse(X)
    scaler = _estimator.ESTIMATORS["StandardScaler"](with_mean=not sparse, with_std=True)
    scaler.fit(X, sample_weight=w)
    d = X.shape[1]
    weight = np.broadcast_to(np.asarray(scaler.n_samples_seen_, dtype=np.float64), (d,)).copy()
    mean, var = np.asarray(scaler.mean_), np.asarray(scaler.var_)
    # A column without a value (all NaN here) has weight 0 and a NaN mean: it adds nothing.
    return weight, np.where(weight > 0, mean, 0.0), np.where(weight > 0, var * weight, 0.0), w is not None


def _merge_column_statistics(a, b):
    """_merge_grams per column, each with its own weight (the rows where it is not NaN)."""
    (wa, ma, sa, weighted_a), (wb, mb, sb, weighted_b) = a, b
    if ma.shape != mb.shape:
        raise FrancaValueError(f"X: partitions of {ma.shape[0]} and {mb.shape[0]} columns")
    total = wa + wb
    share = np.divide(wb, total, out=np.zeros_like(total), where=total > 0)
    delta = mb - ma
    return total, ma + delta * share, sa + sb + delta * delta * wa * share, weighted_a or weighted_b


def _fit_scaler(self, X, y, sample_weight):
    statistics = [dask.delayed(_column_statistics)(block, dask.delayed(_column)(w))
                  for block, _, w in _aligned(X, None, sample_weight)]
    weight, mean, squares, weighted = _reduce(_merge_column_statistics, statistics)
    d = weight.shape[0]
    empty = weight == 0  # a column of NaN only: NaN moments, as the library's
    mean, squares = np.where(empty, np.nan, mean), np.where(empty, np.nan, squares)
    # The library's record (src/preprocessing/standard_scaler.cpp, scikit-learn's): n_samples_seen_
    # one number while every column has the same count, else one per column, integers unless weights
    # were given (then in X's dtype); mean_ unless nothing is centred or scaled; a variance within
    # the rounding error of the two-pass algorithm is a constant feature, scale 1.
    seen = weight[0] if (weight == weight[0]).all() else weight
    attributes = {"n_features_in_": np.int64(d),
                  "n_samples_seen_": np.asarray(seen, dtype=np.dtype(_dtype(X)) if weighted else np.int64)}
    sparse = isinstance(X, da.Array) and isinstance(X._meta, sp.spmatrix)
    if self.with_std or (self.with_mean and not sparse):
        attributes["mean_"] = mean
    if self.with_std:
        with np.errstate(invalid="ignore", divide="ignore"):
            var = squares / weight
        bound = weight * _EPS * var + (weight * mean * _EPS) ** 2
        attributes["var_"] = var
        attributes["scale_"] = np.where(var <= bound, 1.0, np.sqrt(var))
    self._set_model(attributes)


# -------------------------------------------------------------- least squares

def _gram(block, y, w, centre):
    """_centred_gram of the columns of X beside those of y: the means and the centred Gram matrix
    of [X, y]."""
    X = _host(block)
    xp = _array_module(X)
    y = xp.asarray(y, dtype=xp.float64)
    if y.shape[0] != X.shape[0]:
        raise FrancaValueError(f"y: a partition of {y.shape[0]} rows beside {X.shape[0]} rows of X")
    y = y.reshape(X.shape[0], -1)
    if sp.issparse(X):
        joined = sp.hstack([X, sp.csr_matrix(y)], format="csr")
    elif _convert._is_cupyx_sparse(X):
        import cupyx.scipy.sparse
        joined = cupyx.scipy.sparse.hstack([X, cupyx.scipy.sparse.csr_matrix(y)], format="csr")
    else:
        joined = xp.hstack([xp.asarray(X, dtype=xp.float64).reshape(X.shape[0], -1), y])
    return _centred_gram(joined, w, centre)


def _fit_least_squares(self, X, y, sample_weight):
    if self.positive:
        raise FrancaNotImplementedError(f"{self._spec['name']}: positive=True is not distributed yet")
    statistics = [dask.delayed(_gram)(block, dask.delayed(_column)(yb), dask.delayed(_column)(w), self.fit_intercept)
                  for block, yb, w in _aligned(X, y, sample_weight)]
    total, n, mean, gram = _reduce(_merge_grams, statistics)
    if total <= 0:
        raise FrancaValueError(f"sample_weight: the weights sum to {total}; they must sum to a positive value")
    d = gram.shape[0] - (1 if y.ndim == 1 else y.shape[1])
    alpha = getattr(self, "alpha", 0.0)
    xtx, xty = gram[:d, :d] + alpha * np.eye(d), gram[:d, d:]
    if alpha > 0:
        beta = scipy.linalg.solve(xtx, xty, assume_a="pos")
    else:
        # The minimum-norm least-squares solution, as scipy's lstsq (LinearRegression's): singular
        # values of X below eps max(n, d) times the largest are dropped; X^T X has their squares.
        values, vectors = np.linalg.eigh(xtx)
        cutoff = (_EPS * max(n, d)) ** 2 * max(values.max(), 0.0)
        inverse = np.where(values > cutoff, 1.0 / np.where(values > cutoff, values, 1.0), 0.0)
        beta = vectors @ (inverse[:, None] * (vectors.T @ xty))
    intercept = mean[d:] - mean[:d] @ beta if self.fit_intercept else np.zeros(beta.shape[1])
    dtype = np.dtype(_dtype(X))
    one_target = y.ndim == 1
    self._set_model({"n_features_in_": np.int64(d),
                     "coef_": (beta[:, 0] if one_target else beta.T).astype(dtype),
                     "intercept_": (intercept[0] if one_target else intercept).astype(dtype)})


# -------------------------------------------------------------- GLMs

def _partition_loss(estimator, partition, coef, hessian):
    """(loss, gradient, Hessian or None) of the estimator's data term on one prepared partition
    (X, y, w), through the library where the partition lives; an empty partition adds nothing."""
    _on_worker()
    X, y, w = partition
    if X.shape[0] == 0:
        return 0.0, np.zeros_like(coef), np.zeros((len(coef), len(coef))) if hessian else None
    return estimator._data_loss(X, y, coef, sample_weight=w, hessian=hessian)


def _label_statistics(y, w):
    """A partition's labels, the rows and the summed sample weight of each."""
    y = _to_numpy(y).reshape(-1)
    labels, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    weights = counts.astype(np.float64) if w is None else np.bincount(codes.reshape(-1), _to_numpy(w).reshape(-1),
                                                                       minlength=len(labels))
    return labels, counts, weights


def _merge_label_statistics(a, b):
    labels = np.union1d(a[0], b[0])
    counts, weights = np.zeros(len(labels), dtype=np.int64), np.zeros(len(labels))
    for part_labels, part_counts, part_weights in (a, b):
        at = np.searchsorted(labels, part_labels)
        counts[at] += part_counts
        weights[at] += part_weights
    return labels, counts, weights


def _classifier_partition(X, y, w, classes, class_weights):
    """A partition as the data loss takes it: (X, its labels as codes into classes, its sample weights
    times their class's weight)."""
    y = _to_numpy(y).reshape(-1)
    codes = np.searchsorted(classes, y)
    weights = class_weights[codes] if w is None else _to_numpy(w).reshape(-1) * class_weights[codes]
    return _host(X), codes.astype(np.float64), weights


def _regressor_partition(X, y, w):
    return _host(X), _column(y), _column(w)


def _target_statistics(y, w):
    y = _to_numpy(y).reshape(-1)
    w = np.ones(len(y)) if w is None else _to_numpy(w).reshape(-1)
    return float(w.sum()), float(w @ y), len(y)


def _add(a, b):
    return tuple(p + q for p, q in zip(a, b))


def _dtype(X):
    """The dtype the single-machine fit would see, which a linear model's coef_ keeps."""
    return "float32" if isinstance(X, da.Array) and np.dtype(X.dtype) == np.float32 else "float64"


class _DataTerm:
    """The sum over the persisted partitions of the estimator's data term, one round of tasks per
    evaluation, summed on the client in partition order (the same sum for any number of workers):
    the data term of franca_estimator_fit_external."""

    def __init__(self, estimator, partitions):
        self.client = _client()
        # The unfitted single-machine estimator with these parameters: what each task evaluates.
        self.estimator = _estimator.ESTIMATORS[estimator._spec["name"]](**estimator.get_params(deep=False))
        self.partitions = partitions
        self.evaluations = 0

    def __call__(self, coef, hessian):
        # Each task is asked of the worker holding its partition (the scheduler would otherwise move
        # some partitions to a less busy worker, at every evaluation); loosely, so that a partition
        # computed again elsewhere, its worker lost, is followed there.
        holders = self.client.who_has(self.partitions)
        futures = [self.client.submit(_partition_loss, self.estimator, partition, coef, hessian, pure=False,
                                      workers=list(holders.get(partition.key, ())) or None, allow_other_workers=True)
                   for partition in self.partitions]
        results = self.client.gather(futures)
        self.evaluations += 1
        loss, gradient = 0.0, np.zeros_like(coef)
        total_hessian = np.zeros((len(coef), len(coef))) if hessian else None
        for part_loss, part_gradient, part_hessian in results:
            loss += part_loss
            gradient += part_gradient
            if hessian:
                total_hessian += part_hessian
        return loss, gradient, total_hessian


def _persisted(client, partitions):
    """Each partition's (X, y, w), made once in one task and kept where it is made: every evaluation's
    task then runs beside its partition, which never moves between workers (X, y and w made apart
    could live on different workers, and be copied at each evaluation)."""
    return client.compute(partitions)


def _class_weights(class_weight, classes, counts):
    """scikit-learn's class weights (the library's src/core/class_weight.cpp), by class index."""
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, str) and class_weight == "balanced":
        return counts.sum() / (len(classes) * counts.astype(np.float64))
    if isinstance(class_weight, dict):
        unknown = [label for label in class_weight if label not in classes.tolist()]
        if unknown:
            raise FrancaValueError(f"class_weight: the label(s) {unknown} are not in the classes {classes.tolist()}")
        return np.array([float(class_weight.get(label, 1.0)) for label in classes.tolist()])
    raise FrancaValueError(f"class_weight: expected None, 'balanced' or a dict, got {class_weight!r}")


def _fit_logistic(self, X, y, sample_weight):
    client = _client()
    blocks = _aligned(X, y, sample_weight)
    classes, counts, class_weight_sums = _reduce(
        _merge_label_statistics, [dask.delayed(_label_statistics)(dask.delayed(_column)(yb), dask.delayed(_column)(w))
                                  for _, yb, w in blocks])
    if len(classes) < 2:
        raise FrancaValueError("y: This solver needs samples of at least 2 classes in the data, but the data contains "
                               f"only one class: {classes[0]!r}")
    cw = _class_weights(self.class_weight, classes, counts)
    persisted = _persisted(client, [dask.delayed(_classifier_partition)(Xb, yb, w, classes, cw) for Xb, yb, w in blocks])
    data_term = _DataTerm(self, persisted)
    self._fit_external({"n_samples": int(counts.sum()), "n_features": _columns_of(client, persisted),
                        "sample_weight_sum": float(cw @ class_weight_sums), "n_classes": len(classes),
                        "dtype": _dtype(X)}, data_term)
    self.classes_ = classes
    self.n_function_evaluations_ = data_term.evaluations


def _columns(partition):
    return partition[0].shape[1]


def _columns_of(client, persisted):
    widths = set(client.gather([client.submit(_columns, partition, pure=False) for partition in persisted]))
    if len(widths) != 1:
        raise FrancaValueError(f"X: partitions of different numbers of columns: {sorted(widths)}")
    return widths.pop()


def _fit_glm(self, X, y, sample_weight):
    client = _client()
    blocks = _aligned(X, y, sample_weight)
    total, weighted_y, n = _reduce(_add, [dask.delayed(_target_statistics)(dask.delayed(_column)(yb),
                                                                           dask.delayed(_column)(w))
                                          for _, yb, w in blocks])
    persisted = _persisted(client, [dask.delayed(_regressor_partition)(Xb, yb, w) for Xb, yb, w in blocks])
    data_term = _DataTerm(self, persisted)
    self._fit_external({"n_samples": n, "n_features": _columns_of(client, persisted), "sample_weight_sum": total,
                        "target_mean": weighted_y / total if total > 0 else 0.0, "dtype": _dtype(X)}, data_term)
    self.n_function_evaluations_ = data_term.evaluations


# -------------------------------------------------------------- forests

def _output_labels(y):
    """A partition's distinct labels, per output (column of y)."""
    y = _to_numpy(y)
    y = y.reshape(len(y), -1)
    return [np.unique(y[:, output]) for output in range(y.shape[1])]


def _merge_output_labels(a, b):
    return [np.union1d(p, q) for p, q in zip(a, b)]


def _forest_partition(X, y, w, classes):
    """A partition as its block answers from it: (X, y as the library takes it, w); a classifier's
    labels become their codes into each output's classes, as the single-machine fit codes them."""
    y = _to_numpy(y)
    if classes is not None:
        columns = y.reshape(len(y), -1)
        codes = np.column_stack([np.searchsorted(output, columns[:, o]) for o, output in enumerate(classes)])
        y = (codes[:, 0] if len(classes) == 1 else codes).astype(np.float64)
    return _host(X), y, None if w is None else _to_numpy(w).reshape(-1)


def _rows(partition):
    return partition[0].shape[0]


def _block_answer(estimator, question, index, partition=None, kept=None):
    """A block's answer to a question of the library's fit, where the block lives."""
    _on_worker()
    if partition is None:
        return estimator._block_answer(question, index, kept=kept)
    X, y, w = partition
    return estimator._block_answer(question, index, X, y, w)


class _BlockQuestions:
    """The blocks of franca_estimator_fit_blocks: the persisted partitions, each question one task per
    partition on the worker holding it; the blocks' kept forms stay there, as futures."""

    def __init__(self, estimator, partitions):
        self.client = _client()
        # The answers depend on the question and the block only: an estimator of the same class answers.
        self.estimator = _estimator.ESTIMATORS[estimator._spec["name"]]()
        self.partitions = partitions
        self.kept = None
        self.questions = 0

    def __call__(self, kind, question):
        from distributed import wait
        self.questions += 1
        sources = self.kept if kind == _lib.BLOCKS_KEPT else self.partitions
        holders = self.client.who_has(sources)
        futures = [self.client.submit(_block_answer, self.estimator, question, index,
                                      **({"kept": source} if kind == _lib.BLOCKS_KEPT else {"partition": source}),
                                      pure=False, workers=list(holders.get(source.key, ())) or None,
                                      allow_other_workers=True)
                   for index, source in enumerate(sources)]
        if kind != _lib.BLOCKS_KEEP:
            return self.client.gather(futures)
        wait(futures)
        for future in futures:
            if future.status == "error":
                future.result()  # raises the block's error
        self.kept = futures
        return None


def _fit_forest(self, X, y, sample_weight):
    client = _client()
    blocks = _aligned(X, y, sample_weight)
    classes = None
    if is_classifier(self):
        classes = _reduce(_merge_output_labels, [dask.delayed(_output_labels)(yb) for _, yb, _ in blocks])
        for output in classes:  # continuous labels are refused, as the single-machine fit refuses them
            check_classification_targets(output)
        previous = self.__dict__.get("classes_") if self.__sklearn_is_fitted__() else None
        self.classes_ = classes[0] if len(classes) == 1 else classes
        if self.warm_start and previous is not None:
            as_list = (lambda c: [np.asarray(o).tolist() for o in (c if isinstance(c, list) else [c])])
            if as_list(previous) != as_list(self.classes_):
                raise FrancaValueError("y: warm_start keeps the trees of a forest fitted on other classes or outputs; "
                                       "fit with warm_start=False to start again")
    persisted = _persisted(client, [dask.delayed(_forest_partition)(Xb, yb, w, classes) for Xb, yb, w in blocks])
    rows = client.gather([client.submit(_rows, partition, pure=False) for partition in persisted])
    persisted = [partition for partition, n in zip(persisted, rows) if n > 0]  # an empty block adds nothing
    questions = _BlockQuestions(self, persisted)
    self.__dict__.pop("_estimators", None)  # the scikit-learn trees of the previous fit
    self._fit_blocks(len(persisted), questions)
    self.n_block_questions_ = questions.questions


# -------------------------------------------------------------- the classes

def _class(name, fit_dask, doc):
    """franca's class `name` with the methods of _DaskMethods and `fit_dask` for dask collections."""
    base = _estimator.ESTIMATORS[name]
    namespace = {method["name"]: _mapped_method(method["name"]) for method in base._spec["methods"]}
    if "transform" in namespace:
        namespace["fit_transform"] = _fit_transform
    if hasattr(base, "partial_fit"):
        namespace["partial_fit"] = _partial_fit
    namespace.update({"_fit_dask": fit_dask, "__module__": __name__, "__qualname__": name,
                      "__doc__": f"{doc}\n\n{base.__doc__}"})
    return type(name, (_DaskMethods, base), namespace)


HashingVectorizer = _class("HashingVectorizer", _fit_hashing,
                           "franca.dask: transform maps over the partitions (documents: a dask bag, Series or array "
                           "of str); nothing to fit.")
TfidfTransformer = _class("TfidfTransformer", _fit_tfidf,
                          "franca.dask: the document frequencies of the partitions summed, then transform mapped over "
                          "them.")
StandardScaler = _class("StandardScaler", _fit_scaler,
                        "franca.dask: each partition's weighted means and squared deviations (NaN left out) from the "
                        "library where it lives, merged exactly (Chan et al.), then transform mapped over them.")
LinearRegression = _class("LinearRegression", _fit_least_squares,
                          "franca.dask: the partitions' centred Gram matrices of [X, y] merged exactly, then the "
                          "minimum-norm least-squares solution on the client.")
Ridge = _class("Ridge", _fit_least_squares,
               "franca.dask: the partitions' centred Gram matrices of [X, y] merged exactly, then a Cholesky solve "
               "on the client.")
LogisticRegression = _class("LogisticRegression", _fit_logistic,
                            "franca.dask: the library's fit on the client (franca_estimator_fit_external: its solver, "
                            "penalty and stopping rule) over the sum of the partitions' loss, gradient and Hessian, each "
                            "computed by the library where its partition lives (franca_estimator_data_loss).")
PoissonRegressor = _class("PoissonRegressor", _fit_glm, LogisticRegression.__doc__.split("\n\n")[0])
GammaRegressor = _class("GammaRegressor", _fit_glm, PoissonRegressor.__doc__.split("\n\n")[0])
TweedieRegressor = _class("TweedieRegressor", _fit_glm, PoissonRegressor.__doc__.split("\n\n")[0])
RandomForestClassifier = _class("RandomForestClassifier", _fit_forest,
                                "franca.dask: the library's forest fit on the client (franca_estimator_fit_blocks), "
                                "whose histograms are the sums of the partitions' (integer sums, each computed by the "
                                "library where its partition lives): the forest of all the rows on one machine.")
RandomForestRegressor = _class("RandomForestRegressor", _fit_forest, RandomForestClassifier.__doc__.split("\n\n")[0])
