"""The estimator classes, generated from libfranca's estimator listing.

franca_estimator_list() is the single source of truth: for each estimator it gives the
kind, the doc, the parameters (name, type, default, allowed values, doc), the methods, the
fitted attributes and the accepted inputs. From it this module builds one scikit-learn
estimator class per estimator, with an explicit `__init__` signature (so that get_params,
set_params and clone work), a numpydoc docstring, the listed methods and the fitted
attributes as read-only properties. An estimator added to the C++ library appears here
with no new Python code: the listing's "module" (scikit-learn's module of the class of that
name) places it (franca.<module>, a module made here if no file defines it) and names the
scikit-learn class that runs parameter values libfranca leaves to the binding.
"""
import contextlib
import ctypes
import importlib
import inspect
import json
import numbers
import sys
import threading
import types
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from . import _config, _convert, _dlpack, _lib, _logging
from .exceptions import FrancaNotFoundError, FrancaValueError, NotFittedError

__all__ = ["FrancaEstimator", "ESTIMATORS", "FUNCTION_CLASSES", "all_estimators", "module_namespace",
           "install_generated_modules"]

_MIXINS = {"regressor": RegressorMixin, "classifier": ClassifierMixin, "transformer": TransformerMixin}
_OUTPUT_TYPE_DOC = ("Type of this estimator's outputs: 'input', 'numpy', 'scipy', 'torch' or 'cupy'; None "
                    "follows franca.get_config()['output_type'].")


def _json_value(value):
    """Parameter values that JSON cannot say directly (NumPy scalars from a parameter
    search, a RandomState from scikit-learn)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.random.RandomState):
        return int(value.randint(np.iinfo(np.int32).max))  # a seed drawn from it, as scikit-learn does
    raise FrancaValueError(f"parameter value {value!r} of type {type(value).__name__} cannot be passed to franca")


def _cv_splits(estimator, X, y, split_params=None):
    """A `cv` that is neither None nor a number of folds (a splitter object such as KFold(shuffle=True)
    or GroupKFold, or an iterable of (train, test) splits) as libfranca takes it: its splits of X and
    y (and split_params, the metadata routed to its split: groups), as scikit-learn's check_cv makes
    them, each [train rows, test rows]; None otherwise."""
    if not any(p["name"] == "cv" for p in estimator._spec["params"]):
        return None
    cv = estimator.get_params(deep=False)["cv"]
    if cv is None or isinstance(cv, numbers.Integral):
        return None
    from sklearn.model_selection import check_cv

    def rows(part):
        part = np.asarray(part)
        return (np.flatnonzero(part) if part.dtype == bool else part.astype(np.int64)).tolist()

    splitter = check_cv(cv, y, classifier=estimator._spec["kind"] == "classifier")
    return [[rows(train), rows(test)] for train, test in splitter.split(X, y, **(split_params or {}))]


def _cv_metadata_routing(self):
    """scikit-learn's metadata routing of a CV estimator (LinearModelCV's): fit's metadata (groups)
    goes to the cv splitter's split."""
    from sklearn.model_selection import check_cv
    from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
    try:
        router = MetadataRouter(owner=self)
    except TypeError:  # scikit-learn before 1.6 names the owner
        router = MetadataRouter(owner=type(self).__name__)
    return router.add(splitter=check_cv(self.cv), method_mapping=MethodMapping().add(caller="fit", callee="split"))


def _is_default(value, default):
    try:
        return bool(value == default)
    except ValueError:  # an array's comparison is an array: not a default, which is a scalar or None
        return False


def _python_default(value):
    # Lists become tuples: an immutable default shared by every instance.
    return tuple(_python_default(v) for v in value) if isinstance(value, list) else value


class FrancaEstimator(BaseEstimator):
    """Base of every generated estimator: fit, methods and persistence through the C ABI.

    Thread safety: several threads may call the methods of one fitted estimator at once
    (the GIL is released inside libfranca); fitting or changing parameters needs exclusive
    access, as in scikit-learn.
    """

    _spec = None  # this estimator's entry in franca_estimator_list(), set on each class

    # -------------------------------------------------------------- helpers

    def _fitted_handle(self, x=None):
        """The fitted model; x: the borrowed input of a method call, if any."""
        if _stateless(self._spec) and x is not None:
            # Nothing to learn (HashingVectorizer): as in scikit-learn, methods work without
            # fit and follow set_params at once, through a model made for the call.
            return self._fit_handle(x, None, None, None)
        handle = self.__dict__.get("_handle")
        if handle is None:
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")
        return handle

    def _franca_params(self, cv_splits=None):
        """The parameters as libfranca's JSON; cv_splits: a fit's cv as explicit splits (_cv_splits)."""
        params = self.get_params(deep=False)
        del params["output_type"]
        if cv_splits is not None:
            params["cv"] = cv_splits
        class_weight = params.get("class_weight")
        if isinstance(class_weight, (dict, list)) and "classes_" in self.__dict__:
            # The C library sees the codes of the labels (see _encode_labels), so the keys
            # become codes; a label that is not a class is left for franca to report.
            def coded(weights, classes):
                code = {label: i for i, label in enumerate(classes.tolist())}
                return {str(code.get(label, label)): weight for label, weight in weights.items()}
            classes = self.classes_ if isinstance(self.classes_, list) else [self.classes_]
            if isinstance(class_weight, dict):
                params["class_weight"] = coded(class_weight, classes[0])
            else:  # one dict per output
                params["class_weight"] = [coded(weights, output_classes) if isinstance(weights, dict) else weights
                                          for weights, output_classes in zip(class_weight, classes)] + \
                    class_weight[len(classes):]
        return json.dumps(params, default=_json_value)

    def _output_type(self):
        return self.output_type or _config.get_config()["output_type"]

    def _python_fallback(self):
        """scikit-learn's estimator of the same name and module, with these parameters, when
        a value is one libfranca leaves to the binding: a callable, or another value than the
        default of a parameter the listing marks binding_applies (e.g. HashingVectorizer's
        token_pattern); else None."""
        left = self._left_to_python()
        if not left:
            return None
        params = self.get_params(deep=False)
        del params["output_type"]
        listed = {p["name"]: p for p in self._spec["params"]}
        cls = _sklearn_class(self._spec)
        if cls is None:
            raise FrancaValueError(f"{self._spec['name']}: {', '.join(left)} cannot be passed to libfranca, and "
                                   "scikit-learn has no estimator of this name to run them")
        # franca's own parameters (a forest's n_bins) are not scikit-learn's: left out at their
        # default, an error otherwise, as scikit-learn could not honour them.
        accepted = inspect.signature(cls).parameters
        unknown = [name for name, value in params.items() if name not in accepted
                   and not _is_default(value, _python_default(listed[name]["default"]))]
        if unknown:
            raise FrancaValueError(f"{self._spec['name']}: {', '.join(left)} runs scikit-learn's {self._spec['name']}, "
                                   f"which has no {', '.join(unknown)}")
        _logging.logger.info("%s: %s left to Python: running scikit-learn's %s", self._spec["name"],
                             ", ".join(left), self._spec["name"])
        return self._sklearn_twin()

    def _left_to_python(self):
        """The parameters whose values libfranca leaves to the binding (see _python_fallback)."""
        listed = {p["name"]: p for p in self._spec["params"]}
        return [name for name, value in self.get_params(deep=False).items()
                if name != "output_type" and (callable(value) or (
                    listed[name]["binding_applies"] and value != _python_default(listed[name]["default"])))]

    def _sklearn_twin(self):
        """scikit-learn's estimator of this name with these parameters (those it takes)."""
        cls = _sklearn_class(self._spec)
        accepted = inspect.signature(cls).parameters
        return cls(**{name: value for name, value in self.get_params(deep=False).items() if name in accepted})

    def _apply(self, method, X, x=None):
        """Runs `method` on X; x: X already borrowed (by fit_transform), if so."""
        if _stateless(self._spec):
            fallback = self._python_fallback()  # the current parameters decide, fitted or not
        else:
            fallback = self.__dict__.get("_fallback")
            if fallback is None:
                self._fitted_handle()  # NotFittedError before looking at X
        if fallback is not None:
            return getattr(fallback, method)(X)
        _check_feature_names(self, X, reset=False)
        _logging.sync_level()
        device = _config.get_config()["device"]
        ctx = _config.context(device)
        if x is None:
            x = _convert.borrow(X, self._spec["inputs"], self._spec["name"], device)
        handle = self._fitted_handle(x)
        out = ctypes.c_void_p()
        _lib.lib.franca_estimator_apply(ctx.value, handle.value, method.encode(), x.matrix.value,
                                        ctypes.byref(out))
        matrix = _convert.Matrix(_lib.Handle(out.value, _lib.lib.franca_matrix_free), ctx)
        result = _convert.convert(matrix, x.family, self._output_type())
        if method == "predict" and self._spec["kind"] == "classifier":
            return self._decode_labels(result)  # the library predicts codes (see _encode_labels)
        return result

    def _data_loss(self, X, y, coef, sample_weight=None, hessian=False):
        """franca_estimator_data_loss: (sum_i w_i loss_i at `coef`, its gradient, its Hessian or None)
        on the rows of X, the data term of this estimator's fit objective with its current parameters
        (fitted or not), computed by the library where X lives. coef: t rows of n_features
        coefficients, then t intercepts when fit_intercept, flattened; y: the library's targets (a
        classifier's class codes, not its labels). What a fit over rows split into blocks sums over
        the blocks (franca.dask)."""
        _logging.sync_level()
        device = _config.get_config()["device"]
        ctx = _config.context(device)
        x = _convert.borrow(X, self._spec["inputs"], self._spec["name"], device)
        y_in = _convert.tensor(y, "y", device, like=x)
        w_in = None if sample_weight is None else _convert.tensor(sample_weight, "sample_weight", device, ndims=(1,),
                                                                   like=x)
        coef_in = _convert.tensor(np.ascontiguousarray(coef, dtype=np.float64), "coef", "cpu", ndims=(1,))
        handle = _lib.new_handle(_lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free,
                                 self._spec["name"].encode())
        _lib.lib.franca_estimator_set_params(handle.value, self._franca_params().encode())
        loss = ctypes.c_double()
        gradient, hess = ctypes.POINTER(_dlpack.DLManagedTensor)(), ctypes.POINTER(_dlpack.DLManagedTensor)()
        _lib.lib.franca_estimator_data_loss(ctx.value, handle.value, x.matrix.value, y_in.pointer,
                                            w_in and w_in.pointer, coef_in.pointer, ctypes.byref(loss),
                                            ctypes.byref(gradient), ctypes.byref(hess) if hessian else None)
        return (loss.value, np.from_dlpack(_dlpack.Exported(gradient)),
                np.from_dlpack(_dlpack.Exported(hess)) if hessian else None)

    def _fit_external(self, rows, data_loss):
        """franca_estimator_fit_external: fits this estimator, as fit would, on rows it does not hold.
        rows: {"n_samples", "n_features", "sample_weight_sum", "dtype", "n_classes", "target_mean"} (see
        include/franca/franca.h); data_loss(coef, hessian) -> (sum_i w_i loss_i, gradient, Hessian or
        None) of all the rows (the sums of _data_loss over their blocks). An exception it raises stops
        the fit and is raised from here; the estimator is then left as it was."""
        def callback(coef, n_coef, loss, gradient, hessian, _user_data):
            value, g, h = data_loss(np.ctypeslib.as_array(coef, (n_coef,)).copy(), bool(hessian))
            loss[0] = value
            np.ctypeslib.as_array(gradient, (n_coef,))[:] = g
            if hessian:
                np.ctypeslib.as_array(hessian, (n_coef * n_coef,))[:] = np.asarray(h).reshape(-1)

        self._fit_elsewhere(_lib.lib.franca_estimator_fit_external, _lib.DATA_LOSS_CALLBACK, callback,
                            json.dumps(rows).encode())

    def _fit_blocks(self, n_blocks, ask):
        """franca_estimator_fit_blocks: fits this estimator, as fit would, on n_blocks blocks of rows it
        does not hold, by asking them questions: ask(kind, question) carries the question's bytes to
        every block and returns their answers (1-D uint8 arrays, in block order; None for
        _lib.BLOCKS_KEEP), each block's from _block_answer. An exception it raises stops the fit and is
        raised from here; the estimator is then left as it was."""
        held = []  # the last answers, which the library reads until it asks again

        def callback(kind, question, answers, _user_data):
            tensor = question.contents
            replies = ask(kind, np.frombuffer(ctypes.string_at(tensor.data + tensor.byte_offset, tensor.shape[0]),
                                              dtype=np.uint8))
            held.clear()
            if kind != _lib.BLOCKS_KEEP:
                for b, reply in enumerate(replies):
                    held.append(_convert.tensor(np.ascontiguousarray(reply, dtype=np.uint8), "answer", "cpu",
                                                ("uint8",), np.uint8, (1,)))
                    answers[b] = ctypes.pointer(held[-1].tensor)

        self._fit_elsewhere(_lib.lib.franca_estimator_fit_blocks, _lib.BLOCKS_CALLBACK, callback, n_blocks)

    def _block_answer(self, question, block_index, X=None, y=None, sample_weight=None, kept=None):
        """franca_estimator_block_answer: a block's answer (a 1-D uint8 array) to a question of
        _fit_blocks, from its rows (X, y, sample_weight) or from `kept`, its answer to a
        _lib.BLOCKS_KEEP question."""
        _logging.sync_level()
        device = _config.get_config()["device"]
        ctx = _config.context(device)
        x = y_in = w_in = None
        if X is not None:
            x = _convert.borrow(X, self._spec["inputs"], self._spec["name"], device)
            y_in = _convert.tensor(y, "y", device, like=x)
            if sample_weight is not None:
                w_in = _convert.tensor(sample_weight, "sample_weight", device, ndims=(1,), like=x)
        as_bytes = (lambda a, name: _convert.tensor(np.ascontiguousarray(a, dtype=np.uint8), name, "cpu", ("uint8",),
                                                    np.uint8, (1,)))
        question_in = as_bytes(question, "question")
        kept_in = None if kept is None else as_bytes(kept, "kept")
        handle = _lib.new_handle(_lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free,
                                 self._spec["name"].encode())
        answer = ctypes.POINTER(_dlpack.DLManagedTensor)()
        _lib.lib.franca_estimator_block_answer(ctx.value, handle.value, question_in.pointer, block_index,
                                               None if x is None else x.matrix.value,
                                               None if y_in is None else y_in.pointer,
                                               None if w_in is None else w_in.pointer,
                                               None if kept_in is None else kept_in.pointer, ctypes.byref(answer))
        return np.from_dlpack(_dlpack.Exported(answer))

    def _fit_elsewhere(self, function, callback_type, callback, *args):
        """function(ctx, handle, *args, c_callback, NULL): a fit of rows this process does not hold, on
        this estimator's handle with its current parameters, calling back into `callback`. An
        exception the callback raises stops the fit (the C callback returns 1) and is raised from
        here; on any failure the handle keeps its previous parameters and model."""
        raised = []

        def guarded(*arguments):
            try:
                callback(*arguments)
                return 0
            except BaseException as e:  # noqa: BLE001 - raised again once the library has stopped
                raised.append(e)
                return 1

        c_callback = callback_type(guarded)  # kept alive for the call
        _logging.sync_level()
        handle = self.__dict__.get("_handle") or _lib.new_handle(
            _lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free, self._spec["name"].encode())
        previous = _lib.take_string(_lib.lib.franca_estimator_get_params, handle.value)
        try:
            # verbose: a tqdm bar of the fit's progress (trees, solver iterations), each step of which
            # is a round of questions over the blocks
            with _logging.capturing_warnings([]) as library_warnings, \
                    _progress_context(self, _config.get_config()["device"]) as ctx:
                _lib.lib.franca_estimator_set_params(handle.value, self._franca_params().encode())
                _interruptible(ctx, function, ctx.value, handle.value, *args, c_callback, None)
        except BaseException as e:
            _lib.lib.franca_estimator_set_params(handle.value, previous.encode())
            if raised:
                raise raised[0] from e
            raise
        _logging.raise_warnings(library_warnings)
        self._handle = handle

    # -------------------------------------------------------------- scikit-learn API

    def fit(self, X, y=None, sample_weight=None):
        """Fit the estimator on X (and y, sample_weight); returns self."""
        self._fit(X, y, sample_weight)
        return self

    def _fit_taking_check_input(self, X, y=None, sample_weight=None, check_input=True):
        """Fit the estimator on X (and y, sample_weight); returns self. check_input: scikit-learn's
        (ElasticNet, Lasso), accepted for its callers; franca checks the input whatever it says
        (its checks, one pass over X, cost little next to the fit, and they keep bad input from
        the C++ solvers)."""
        self._fit(X, y, sample_weight)
        return self

    def _fit_routing_to_the_splitter(self, X, y=None, sample_weight=None, **params):
        """Fit the estimator on X (and y, sample_weight); returns self. params: metadata for the cv
        splitter's split (groups, for GroupKFold), routed as scikit-learn's CV estimators route it,
        with sklearn.set_config(enable_metadata_routing=True); without, any is scikit-learn's error."""
        from sklearn.utils.metadata_routing import _raise_for_params, process_routing
        _raise_for_params(params, self, "fit")
        split_params = process_routing(self, "fit", **params).splitter.split if params else None
        self._fit(X, y, sample_weight, split_params=split_params)
        return self

    def _partial_fit(self, X, y=None, sample_weight=None):
        """Fold one more batch of rows into the fitted state (a fit on the first call), as
        scikit-learn's partial_fit; returns self."""
        self._fit(X, y, sample_weight, incremental=self.__sklearn_is_fitted__())
        return self

    def _fit_transform(self, X, y=None, sample_weight=None):
        """Fit to X, then transform it: X is borrowed once (documents are encoded and, with
        device='cuda', copied to the GPU once)."""
        x = self._fit(X, y, sample_weight)
        # None: scikit-learn's estimator ran, or a stateless one read no X
        return self._apply("transform", X, x)

    def _fit(self, X, y, sample_weight, incremental=False, split_params=None):
        """Fits (with `incremental`, updates the fitted state: partial_fit); returns X as borrowed, or None when scikit-learn's estimator runs instead or the
        estimator is stateless (its fit reads no X). A fit that fails (bad input, a parameter the
        library refuses, Ctrl-C) leaves the estimator as it was: a classifier keeps the classes_
        its model predicts, in Python and in the C model."""
        before = dict(self.__dict__)
        self.__dict__.pop("_coef_is_sparse", None)  # a fit gives coef_ dense again, as scikit-learn's
        try:
            return self._fit_or_raise(X, y, sample_weight, incremental, split_params)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_or_raise(self, X, y, sample_weight, incremental, split_params=None):
        spec = self._spec
        if spec["kind"] != "transformer" and y is None:
            raise FrancaValueError(f"{spec['name']} requires y to be passed, but the target y is None")
        fallback = self._python_fallback()
        if fallback is not None:
            self.__dict__.pop("_handle", None)
            weights = {} if sample_weight is None else {"sample_weight": sample_weight}
            if incremental:
                self._fallback.partial_fit(X, y, **weights)
            else:
                self._fallback = fallback.fit(X, y, **weights)
            if spec["kind"] == "classifier":
                self.classes_ = self._fallback.classes_  # kept in Python, as _encode_labels keeps franca's
            return None
        self.__dict__.pop("_fallback", None)
        if _stateless(spec):
            # Nothing to learn (HashingVectorizer): fit checks the parameters and reads no
            # document, as scikit-learn's (each method call reads its own X, _fitted_handle), so
            # that a corpus is not encoded, or copied to the GPU, for nothing.
            if isinstance(X, (str, bytes)):
                raise FrancaValueError("X: Iterable over raw text documents expected, string object received.")
            handle = self.__dict__.get("_handle") or _lib.new_handle(
                _lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free, spec["name"].encode())
            with _logging.capturing_warnings([]) as library_warnings:
                _lib.lib.franca_estimator_set_params(handle.value, self._franca_params().encode())
            _logging.raise_warnings(library_warnings)
            self._handle = handle
            return None
        _check_feature_names(self, X, reset=not incremental)
        _logging.sync_level()
        device = _config.get_config()["device"]
        _config.context(device)  # a device this machine or build lacks is named before X is copied to it
        x = _convert.borrow(X, spec["inputs"], spec["name"], device)
        y_in = w_in = None
        if y is not None and spec["kind"] != "transformer":  # transformers ignore y, as scikit-learn's
            if spec["kind"] == "classifier":
                y = self._encode_labels(y)
                y_in = _convert.tensor(y, "y", device, ("int64",), np.int64, (1, 2), like=x)
            else:
                shape = getattr(y, "shape", None)
                if not spec.get("multioutput", True) and shape is not None and len(shape) == 2 and shape[1] == 1:
                    warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the "
                                  "shape of y to (n_samples, ), for example using ravel().", DataConversionWarning,
                                  stacklevel=3)  # the library takes the column as the vector it is
                y_in = _convert.tensor(y, "y", device, like=x)
        if sample_weight is not None:
            if isinstance(sample_weight, numbers.Number):
                sample_weight = np.full(_rows(X), sample_weight, dtype=np.float64)
            w_in = _convert.tensor(sample_weight, "sample_weight", device, ndims=(1,), like=x)
        self._handle = self._fit_handle(x, y_in, w_in, self.__dict__.get("_handle"), incremental,
                                        self._franca_params(_cv_splits(self, X, y, split_params)))
        return x

    def _fit_handle(self, x, y_in, w_in, handle, incremental=False, params=None):
        """Fits `handle` (a new one if None) on the borrowed x, y_in, w_in, or with `incremental`
        folds them into its fitted state; returns it. params: libfranca's JSON (default: the
        estimator's)."""
        spec = self._spec
        device = _config.get_config()["device"]
        if handle is None:
            handle = _lib.new_handle(_lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free,
                                     spec["name"].encode())
        # A failed fit leaves the C model as it was; its parameters are put back too.
        previous = _lib.take_string(_lib.lib.franca_estimator_get_params, handle.value)
        # The library's warnings (a solver that did not converge, a parameter that is ignored) are
        # scikit-learn's warnings: raised as Python warnings from fit, not logged.
        try:
            with _logging.capturing_warnings([]) as library_warnings, _progress_context(self, device) as ctx:
                _lib.lib.franca_estimator_set_params(handle.value, (params or self._franca_params()).encode())
                fit = _lib.lib.franca_estimator_partial_fit if incremental else _lib.lib.franca_estimator_fit
                _interruptible(ctx, fit, ctx.value, handle.value, x.matrix.value, y_in and y_in.pointer,
                               w_in and w_in.pointer)
        except BaseException:
            _lib.lib.franca_estimator_set_params(handle.value, previous.encode())
            raise
        _logging.raise_warnings(library_warnings)
        return handle

    def _encode_labels(self, y):
        """Labels of any type become int64 codes into classes_ (kept here, in the labels' own
        dtype), on y's device. A classifier of several outputs (scikit-learn's multi-output
        classification, a y of several columns) keeps one array of classes per output."""
        if not (_convert._is_torch(y) or _convert._is_cupy(y)):
            y = np.asarray(y)
        shape = tuple(y.shape)
        if not self._spec.get("multioutput", False):
            _check_one_column_of_labels(shape)
        if len(shape) > 2:
            raise FrancaValueError(f"y: expected a 1-D or 2-D array of labels, got shape {shape}")
        if len(shape) == 2 and shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape "
                          "of y to (n_samples, ), for example using ravel().", DataConversionWarning, stacklevel=3)
            y = y.reshape(-1)
        if isinstance(y, np.ndarray):
            check_classification_targets(y)
        if len(y.shape) == 1:
            self.classes_, codes = _unique_labels(y)
            return codes
        columns = [_unique_labels(y[:, output]) for output in range(y.shape[1])]
        self.classes_ = [classes for classes, _ in columns]
        return _stack_columns([codes for _, codes in columns])

    def _decode_labels(self, codes):
        """Codes from the C library mapped back to the labels in classes_ (one column per output
        for a classifier of several outputs), in the type of `codes` where that type can hold them
        (labels that are strings come back as NumPy)."""
        if isinstance(self.classes_, list):
            return _stack_columns([_decode_column(classes, codes[:, output])
                                   for output, classes in enumerate(self.classes_)])
        return _decode_column(self.classes_, codes)

    def __sklearn_is_fitted__(self):
        if "_fallback" in self.__dict__:
            return True
        handle = self.__dict__.get("_handle")
        if handle is None:
            return False
        if _stateless(self._spec):
            return True  # fit checked the parameters, which is all it does
        fitted = ctypes.c_int()
        _lib.lib.franca_estimator_is_fitted(handle.value, ctypes.byref(fitted))
        return bool(fitted.value)

    def _more_tags(self):  # scikit-learn < 1.6
        spec = self._spec
        x_types = [t for kind, t in (("numeric", "2darray"), ("CSR", "sparse"), ("strings", "string"))
                   if kind in _input_kinds(spec)]
        return {"X_types": x_types, "allow_nan": spec["allow_nan"], "requires_y": spec["kind"] != "transformer",
                "multioutput": spec.get("multioutput", spec["kind"] == "regressor"), "stateless": _stateless(spec),
                "requires_fit": not _stateless(spec), "requires_positive_y": self._requires_positive_y(),
                "multioutput_only": spec.get("multi_task", False)}

    def _sklearn_takes_sparse(self):
        """Whether scikit-learn's class of this name, with these parameters, says it takes sparse X
        (StandardScaler only without centring); True where scikit-learn has no such class."""
        sklearn_class = _sklearn_class(self._spec)
        if sklearn_class is None:
            return True
        accepted = inspect.signature(sklearn_class).parameters
        twin = sklearn_class(**{k: v for k, v in self.get_params(deep=False).items() if k in accepted})
        return twin.__sklearn_tags__().input_tags.sparse

    def _requires_positive_y(self):
        """A Tweedie GLM's y must be >= 0 (scikit-learn's tag says positive) for a power > 0."""
        power = _tweedie_power(self)
        return power is not None and isinstance(power, numbers.Real) and power > 0

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        spec = self._spec
        tags.input_tags.two_d_array = "numeric" in _input_kinds(spec)
        tags.input_tags.sparse = "CSR" in spec["inputs"] and self._sklearn_takes_sparse()
        tags.input_tags.string = "strings" in spec["inputs"]
        tags.input_tags.allow_nan = spec["allow_nan"]
        tags.target_tags.required = spec["kind"] != "transformer"
        tags.requires_fit = not _stateless(spec)
        if spec["kind"] == "regressor":
            tags.target_tags.multi_output = spec.get("multioutput", True)
            tags.target_tags.single_output = not spec.get("multi_task", False)
        tags.target_tags.positive_only = self._requires_positive_y()
        return tags

    # -------------------------------------------------------------- persistence

    def __getstate__(self):
        """Parameters, Python-side state and the model bytes of franca_estimator_save()."""
        state = dict(self.__dict__)
        handle = state.pop("_handle", None)
        # A stateless estimator has no model to keep: its parameters are all of it.
        if handle is not None and not _stateless(self._spec):
            data, size = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_size_t()
            _lib.lib.franca_estimator_save(handle.value, ctypes.byref(data), ctypes.byref(size))
            try:
                state["_franca_model"] = ctypes.string_at(data, size.value)
            finally:
                _lib.lib.franca_free(data)
        return state

    def __setstate__(self, state):
        state = dict(state)
        model = state.pop("_franca_model", None)
        self.__dict__.update(state)
        if model is not None:
            self._load_model(model)

    def _load_model(self, model):
        """Makes the model bytes `model` (franca_estimator_save's format) this estimator's model."""
        buffer = (ctypes.c_uint8 * len(model)).from_buffer_copy(model)
        self._handle = _lib.new_handle(_lib.lib.franca_estimator_load, _lib.lib.franca_estimator_free, buffer,
                                       len(model))


@contextlib.contextmanager
def _progress_context(estimator, device):
    """The context a fit runs with: the device's shared one, or, where the estimator's `verbose`
    asks and tqdm is installed, one of its own whose progress (franca_context_set_progress: trees,
    iterations, sweeps, folds) drives a tqdm bar. A fit that does not ask runs as before."""
    verbose = getattr(estimator, "verbose", 0)
    tqdm = None
    if verbose is not None and verbose is not False and verbose != 0:
        try:
            import tqdm.auto as tqdm
        except ImportError:
            pass
    if tqdm is None:
        yield _config.context(device)
        return
    ctx = _lib.new_handle(_lib.lib.franca_context_create, _lib.lib.franca_context_free, device.encode())
    bar = tqdm.tqdm(desc=type(estimator).__name__, leave=False)

    def report(task, done, total, _user_data):
        bar.set_description_str(f"{type(estimator).__name__}: {task.decode()}", refresh=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    callback = _lib.PROGRESS_CALLBACK(report)  # kept alive here until the fit has returned
    _lib.lib.franca_context_set_progress(ctx.value, callback, None)
    try:
        yield ctx
    finally:
        _lib.lib.franca_context_set_progress(ctx.value, _lib.PROGRESS_CALLBACK(), None)
        bar.close()


def _interruptible(ctx, call, *args):
    """Runs a C call so that Ctrl-C stops it: Python handles SIGINT only between bytecodes of
    the main thread, never inside a C call, so from the main thread the call runs in a worker
    while the main thread waits; KeyboardInterrupt cancels the context (the fit stops at its
    next iteration), waits for the worker, clears the flag and propagates. Every fit sharing
    the context is cancelled with it, as Ctrl-C means."""
    if threading.current_thread() is not threading.main_thread():
        call(*args)
        return
    failure, done = [], threading.Event()
    captured = _logging.current_capture()

    def work():
        try:
            with _logging.capturing_warnings(captured):
                call(*args)
        except BaseException as e:  # noqa: BLE001 - handed to the calling thread
            failure.append(e)
        finally:
            done.set()

    # Waits on an Event, not Thread.join: an interrupted join marks a running thread as
    # stopped in Python 3.11. A wait with a timeout: SIGINT may land on the worker's OS
    # thread, and the flag Python then sets is only seen when the main thread runs bytecode.
    # Not a daemon: the interpreter must never finalize under a running fit.
    worker = threading.Thread(target=work, name="franca-fit")
    try:
        worker.start()
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        _lib.lib.franca_cancel(ctx.value)
        while worker.ident is not None and not done.is_set():  # until the fit has stopped
            try:
                done.wait(0.05)
            except KeyboardInterrupt:
                pass
        _lib.lib.franca_context_reset_cancel(ctx.value)
        raise
    if failure:
        raise failure[0]


def _check_one_column_of_labels(shape):
    """A classifier's y is a vector or a column (np.unique would take more columns as more rows)."""
    if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
        raise FrancaValueError(f"y should be a 1d array, got an array of shape {shape} instead: this classifier "
                               "takes one column of labels (franca's forests take several)")


def _unique_labels(labels):
    """(the distinct labels, sorted, as a NumPy array; each label's int64 code among them), the codes
    on the labels' device."""
    if _convert._is_torch(labels):
        import torch
        classes, codes = torch.unique(labels.detach(), return_inverse=True)
        return classes.cpu().numpy(), codes
    if _convert._is_cupy(labels):
        import cupy
        classes, codes = cupy.unique(labels, return_inverse=True)
        return classes.get(), codes.astype(cupy.int64, copy=False)
    classes, codes = np.unique(labels, return_inverse=True)
    return classes, codes.reshape(-1).astype(np.int64, copy=False)


def _decode_column(classes, codes):
    """The labels of `codes`, each an index into `classes` (NumPy)."""
    if _convert._is_torch(codes):
        import torch
        if classes.dtype.kind in "biuf":
            return torch.as_tensor(classes, device=codes.device)[codes.long()]
        return classes[codes.long().cpu().numpy()]
    if _convert._is_cupy(codes):
        import cupy
        if classes.dtype.kind in "biuf":
            return cupy.asarray(classes)[codes.astype(cupy.intp)]
        return classes[codes.astype(cupy.intp).get()]
    return classes[np.asarray(codes).astype(np.intp)]


def _stack_columns(columns):
    """The 1-D arrays side by side as the columns of a C-ordered matrix, with their library."""
    if _convert._is_torch(columns[0]):
        import torch
        return torch.stack(columns, dim=1).contiguous()
    if _convert._is_cupy(columns[0]):
        import cupy
        return cupy.ascontiguousarray(cupy.stack(columns, axis=1))
    return np.ascontiguousarray(np.stack(columns, axis=1))


def _check_feature_names(estimator, X, reset):
    """scikit-learn's feature_names_in_ for DataFrame input (set in fit, compared after)."""
    check = getattr(BaseEstimator, "_check_feature_names", None)  # a method before scikit-learn 1.6
    if check is None:
        from sklearn.utils.validation import _check_feature_names as check
    check(estimator, X, reset=reset)


def _franca_module(spec):
    """franca's module for an estimator: franca.<scikit-learn's module>, or franca itself."""
    return f"franca.{spec['module']}" if spec["module"] else "franca"


def _sklearn_class(spec):
    """scikit-learn's class of the estimator's name in the estimator's module, if any."""
    if not spec["module"]:
        return None
    try:
        return getattr(importlib.import_module(f"sklearn.{spec['module']}"), spec["name"], None)
    except ImportError:
        return None


def _stateless(spec):
    """An estimator that lists no fitted attribute learns nothing in fit."""
    return not spec["attributes"]


def _input_kinds(spec):
    """The listing's input kinds, plus "numeric" where dense arrays are accepted (CSR-only
    estimators get dense input converted to CSR)."""
    kinds = set(spec["inputs"])
    return kinds | {"numeric"} if kinds & {"dense", "CSR"} else kinds


def _rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _make_method(spec, method, doc):
    sklearn_method = getattr(_sklearn_class(spec), method, None)
    if sklearn_method is not None and "copy" in inspect.signature(sklearn_method).parameters:
        def apply(self, X, copy=None):
            # scikit-learn's copy (else the estimator's): False returns X itself, overwritten
            # where it can hold the result (libfranca writes a new array, never X)
            result = self._apply(method, X)
            copy = getattr(self, "copy", True) if copy is None else copy
            return result if copy else _convert.overwrite(X, result)
    else:
        def apply(self, X):
            return self._apply(method, X)
    apply.__name__ = apply.__qualname__ = method
    apply.__doc__ = f"{doc}\n\nX: an array, sparse matrix or list of documents, as `fit` accepts."
    return apply


def _tweedie_power(estimator):
    """The Tweedie power of a GLM regressor (the listing's number, or the value of the parameter it
    names); None for other estimators."""
    power = estimator._spec.get("tweedie_power")
    return getattr(estimator, power) if isinstance(power, str) else power


def _d2_score(self, X, y, sample_weight=None):
    """D^2, the fraction of Tweedie deviance explained (scikit-learn's GLM score): 1 - D(y, predict(X))
    / D(y, weighted mean of y), with the deviance of the model's power; the best score is 1.0."""
    from sklearn.metrics import d2_tweedie_score
    return d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=_tweedie_power(self))


def _one_to_one_feature_names_out(self, input_features=None):
    """The output feature names: the input's (feature_names_in_, or x0, x1, ... without them), as
    scikit-learn's OneToOneFeatureMixin; input_features, if given, must be those."""
    check_is_fitted(self, "n_features_in_")
    return _check_feature_names_in(self, input_features)


# Text vectorizers' analysis helpers: franca's analyzer runs in C++ and hands no tokens back, and it
# computes scikit-learn's tokens (tests/python/test_text_parity.py), so these are scikit-learn's own
# over the same parameters.
_ANALYSIS_HELPERS = ("build_analyzer", "build_preprocessor", "build_tokenizer", "get_stop_words", "decode")


def _analysis_helper(name):
    def helper(self, *args, **kwargs):
        return getattr(self._sklearn_twin(), name)(*args, **kwargs)
    helper.__name__ = name
    helper.__doc__ = (f"scikit-learn's {name} over these parameters (franca's C++ analyzer computes the same "
                      "tokens but gives none back).")
    return helper


def _sparse_coef(self):
    """coef_ as a scipy CSR matrix, (1, n_features) or (n_targets, n_features): scikit-learn's
    sparse_coef_, for the estimators whose scikit-learn class has it (ElasticNet, Lasso)."""
    if not hasattr(_sklearn_class(self._spec), "sparse_coef_"):
        raise AttributeError(f"{type(self).__name__!r} object has no attribute 'sparse_coef_'")
    import scipy.sparse
    return scipy.sparse.csr_matrix(np.atleast_2d(self.coef_))


def _sparsify(self):
    """Gives coef_ as a scipy CSR matrix from now until densify() or the next fit, as scikit-learn's
    sparsify (SparseCoefMixin); returns self. The fitted model keeps its dense coefficients, with
    which every method computes the same results."""
    self._fitted_handle()
    self.__dict__["_coef_is_sparse"] = True
    return self


def _densify(self):
    """Gives coef_ as a NumPy array again (the default), as scikit-learn's densify; returns self."""
    self._fitted_handle()
    self.__dict__.pop("_coef_is_sparse", None)
    return self


def _attribute(name):
    def get(self):
        if "_fallback" in self.__dict__:
            return getattr(self._fallback, name)
        managed = ctypes.POINTER(_dlpack.DLManagedTensor)()
        try:
            _lib.lib.franca_estimator_get_attribute(self._fitted_handle().value, name.encode(), ctypes.byref(managed))
        except FrancaNotFoundError:
            if name in self._spec.get("optional_attributes", ()):
                return None  # this fit's parameters left it out, and scikit-learn's holds None
            raise
        value = np.from_dlpack(_dlpack.Exported(managed))
        if name == "coef_" and self.__dict__.get("_coef_is_sparse"):
            import scipy.sparse
            return scipy.sparse.csr_matrix(value)  # after sparsify(), until densify() or a refit
        if value.ndim:
            return value
        # 0-d values as scikit-learn gives them: a float as a NumPy scalar of the model's dtype
        # (intercept_ of one target is y_offset - X_offset @ coef_ there: a float with a shape),
        # a count as a Python int.
        return value[()] if value.dtype.kind == "f" else value.item()

    def set(self, value):
        """Writes the attribute into the fitted model (franca_estimator_set_attribute: a copy in
        the attribute's dtype, of its shape, checked with the whole model), as scikit-learn lets a
        user write coef_."""
        if "_fallback" in self.__dict__:
            setattr(self._fallback, name, value)
            return
        handle = self._fitted_handle()
        integral = np.asarray(value).dtype.kind in "iub" if not hasattr(value, "__dlpack__") else False
        value_in = _convert.tensor(value, name, "cpu", dtypes=("int64",) if integral else _convert._FLOATS,
                                   fallback=np.int64 if integral else np.float64, ndims=(0, 1, 2, 3))
        _lib.lib.franca_estimator_set_attribute(handle.value, name.encode(), value_in.pointer)
    return property(get, set, doc=f"Fitted attribute {name} (NumPy, read from the fitted model; writable).")


def _make_init(signature):
    def __init__(self, **kwargs):
        bound = signature.bind(self, **kwargs)  # a TypeError naming an unknown parameter
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)
    __init__.__signature__ = signature
    return __init__


def _docstring(spec):
    lines = [spec["doc"], "", f"franca's {spec['name']} (generated from libfranca's estimator listing; "
             f"accepts {', '.join(spec['inputs'])} input).", "", "Parameters", "----------"]
    for p in spec["params"]:
        lines.append(f"{p['name']} : {p['type']}, default={_python_default(p['default'])!r}")
        extra = [f"one of {', '.join(map(repr, p['choices']))}"] if "choices" in p else []
        extra += [f"{key.replace('_', ' ')} {p[key]}"
                  for key in ("minimum", "exclusive_minimum", "maximum", "exclusive_maximum") if key in p]
        if p["binding_applies"]:
            extra.append("other values run scikit-learn's estimator")
        lines.append(f"    {p['doc']}" + (f" ({'; '.join(extra)})" if extra else ""))
    lines += ["output_type : str or None, default=None", f"    {_OUTPUT_TYPE_DOC}"]
    attributes = list(spec["attributes"]) + (["classes_"] if spec["kind"] == "classifier" else [])
    lines += ["", "Attributes", "----------"] + sorted(set(attributes))
    lines += ["", "Methods", "-------"] + [f"{m['name']}: {m['doc']}" for m in spec["methods"]]
    return "\n".join(lines)


def _make_class(spec):
    kind = spec["kind"]
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [inspect.Parameter(p["name"], inspect.Parameter.KEYWORD_ONLY, default=_python_default(p["default"]))
                   for p in spec["params"]]
    parameters.append(inspect.Parameter("output_type", inspect.Parameter.KEYWORD_ONLY, default=None))
    namespace = {"__init__": _make_init(inspect.Signature(parameters)), "__doc__": _docstring(spec),
                 "__module__": _franca_module(spec), "__qualname__": spec["name"], "_spec": spec}
    for m in spec["methods"]:
        namespace[m["name"]] = _make_method(spec, m["name"], m["doc"])
    if spec.get("partial_fit"):
        namespace["partial_fit"] = FrancaEstimator._partial_fit
    if "tweedie_power" in spec:  # ahead of RegressorMixin's R^2
        namespace["score"] = _d2_score
    if "transform" in namespace:  # ahead of TransformerMixin's fit(X).transform(X)
        namespace["fit_transform"] = FrancaEstimator._fit_transform
    for name in spec["attributes"]:
        if not (kind == "classifier" and name == "classes_"):  # classes_ is kept in Python
            namespace[name] = _attribute(name)
    sklearn_class = _sklearn_class(spec)
    if "coef_" in spec["attributes"]:
        namespace["sparse_coef_"] = property(_sparse_coef, doc=_sparse_coef.__doc__)
        if hasattr(sklearn_class, "sparsify"):
            namespace["sparsify"], namespace["densify"] = _sparsify, _densify
    sklearn_fit = inspect.signature(getattr(sklearn_class, "fit", FrancaEstimator.fit)).parameters
    if "check_input" in sklearn_fit:
        namespace["fit"] = FrancaEstimator._fit_taking_check_input
    routes_metadata = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in sklearn_fit.values())
    if routes_metadata and any(p["name"] == "cv" for p in spec["params"]):  # LassoCV, ElasticNetCV (1.4+)
        namespace["fit"] = FrancaEstimator._fit_routing_to_the_splitter
        namespace["get_metadata_routing"] = _cv_metadata_routing
    for name in _ANALYSIS_HELPERS:
        if sklearn_class is not None and hasattr(sklearn_class, name):
            namespace[name] = _analysis_helper(name)
    if spec.get("one_to_one_features"):  # also makes scikit-learn's set_output available (TransformerMixin)
        namespace["get_feature_names_out"] = _one_to_one_feature_names_out
    bases = ((_MIXINS[kind],) if kind in _MIXINS else ()) + (FrancaEstimator,)
    return types.new_class(spec["name"], bases, _set_output_keywords(spec), lambda body: body.update(namespace))


def _set_output_keywords(spec):
    """The class keywords that give a transformer scikit-learn's set_output where scikit-learn's
    class of its name has it, and only there: TransformerMixin offers set_output to every class
    with get_feature_names_out, but scikit-learn's TfidfTransformer (and vectorizers) declare
    auto_wrap_output_keys=None, as their sparse output has no pandas form."""
    sklearn_class = _sklearn_class(spec)
    if spec["kind"] != "transformer" or sklearn_class is None or hasattr(sklearn_class(), "set_output"):
        return {}
    return {"auto_wrap_output_keys": None}


_LISTING = _lib.take_json(_lib.lib.franca_estimator_list)
ESTIMATORS = {spec["name"]: _make_class(spec) for spec in _LISTING if "function" not in spec}
# The entries that compute one of scikit-learn's functions (enet_path): the generated class, by the
# function's name, for the module that defines the function over it; not an estimator of a module.
FUNCTION_CLASSES = {spec["function"]: _make_class(spec) for spec in _LISTING if "function" in spec}


def all_estimators():
    """[(name, class)] for every estimator in this libfranca build, by name."""
    return sorted(ESTIMATORS.items())


def module_namespace(module_name, mixins=None):
    """Installs the estimators the listing places in a module in it; returns its __all__ and a
    module __getattr__ that names what this libfranca build has.

    mixins: {estimator name: class} of what a module adds to a generated class in Python (for
    instance scikit-learn's trees of a forest): the estimator becomes a subclass of both, the
    mixin's methods first (super() reaches the generated ones), in ESTIMATORS too. A name this
    libfranca build lacks is passed over."""
    module = sys.modules[module_name]
    names = sorted(n for n, cls in ESTIMATORS.items() if cls.__module__ == module_name)
    for name, mixin in (mixins or {}).items():
        if name in names:
            generated = ESTIMATORS[name]
            doc = "\n\n".join(filter(None, (generated.__doc__, inspect.cleandoc(mixin.__doc__ or ""))))
            ESTIMATORS[name] = type(name, (mixin, generated), {"__module__": module_name, "__qualname__": name,
                                                               "__doc__": doc})
    for name in names:
        setattr(module, name, ESTIMATORS[name])

    def __getattr__(name):
        raise AttributeError(f"module {module_name!r} has no attribute {name!r} (the loaded libfranca, {_lib.path}, "
                             f"has the estimators {', '.join(sorted(ESTIMATORS))})")

    return names, __getattr__


def install_generated_modules():
    """Makes every module the listing names importable: a module that no file of the package
    defines (an estimator's new scikit-learn module) is created here and filled."""
    for module_name in sorted({cls.__module__ for cls in ESTIMATORS.values()}):
        parts = module_name.split(".")
        for depth in range(2, len(parts) + 1):
            name = ".".join(parts[:depth])
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as e:
                if e.name != name:
                    raise
                module = types.ModuleType(name, f"{name}: estimators generated from libfranca's listing.")
                sys.modules[name] = module
                setattr(sys.modules[".".join(parts[:depth - 1])], parts[depth - 1], module)
                module.__all__, module.__getattr__ = module_namespace(name)
