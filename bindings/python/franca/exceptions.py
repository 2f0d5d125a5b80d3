"""The exceptions franca raises: one class per C status code, each also a subclass of the
built-in (or scikit-learn) exception that Python code expects for that kind of error."""
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = ["FrancaError", "FrancaValueError", "CorruptModelError", "FrancaTypeError", "FrancaMemoryError",
           "NotFittedError", "FrancaNotFoundError", "FrancaNotImplementedError", "FrancaDeviceError",
           "FrancaCancelledError", "FrancaInternalError", "FrancaLibraryNotFound"]


class FrancaError(Exception):
    """Base of every error from libfranca. `status` is the C status code, `status_name` its
    stable name ("invalid_argument", ...); the message is franca_last_error()."""

    status = None
    status_name = None

    def __str__(self):
        # KeyError (a base of FrancaNotFoundError) would otherwise quote the message.
        return str(self.args[0]) if self.args else ""


class FrancaValueError(FrancaError, ValueError):
    """A value is wrong (FRANCA_ERROR_INVALID_ARGUMENT)."""
    status, status_name = 1, "invalid_argument"


class CorruptModelError(FrancaValueError):
    """Saved model bytes are invalid (FRANCA_ERROR_CORRUPT_MODEL)."""
    status, status_name = 8, "corrupt_model"


class FrancaTypeError(FrancaError, TypeError):
    """A dtype, kind of input or device is wrong (FRANCA_ERROR_TYPE)."""
    status, status_name = 2, "type"


class FrancaMemoryError(FrancaError, MemoryError):
    """A host or device allocation failed (FRANCA_ERROR_OUT_OF_MEMORY)."""
    status, status_name = 3, "out_of_memory"


class NotFittedError(FrancaError, _SklearnNotFittedError):
    """The estimator must be fitted first (FRANCA_ERROR_NOT_FITTED); also scikit-learn's
    NotFittedError, hence a ValueError and an AttributeError."""
    status, status_name = 4, "not_fitted"


class FrancaNotFoundError(FrancaError, AttributeError, KeyError):
    """Unknown estimator, method or attribute name (FRANCA_ERROR_NOT_FOUND): an
    AttributeError so that hasattr() works on fitted attributes, and a KeyError for lookups
    by name."""
    status, status_name = 5, "not_found"


class FrancaNotImplementedError(FrancaError, NotImplementedError):
    """Valid, but this build or device cannot do it (FRANCA_ERROR_NOT_IMPLEMENTED)."""
    status, status_name = 6, "not_implemented"


class FrancaDeviceError(FrancaError, RuntimeError):
    """A CUDA, cuBLAS or cuSPARSE call failed (FRANCA_ERROR_DEVICE)."""
    status, status_name = 7, "device"


class FrancaCancelledError(FrancaError, RuntimeError):
    """A fit was interrupted through franca_cancel() (FRANCA_ERROR_CANCELLED)."""
    status, status_name = 9, "cancelled"


class FrancaInternalError(FrancaError, RuntimeError):
    """A bug in franca (FRANCA_ERROR_INTERNAL): please report it."""
    status, status_name = 10, "internal"


class FrancaLibraryNotFound(ImportError):
    """libfranca could not be found or loaded; the message lists every place tried."""


BY_STATUS = {cls.status: cls for cls in (FrancaValueError, CorruptModelError, FrancaTypeError, FrancaMemoryError,
                                         NotFittedError, FrancaNotFoundError, FrancaNotImplementedError,
                                         FrancaDeviceError, FrancaCancelledError, FrancaInternalError)}
