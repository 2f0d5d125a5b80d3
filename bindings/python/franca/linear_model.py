"""Linear models, generated from libfranca's estimator listing, and the regularisation paths
enet_path and lasso_path (over the listing's ElasticNetPath)."""
from ._estimator import module_namespace
from ._path import enet_path, lasso_path

__all__, __getattr__ = module_namespace(__name__)
__all__ = [*__all__, "enet_path", "lasso_path"]
