"""Text features (hashing, TF-IDF), generated from libfranca's estimator listing.

Documents are lists or arrays of str (or bytes, taken as UTF-8); they are encoded once to
UTF-8 bytes plus int64 offsets, the string column franca reads."""
from .._estimator import module_namespace

__all__, __getattr__ = module_namespace(__name__)
