"""franca's model bytes (src/core/model_format.cpp), written from Python: how a model made outside
franca (a scikit-learn forest, see franca.ensemble) becomes a franca model. franca_estimator_load
reads them as it reads franca_estimator_save's, checking every byte and the model's consistency.

Layout: magic, format version (uint32), payload size (uint64), FNV-1a 64 checksum of the payload
(uint64), then the payload: estimator name, parameters as JSON (each a uint64 length and UTF-8
bytes), fitted flag (uint8), attribute count (uint32), and per attribute its name, dtype code
(uint8), rank (uint32), shape (int64 each) and C-ordered data; all little-endian.
"""
import struct

import numpy as np

_MAGIC = b"FRANCAM\x01"
_FORMAT_VERSION = 1
# franca's DType codes (src/core/dtype.hpp).
_DTYPE_CODES = {np.dtype(t): code for code, t in enumerate((np.float32, np.float64, np.int32, np.int64, np.uint8,
                                                              np.int8))}
_FNV_OFFSET_BASIS = 1469598103934665603
_FNV_PRIME = 1099511628211
_MOD = 1 << 64
_CHUNK = 1 << 20  # bytes hashed per NumPy pass: bounds the uint64 temporaries at 8 MiB each


def model_bytes(name, params_json, attributes):
    """A fitted model of the estimator `name`: `params_json` (its parameters as a JSON object) and
    `attributes`, {name: NumPy array of one of franca's dtypes}, written in name order as the
    library writes them."""
    payload = [_string(name), _string(params_json), struct.pack("<BI", 1, len(attributes))]
    for attribute, value in sorted(attributes.items()):
        value = np.asarray(value)
        code = _DTYPE_CODES[value.dtype.newbyteorder("=")]
        value = np.array(value, dtype=value.dtype.newbyteorder("<"), order="C")  # 0-d stays 0-d
        payload += [_string(attribute), struct.pack(f"<BI{value.ndim}q", code, value.ndim, *value.shape),
                    value.tobytes()]
    payload = b"".join(payload)
    return _MAGIC + struct.pack("<IQQ", _FORMAT_VERSION, len(payload), fnv1a64(payload)) + payload


def _string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def fnv1a64(data):
    """FNV-1a 64 of `data` (src/core/serialize.hpp's checksum), computed in NumPy passes: a loop
    per byte in Python would take seconds for a forest of megabytes.

    Each step, h <- (h ^ b) * P mod 2^64, is sequential, but the xor only changes h's low byte
    L: h ^ b = h + d with d = (L ^ b) - L. Once every L is known the recurrence is linear,
    h_n = h_0 P^n + sum_i d_i P^(n - i), a NumPy sum (uint64 arithmetic wraps mod 2^64). The low
    bytes follow L' = ((L ^ b) * P) mod 256 and, P being odd, bit k of L' is bit k of L ^ b
    xor bit k of ((L ^ b) mod 2^k) * P: given the bits below k of every L, bit k of the whole
    sequence is a running xor. So the L are found bit by bit, eight running xors per chunk."""
    data = np.frombuffer(data, dtype=np.uint8)
    powers = np.cumprod(np.full(min(len(data), _CHUNK), _FNV_PRIME, dtype=np.uint64))  # P^1 .. P^chunk
    h = _FNV_OFFSET_BASIS
    for start in range(0, len(data), _CHUNK):
        b = data[start:start + _CHUNK]
        low = _low_bytes(h & 0xFF, b)
        d = (low ^ b).astype(np.int64) - low
        n = len(b)
        h = (h * pow(_FNV_PRIME, n, _MOD) + int(np.sum(d.astype(np.uint64) * powers[n - 1::-1]))) % _MOD
    return h


def _low_bytes(first, b):
    """The low byte of the FNV state before each byte of b, starting from `first`."""
    prime_low = np.uint8(_FNV_PRIME & 0xFF)
    low = np.zeros(len(b), dtype=np.uint8)
    for k in range(8):
        below = (low ^ b) & np.uint8((1 << k) - 1)
        flips = ((b ^ below * prime_low) >> np.uint8(k)) & np.uint8(1)
        bits = np.bitwise_xor.accumulate(flips) ^ np.uint8((first >> k) & 1)
        low[1:] |= bits[:-1] << np.uint8(k)
        low[0] |= np.uint8(first & (1 << k))
    return low
