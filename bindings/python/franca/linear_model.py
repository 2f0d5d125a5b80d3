"""Linear models, generated from libfranca's estimator listing."""
from ._estimator import module_namespace

__all__, __getattr__ = module_namespace(__name__)
