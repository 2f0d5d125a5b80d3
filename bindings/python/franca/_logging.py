"""Forwards libfranca's log messages to Python's logging, to the logger named "franca", and
its warnings during a fit to Python's warnings, as scikit-learn raises them.

The library's level follows the logger's effective level: it is synchronised when the
package loads and before every fit or method call, so that `logging.getLogger("franca")
.setLevel(logging.DEBUG)` takes effect without any franca call.
"""
import atexit
import contextlib
import logging
import sys
import threading
import warnings

from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning

from . import _lib

__all__ = ["logger", "sync_level", "capturing_warnings", "current_capture", "raise_warnings"]

logger = logging.getLogger("franca")

# The library says which warning class a message stands for at its end (scikit-learn's, or
# Python's where scikit-learn's message comes from NumPy); a message that names none is a
# UserWarning, as scikit-learn's warnings.warn(message) is.
_CLASS_SUFFIXES = {" (ConvergenceWarning)": ConvergenceWarning, " (RuntimeWarning)": RuntimeWarning,
                   " (LinAlgWarning)": LinAlgWarning}
_capture = threading.local()  # .messages: where this thread's library warnings go instead of the log

TRACE = 5  # below logging.DEBUG, for franca's trace level
_TO_PYTHON = {0: TRACE, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
# Python levels, highest first, and the franca level that lets exactly those through.
_TO_FRANCA = ((logging.ERROR + 1, 6), (logging.WARNING + 1, 4), (logging.INFO + 1, 3), (logging.DEBUG + 1, 2),
              (TRACE + 1, 1))

_level = None


def _forward(level, message, _user_data):
    # Called from whichever thread logs, with the GIL taken by ctypes; it must not raise.
    try:
        text = message.decode("utf-8", "replace")
        captured = getattr(_capture, "messages", None)
        python_level = _TO_PYTHON.get(level, logging.ERROR)
        if python_level == logging.WARNING and captured is not None:
            captured.append(text)
        else:
            logger.log(python_level, text)
    except Exception:  # noqa: BLE001 - an exception cannot cross back into C
        pass


@contextlib.contextmanager
def capturing_warnings(messages):
    """Within the block, the library's warnings on this thread are appended to `messages`
    instead of logged. raise_warnings() raises them once the C call has returned: raised from
    the callback, a warning that a filter turns into an error could not leave the C call."""
    previous = getattr(_capture, "messages", None)
    _capture.messages = messages
    try:
        yield messages
    finally:
        _capture.messages = previous


def current_capture():
    """The list this thread's library warnings go to, or None: a worker running a C call for
    this thread captures into it too."""
    return getattr(_capture, "messages", None)


def raise_warnings(messages):
    """warnings.warn for each captured message, in the class the library names at its end
    (ConvergenceWarning, RuntimeWarning, scipy's LinAlgWarning), else UserWarning; attributed to the first caller outside
    franca (however many of franca's frames, a module's own fit among them, lie between)."""
    stacklevel = _outside_franca()
    for text in messages:
        suffix = next((s for s in _CLASS_SUFFIXES if text.endswith(s)), None)
        if suffix:
            warnings.warn(text[:-len(suffix)], _CLASS_SUFFIXES[suffix], stacklevel=stacklevel)
        else:
            warnings.warn(text, UserWarning, stacklevel=stacklevel)


def _outside_franca():
    """The stacklevel, for a warnings.warn in the caller of this function, of the first frame whose
    code is not franca's."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "franca":
        frame, level = frame.f_back, level + 1
    return level


# Kept in a module global: the C library holds a pointer to it for the life of the process.
_callback = _lib.LOG_CALLBACK(_forward)


def _franca_level(python_level):
    for threshold, franca in _TO_FRANCA:
        if python_level >= threshold:
            return franca
    return 0


def sync_level():
    """Sets libfranca's level to the "franca" logger's effective level, if it changed."""
    global _level
    level = _franca_level(logger.getEffectiveLevel())
    if level != _level:
        _lib.lib.franca_set_log_level(level)
        _level = level


_lib.lib.franca_set_log_callback(_callback, None)
# Back to stderr before the interpreter tears down the callback (the library may still log
# from its destructors at exit).
atexit.register(_lib.lib.franca_set_log_callback, _lib.LOG_CALLBACK(), None)  # NULL: stderr
sync_level()
