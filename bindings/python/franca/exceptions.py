"""The exceptions franca raises: one class per C status code, each also a subclass of the
built-in (or scikit-learn) exception that Python code expects for that kind of error.

Each class names its code by the stable name franca_status_name() gives it; the numbers are
stated once, in include/franca/franca.h, and come from the loaded library: `_lib` calls
`bind_status_codes` right after loading it (this module is imported first, so that
FrancaLibraryNotFound exists before any library does)."""
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = ["FrancaError", "FrancaValueError", "CorruptModelError", "FrancaTypeError", "FrancaMemoryError",
           "NotFittedError", "FrancaNotFoundError", "FrancaNotImplementedError", "FrancaDeviceError",
           "FrancaCancelledError", "FrancaInternalError", "FrancaLibraryNotFound"]


class FrancaError(Exception):
    """Base of every error from libfranca. `status` is the C status code, `status_name` its
    stable name ("invalid_argument", ...); `message` is franca_last_error(), and str() adds
    the C function and the status name."""

    status = None  # set from the loaded library by bind_status_codes
    status_name = None

    def __init__(self, *args, message=None):
        super().__init__(*args)
        # franca_last_error() alone, without the function and status name that str() adds.
        self.message = message if message is not None else (str(args[0]) if args else "")

    def __str__(self):
        # KeyError (a base of FrancaNotFoundError) would otherwise quote the message.
        return str(self.args[0]) if self.args else ""


class FrancaValueError(FrancaError, ValueError):
    """A value is wrong (FRANCA_ERROR_INVALID_ARGUMENT)."""
    status_name = "invalid_argument"


class CorruptModelError(FrancaValueError):
    """Saved model bytes are invalid (FRANCA_ERROR_CORRUPT_MODEL)."""
    status_name = "corrupt_model"


class FrancaTypeError(FrancaError, TypeError):
    """A dtype, kind of input or device is wrong (FRANCA_ERROR_TYPE)."""
    status_name = "type"


class FrancaMemoryError(FrancaError, MemoryError):
    """A host or device allocation failed (FRANCA_ERROR_OUT_OF_MEMORY)."""
    status_name = "out_of_memory"


class NotFittedError(FrancaError, _SklearnNotFittedError):
    """The estimator must be fitted first (FRANCA_ERROR_NOT_FITTED); also scikit-learn's
    NotFittedError, hence a ValueError and an AttributeError."""
    status_name = "not_fitted"


class FrancaNotFoundError(FrancaError, AttributeError, KeyError):
    """Unknown estimator, method or attribute name (FRANCA_ERROR_NOT_FOUND): an
    AttributeError so that hasattr() works on fitted attributes, and a KeyError for lookups
    by name."""
    status_name = "not_found"


class FrancaNotImplementedError(FrancaError, NotImplementedError):
    """Valid, but this build or device cannot do it (FRANCA_ERROR_NOT_IMPLEMENTED)."""
    status_name = "not_implemented"


class FrancaDeviceError(FrancaError, RuntimeError):
    """A CUDA, cuBLAS or cuSPARSE call failed (FRANCA_ERROR_DEVICE)."""
    status_name = "device"


class FrancaCancelledError(FrancaError, RuntimeError):
    """A fit was interrupted through franca_cancel() (FRANCA_ERROR_CANCELLED)."""
    status_name = "cancelled"


class FrancaInternalError(FrancaError, RuntimeError):
    """A bug in franca (FRANCA_ERROR_INTERNAL): please report it."""
    status_name = "internal"


class FrancaLibraryNotFound(ImportError):
    """libfranca could not be found or loaded; the message lists every place tried."""


CLASSES = (FrancaValueError, CorruptModelError, FrancaTypeError, FrancaMemoryError, NotFittedError,
           FrancaNotFoundError, FrancaNotImplementedError, FrancaDeviceError, FrancaCancelledError,
           FrancaInternalError)

BY_STATUS = {}
"""status code -> class, filled by bind_status_codes once the library is loaded."""


def bind_status_codes(codes):
    """Gives every class its `status` from `codes` ({status name: code}, as the loaded
    library states them) and fills BY_STATUS."""
    missing = [cls.status_name for cls in CLASSES if cls.status_name not in codes]
    if missing:
        raise FrancaLibraryNotFound(f"franca: the loaded library does not know the status code(s) {missing}; "
                                    "it is older than these Python bindings")
    for cls in CLASSES:
        cls.status = codes[cls.status_name]
    BY_STATUS.clear()
    BY_STATUS.update((cls.status, cls) for cls in CLASSES)
