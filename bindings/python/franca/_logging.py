"""Forwards libfranca's log messages to Python's logging, to the logger named "franca".

The library's level follows the logger's effective level: it is synchronised when the
package loads and before every fit or method call, so that `logging.getLogger("franca")
.setLevel(logging.DEBUG)` takes effect without any franca call.
"""
import atexit
import logging

from . import _lib

__all__ = ["logger", "sync_level"]

logger = logging.getLogger("franca")

TRACE = 5  # below logging.DEBUG, for franca's trace level
_TO_PYTHON = {0: TRACE, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
# Python levels, highest first, and the franca level that lets exactly those through.
_TO_FRANCA = ((logging.ERROR + 1, 6), (logging.WARNING + 1, 4), (logging.INFO + 1, 3), (logging.DEBUG + 1, 2),
              (TRACE + 1, 1))

_level = None


def _forward(level, message, _user_data):
    # Called from whichever thread logs, with the GIL taken by ctypes; it must not raise.
    try:
        logger.log(_TO_PYTHON.get(level, logging.ERROR), message.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - an exception cannot cross back into C
        pass


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
