"""Ensembles of trees, generated from libfranca's estimator listing, with what scikit-learn's
forests have beyond it: decision_path as (indicator, n_nodes_ptr), estimators_ as fitted
scikit-learn trees, and conversion both ways (as_sklearn, from_sklearn).

A franca forest's fitted state is its trees' scikit-learn arrays concatenated (tree_offsets_,
tree_children_left_, ..., tree_value_): a scikit-learn tree is those arrays sliced per tree, and
a scikit-learn forest becomes franca model bytes (franca._model) made of its trees' arrays.
"""
import copy
import inspect
import numbers
import warnings

import numpy as np
import scipy.sparse
import sklearn
from sklearn.tree._tree import NODE_DTYPE, Tree
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from . import _convert, _lib, _model
from ._estimator import _sklearn_class, module_namespace
from .exceptions import FrancaTypeError, FrancaValueError

# scikit-learn >= 1.4 keeps a classifier tree's node values as class fractions, as franca does;
# before, as weighted class counts (fractions times weighted_n_node_samples).
_VALUES_ARE_FRACTIONS = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 4)

# The fields of scikit-learn's tree nodes (sklearn.tree._tree.NODE_DTYPE) and franca's attribute of
# each; missing_go_to_left is a field from scikit-learn 1.3.
_NODE_ATTRIBUTES = {"left_child": "tree_children_left_", "right_child": "tree_children_right_",
                    "feature": "tree_feature_", "threshold": "tree_threshold_", "impurity": "tree_impurity_",
                    "n_node_samples": "tree_n_node_samples_",
                    "weighted_n_node_samples": "tree_weighted_n_node_samples_",
                    "missing_go_to_left": "tree_missing_go_to_left_"}
_LEAF = -1  # a leaf's children, in scikit-learn's trees as in franca's


class _ScikitLearnForest:
    """scikit-learn's view of the forest: `decision_path` returns scikit-learn's (indicator,
    n_nodes_ptr), `estimators_` the trees as fitted scikit-learn trees, `as_sklearn()` an
    equivalent fitted scikit-learn forest and `from_sklearn(forest)` a franca forest from a
    fitted scikit-learn one; both predict as the forest they come from."""

    def fit(self, X, y=None, sample_weight=None):
        if scipy.sparse.issparse(y):
            raise FrancaValueError("sparse multilabel-indicator for y is not supported.")  # scikit-learn's words
        if (self._spec["kind"] == "classifier" and self.oob_score and not _convert._is_torch(y)
                and not _convert._is_cupy(y) and type_of_target(y) == "multiclass-multioutput"):
            # The library sees each output's codes, which look like a multilabel indicator.
            raise FrancaValueError("y: The type of target cannot be used to compute OOB estimates. Got "
                                   "multiclass-multioutput while only the following are supported: continuous, "
                                   "continuous-multioutput, binary, multiclass, multilabel-indicator.")
        if self._spec["kind"] == "classifier" and self.warm_start and self.__sklearn_is_fitted__():
            self._check_warm_start_classes(y)
        self.__dict__.pop("_estimators", None)  # the scikit-learn trees of the previous fit
        return super().fit(X, y, sample_weight)

    def _check_warm_start_classes(self, y):
        """The library sees codes, the same for other labels: the kept trees' codes must mean the
        same labels (the library checks the number of outputs and classes)."""
        fitted = self.classes_
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._encode_labels(y)
        given, self.classes_ = self.classes_, fitted
        as_list = (lambda classes: classes if isinstance(classes, list) else [classes])
        if [classes.tolist() for classes in as_list(given)] != [classes.tolist() for classes in as_list(fitted)]:
            raise FrancaValueError("y: warm_start keeps the trees of a forest fitted on other classes or outputs; fit "
                                   "with warm_start=False to start again")

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_estimators", None)  # made again from the model when asked for
        return state

    def decision_path(self, X):
        """The nodes each row of X passes through, as scikit-learn's forest gives them:
        (indicator, n_nodes_ptr), indicator (n_samples, total nodes) in CSR with a 1 for each node
        on the row's path in each tree, the nodes of tree t being columns n_nodes_ptr[t] to
        n_nodes_ptr[t + 1] (tree_offsets_). The indicator is int64 in scipy's and PyTorch's CSR, as
        scikit-learn's; float64 in cupyx's, which holds floating values only."""
        fallback = self.__dict__.get("_fallback")
        if fallback is not None:
            return fallback.decision_path(X)
        return _int64_indicator(super().decision_path(X)), np.asarray(self.tree_offsets_, dtype=np.int64)

    @property
    def estimators_(self):
        """The trees, as fitted scikit-learn DecisionTreeClassifier / DecisionTreeRegressor (made
        from the fitted arrays the first time they are asked for)."""
        fallback = self.__dict__.get("_fallback")
        if fallback is not None:
            return fallback.estimators_
        if "_estimators" not in self.__dict__:
            self._estimators = self._sklearn_trees(self._sklearn_unfitted())
        return self._estimators

    def as_sklearn(self):
        """An equivalent fitted scikit-learn forest: the parameters scikit-learn has, the trees
        (estimators_), n_features_in_, feature_names_in_, n_outputs_, classes_, n_classes_ and the
        out-of-bag results when there are any. Its predict, predict_proba and apply give what
        franca's do (up to the rounding of the mean over the trees)."""
        fallback = self.__dict__.get("_fallback")
        if fallback is not None:
            return copy.deepcopy(fallback)
        self._fitted_handle()  # NotFittedError first
        forest = self._sklearn_unfitted()
        forest.estimators_ = self._sklearn_trees(forest)
        names = ["n_features_in_", "feature_names_in_", "n_outputs_", "classes_", "n_classes_", "oob_score_",
                 "oob_decision_function_", "oob_prediction_"]
        for name in names:
            if hasattr(self, name):  # feature_names_in_ and the out-of-bag results are optional
                setattr(forest, name, copy.copy(getattr(self, name)))
        return forest

    @classmethod
    def from_sklearn(cls, forest):
        """A franca forest from a fitted scikit-learn forest of the same name, with its parameters
        (n_bins at franca's default) and its trees, their nodes renumbered as franca numbers them
        (apply and decision_path give franca's ids for the same leaves): it predicts what `forest`
        predicts. A parameter value franca's fit refuses raises the error fit would."""
        name = cls._spec["name"]
        if not isinstance(forest, _sklearn_class(cls._spec)):
            raise FrancaTypeError(f"{name}.from_sklearn takes a fitted scikit-learn {name}, got "
                                  f"{type(forest).__name__}")
        check_is_fitted(forest)
        classifier = cls._spec["kind"] == "classifier"
        accepted = inspect.signature(cls).parameters
        estimator = cls(**{key: value for key, value in forest.get_params(deep=False).items() if key in accepted})
        if hasattr(forest, "feature_names_in_"):
            estimator.feature_names_in_ = forest.feature_names_in_.copy()
        if classifier:  # the library sees their codes
            estimator.classes_ = ([np.array(classes, copy=True) for classes in forest.classes_]
                                  if forest.n_outputs_ > 1 else np.array(forest.classes_, copy=True))
        params = estimator._franca_params()
        # The errors fit gives for these parameters; the model's load would report any as a corrupt
        # model.
        check = _lib.new_handle(_lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free, name.encode())
        _lib.lib.franca_estimator_set_params(check.value, params.encode())
        estimator._load_model(_model.model_bytes(name, params, _franca_attributes(forest, classifier)))
        return estimator

    # scikit-learn's BaseEnsemble is a sequence of its fitted trees.
    def __len__(self):
        return len(self.estimators_)

    def __getitem__(self, index):
        return self.estimators_[index]

    def __iter__(self):
        return iter(self.estimators_)

    @property
    def estimator(self):
        """The tree the forest is made of, unfitted and unconfigured (scikit-learn's forests keep it
        as `estimator`)."""
        return _sklearn_class(self._spec)().estimator

    @property
    def estimator_(self):
        """The unfitted tree every tree of the forest is made from (scikit-learn's DecisionTree
        with the forest's tree parameters), as scikit-learn's fit sets it."""
        check_is_fitted(self)
        return self._sklearn_unfitted().estimator_

    def _sklearn_unfitted(self):
        """scikit-learn's forest with this one's parameters (those scikit-learn has), its
        estimator_ set as its fit sets it."""
        sklearn_forest = _sklearn_class(self._spec)
        accepted = inspect.signature(sklearn_forest).parameters
        forest = sklearn_forest(**{key: value for key, value in self.get_params(deep=False).items()
                                   if key in accepted})
        forest._validate_estimator()  # estimator_ (base_estimator_ too before scikit-learn 1.4)
        return forest

    def _sklearn_trees(self, forest):
        """The fitted trees as scikit-learn trees made by `forest` (with its tree parameters)."""
        classifier = self._spec["kind"] == "classifier"
        n_features, n_outputs, offsets = self.n_features_in_, self.n_outputs_, self.tree_offsets_
        columns = {field: getattr(self, attribute) for field, attribute in _NODE_ATTRIBUTES.items()
                   if field in NODE_DTYPE.names}
        values = self.tree_value_
        if classifier and not _VALUES_ARE_FRACTIONS:
            values = values * self.tree_weighted_n_node_samples_[:, np.newaxis, np.newaxis]
        n_classes = np.atleast_1d(self.n_classes_).astype(np.intp) if classifier else np.ones(n_outputs, np.intp)
        trees = []
        for begin, end in zip(offsets[:-1], offsets[1:]):
            nodes = np.zeros(end - begin, dtype=NODE_DTYPE)
            for field, column in columns.items():
                nodes[field] = column[begin:end]
            tree = forest._make_estimator(append=False)
            tree.n_features_in_, tree.n_outputs_ = n_features, n_outputs
            tree.max_features_ = _max_features(tree.max_features, n_features)
            if classifier and n_outputs == 1:
                tree.classes_, tree.n_classes_ = np.arange(n_classes[0], dtype=np.float64), n_classes[0]
            elif classifier:
                tree.classes_, tree.n_classes_ = [np.arange(k, dtype=np.float64) for k in n_classes], n_classes
            tree.tree_ = Tree(n_features, n_classes, n_outputs)
            depth = sum(1 for _ in _levels(nodes["left_child"], nodes["right_child"])) - 1
            tree.tree_.__setstate__({"max_depth": depth,
                                     "node_count": len(nodes), "nodes": nodes,
                                     "values": np.ascontiguousarray(values[begin:end])})
            trees.append(tree)
        return trees


class _ScikitLearnForestClassifier(_ScikitLearnForest):
    """A forest classifier of several outputs gives scikit-learn's list of probability arrays, one
    n_samples x n_classes_[o] array per output (the library's columns o K to o K + n_classes_[o] - 1,
    K the most classes of an output)."""

    def predict_proba(self, X):
        return self._per_output(super().predict_proba(X))

    def predict_log_proba(self, X):
        return self._per_output(super().predict_log_proba(X))

    def _per_output(self, proba):
        if "_fallback" in self.__dict__ or self.n_outputs_ == 1:
            return proba
        width = proba.shape[1] // self.n_outputs_
        return [proba[:, output * width:output * width + n] for output, n in enumerate(self.n_classes_.tolist())]


def _franca_attributes(forest, classifier):
    """franca's fitted attributes of a fitted scikit-learn forest."""
    trees = [_franca_tree(tree.tree_.__getstate__()) for tree in forest.estimators_]
    attributes = {name: np.concatenate([tree[name] for tree in trees]) for name in trees[0]}
    if classifier and not _VALUES_ARE_FRACTIONS:
        values = attributes["tree_value_"]
        attributes["tree_value_"] = values / values.sum(axis=2, keepdims=True)  # as the tree's predict_proba
    attributes.update(
        tree_offsets_=np.cumsum([0] + [len(tree["tree_value_"]) for tree in trees], dtype=np.int64),
        feature_importances_=forest.feature_importances_, n_features_in_=np.int64(forest.n_features_in_),
        n_outputs_=np.int64(forest.n_outputs_))
    if classifier and forest.n_outputs_ == 1:
        attributes.update(classes_=np.arange(forest.n_classes_, dtype=np.float64),
                          n_classes_=np.int64(forest.n_classes_))
    elif classifier:  # the codes of each output's classes, padded with NaN to the most classes
        n_classes = np.asarray(forest.n_classes_, dtype=np.int64)
        codes = np.arange(n_classes.max(), dtype=np.float64)
        attributes.update(classes_=np.where(codes < n_classes[:, np.newaxis], codes, np.nan), n_classes_=n_classes)
    for name in ("oob_score_", "oob_decision_function_", "oob_prediction_"):
        if hasattr(forest, name):
            attributes[name] = np.asarray(getattr(forest, name), dtype=np.float64)
    # franca's dtypes: int64 counts and indices (scikit-learn's are intp), float64 values.
    wider = {"i": np.int64, "f": np.float64}
    return {name: value.astype(wider.get(value.dtype.kind, value.dtype), copy=False)
            for name, value in attributes.items()}


def _franca_tree(state):
    """One scikit-learn tree (Tree.__getstate__()) as franca's arrays, its nodes renumbered in
    franca's order: breadth-first, a node's two children adjacent (franca's walk reads the right
    child as the left one's successor), where scikit-learn numbers them depth-first."""
    nodes = state["nodes"]
    columns = {attribute: nodes[field] for field, attribute in _NODE_ATTRIBUTES.items() if field in nodes.dtype.names}
    columns.setdefault("tree_missing_go_to_left_", _missing_to_larger_child(nodes))
    columns["tree_value_"] = state["values"]
    order = np.concatenate(list(_levels(nodes["left_child"], nodes["right_child"])))
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    columns = {name: column[order] for name, column in columns.items()}
    for name in ("tree_children_left_", "tree_children_right_"):
        child = columns[name]
        columns[name] = np.where(child == _LEAF, _LEAF, position[child])
    return columns


def _missing_to_larger_child(nodes):
    """Where a split of a tree from scikit-learn < 1.3 (which refuses missing values) sends them:
    as later versions do for a split that saw none, to the child with more samples."""
    split = nodes["left_child"] != _LEAF
    samples = nodes["n_node_samples"]
    left = samples[np.where(split, nodes["left_child"], 0)]
    right = samples[np.where(split, nodes["right_child"], 0)]
    return (split & (left > right)).astype(np.uint8)


def _levels(left, right):
    """A tree's nodes level by level from the root (arrays of node ids): each level the children of
    the splits of the level above, in their order, a node's left child then its right."""
    level = np.array([0])
    while len(level):
        yield level
        split = level[left[level] != _LEAF]
        level = np.stack([left[split], right[split]], axis=1).ravel()


def _max_features(max_features, n_features):
    """A tree's max_features_, as scikit-learn's fit resolves max_features."""
    if max_features is None:
        return n_features
    if max_features == "sqrt":
        return max(1, int(np.sqrt(n_features)))
    if max_features == "log2":
        return max(1, int(np.log2(n_features)))
    if isinstance(max_features, numbers.Integral):
        return max_features
    return max(1, int(max_features * n_features))


def _int64_indicator(indicator):
    """A decision path's indicator with scikit-learn's dtype, int64, where the type holds integers."""
    if scipy.sparse.issparse(indicator):
        return scipy.sparse.csr_matrix((indicator.data.astype(np.int64), indicator.indices, indicator.indptr),
                                       shape=indicator.shape)
    if _convert._is_torch(indicator):
        import torch
        return indicator.to(torch.int64)
    return indicator


__all__, __getattr__ = module_namespace(__name__, mixins={"RandomForestClassifier": _ScikitLearnForestClassifier,
                                                          "RandomForestRegressor": _ScikitLearnForest})
