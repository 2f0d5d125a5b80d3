"""scikit-learn's enet_path and lasso_path, over libfranca's ElasticNetPath.

The whole path (the grid, the warm-started coordinate-descent fits, the duality gaps and sweep
counts) is computed by one fit of the C ABI's ElasticNetPath; these functions only translate
scikit-learn's arguments into its parameters and its fitted attributes into scikit-learn's return
values. The signature follows the installed scikit-learn's (1.9 deprecates n_alphas, alphas takes
the number of alphas). A 2-D y gives the multi-task path (MultiTaskElasticNet's L2,1 penalty).
"""
import inspect
import numbers
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn.linear_model
from sklearn.linear_model import _coordinate_descent

from . import _convert
from ._estimator import FUNCTION_CLASSES
from .exceptions import FrancaValueError

__all__ = ["enet_path", "lasso_path"]

_SKLEARN = inspect.signature(sklearn.linear_model.enet_path).parameters
# scikit-learn 1.9: n_alphas="deprecated", alphas="warn" (the number of alphas moves to alphas).
_N_ALPHAS_DEFAULT = _SKLEARN["n_alphas"].default
_ALPHAS_DEFAULT = _SKLEARN["alphas"].default
_DEPRECATED_N_ALPHAS = _N_ALPHAS_DEFAULT == "deprecated"
# Whether the installed scikit-learn's grid takes alpha_max over max(0, x_j^T y) with positive=True.
_CONSTRAINED_GRID = "positive" in inspect.signature(_coordinate_descent._alpha_grid).parameters
_KEYWORDS = ("X_offset", "X_scale", "sample_weight", "tol", "max_iter", "random_state", "selection", "do_screening")


def _grid(n_alphas, alphas):
    """ElasticNetPath's n_alphas and alphas from scikit-learn's (an int alphas is a grid size)."""
    size = n_alphas
    if _DEPRECATED_N_ALPHAS:
        size = 100
        if not (isinstance(n_alphas, str) and n_alphas == "deprecated"):
            warnings.warn("'n_alphas' was deprecated in 1.9 and will be removed in 1.11: pass the number of alphas "
                          "as 'alphas' (scikit-learn's deprecation).", FutureWarning, stacklevel=3)
            size = n_alphas
        if alphas is None:
            warnings.warn("'alphas=None' is deprecated and will be removed in 1.11; pass 'alphas=100' for the "
                          "default grid.", FutureWarning, stacklevel=3)
        elif not (isinstance(alphas, str) and alphas == "warn"):
            size = alphas
    elif alphas is not None:
        size = alphas
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return {"n_alphas": int(size), "alphas": None}
    return {"alphas": np.asarray(size, dtype=np.float64).reshape(-1).tolist()}


def _values(array, dtype):
    """A NumPy-convertible array as JSON numbers, rounded to X's dtype first, as scikit-learn casts."""
    return None if array is None else np.asarray(array, dtype=dtype).astype(np.float64).tolist()


def _host_or_device(X):
    """X as franca takes it: CSR for any sparse matrix, float64 unless float32/float64."""
    if sp.issparse(X):
        X = X.tocsr()
        return X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
    if _convert._is_torch(X) or _convert._is_cupy(X):
        return X
    X = np.asarray(X)
    return X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=_N_ALPHAS_DEFAULT, alphas=_ALPHAS_DEFAULT,
              precompute="auto", Xy=None, copy_X=True, coef_init=None, verbose=False, return_n_iter=False,
              positive=False, check_input=True, **params):
    """Compute the elastic net path with coordinate descent (scikit-learn's enet_path, computed by
    libfranca's ElasticNetPath in one call).

    Minimises, for each alpha of a decreasing grid, 1/(2 n) ||y - Xw||^2 + alpha l1_ratio ||w||_1 +
    alpha (1 - l1_ratio)/2 ||w||^2, each fit starting from the previous one's coefficients. No
    intercept is fitted and nothing is centred (CSR X: columns centred at X_offset / X_scale when
    given, rows weighted by sample_weight; dense X ignores both, as scikit-learn does).

    Returns (alphas, coefs of shape (n_features, n_alphas), dual_gaps[, n_iters]). params: tol,
    max_iter, random_state, selection, sample_weight, X_offset, X_scale, do_screening (accepted).
    A 2-D y of n_targets columns gives the multi-task path: the penalty alpha l1_ratio sum_j ||W_j||_2
    + alpha (1 - l1_ratio)/2 ||W||^2 over each feature's coefficients of every target (scikit-learn's
    MultiTaskElasticNet), coefs of shape (n_targets, n_features, n_alphas); positive is not allowed.
    """
    unexpected = sorted(set(params) - set(_KEYWORDS))
    if unexpected:
        raise FrancaValueError(f"Unexpected parameters in params: {unexpected}")
    X = _host_or_device(X)
    dtype = X.dtype if isinstance(X, np.ndarray) or sp.issparse(X) else np.float64
    if positive and len(np.shape(y)) != 1:
        raise FrancaValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    if not (_convert._is_torch(y) or _convert._is_cupy(y)):
        y = np.asarray(y, dtype=dtype)  # scikit-learn fits y in X's dtype
    if isinstance(precompute, str) or isinstance(precompute, (bool, np.bool_)):
        gram = precompute if isinstance(precompute, str) else bool(precompute)
    else:
        gram = _values(precompute, dtype)
    sample_weight = params.pop("sample_weight", None)
    franca_params = dict(l1_ratio=l1_ratio, eps=eps, **_grid(n_alphas, alphas), precompute=gram,
                         Xy=_values(Xy, dtype), copy_X=copy_X, coef_init=_values(coef_init, dtype), verbose=verbose,
                         positive=positive, check_input=check_input,
                         positive_alpha_max="constrained" if _CONSTRAINED_GRID else "absolute")
    for name in ("X_offset", "X_scale"):
        if name in params:
            franca_params[name] = _values(params.pop(name), dtype)
    franca_params.update(params)
    path = FUNCTION_CLASSES["enet_path"](**franca_params)
    # Dense X ignores the weights (scikit-learn's dense descent takes none): they are not even checked.
    path.fit(X, y, sample_weight=sample_weight if sp.issparse(X) else None)
    alphas_ = np.array(path.alphas_, dtype=np.float64, ndmin=1)
    coefs = np.array(path.coef_path_)
    if coefs.ndim != 3:  # one target: (n_features, n_alphas)
        coefs = coefs.reshape(-1, len(alphas_))
    dual_gaps = np.array(path.dual_gap_path_, dtype=np.float64, ndmin=1)
    n_iters = [int(k) for k in np.ravel(path.n_iter_path_)]
    if verbose:  # scikit-learn's progress, after the fact: the path ran in one call
        for i in range(len(alphas_)):
            if verbose > 2:
                print((coefs[:, i], dual_gaps[i], n_iters[i]))
            elif verbose > 1:
                print("Path: %03i out of %03i" % (i, len(alphas_)))
            else:
                sys.stderr.write(".")
    if return_n_iter:
        return alphas_, coefs, dual_gaps, n_iters
    return alphas_, coefs, dual_gaps


def lasso_path(X, y, *, eps=1e-3, n_alphas=_N_ALPHAS_DEFAULT, alphas=_ALPHAS_DEFAULT, precompute="auto", Xy=None,
               copy_X=True, coef_init=None, verbose=False, return_n_iter=False, positive=False, **params):
    """Compute the Lasso path with coordinate descent: enet_path with l1_ratio=1 (scikit-learn's
    lasso_path), minimising 1/(2 n) ||y - Xw||^2 + alpha ||w||_1 for each alpha of the grid."""
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas, precompute=precompute, Xy=Xy,
                     copy_X=copy_X, coef_init=coef_init, verbose=verbose, return_n_iter=return_n_iter,
                     positive=positive, **params)
