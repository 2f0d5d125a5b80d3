"""DLPack 0.6 structs for ctypes, and the two directions of the DLPack Python protocol.

Reading: `capsule_tensor` gives the DLTensor inside a producer's "dltensor" capsule without
consuming it; the capsule keeps owning the tensor (its destructor calls the deleter), so
the caller only has to keep the capsule alive while franca reads the memory.

Writing: `Exported` hands one franca-owned DLManagedTensor to exactly one consumer
(NumPy, PyTorch, CuPy, JAX, ...) through `__dlpack__`, as the protocol prescribes.
"""
import ctypes

__all__ = ["DLDevice", "DLDataType", "DLTensor", "DLManagedTensor", "Exported", "capsule_tensor",
           "KDLCPU", "KDLCUDA", "KDLCUDAHOST", "KDLCUDAMANAGED"]

KDLCPU, KDLCUDA, KDLCUDAHOST, KDLCUDAMANAGED = 1, 2, 3, 13
KDLINT, KDLUINT, KDLFLOAT = 0, 1, 2


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                            ("deleter", DELETER)]

# The capsule API works on raw PyObject* (c_void_p) inside the destructor, where the capsule
# is being destroyed and must not be turned back into a Python object.
_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_raw_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))

# PyCapsule_New keeps the name pointer, not a copy: this buffer lives as long as the module.
_DLTENSOR_NAME = ctypes.create_string_buffer(b"dltensor")


@ctypes.PYFUNCTYPE(None, ctypes.c_void_p)
def _capsule_destructor(capsule):
    # A consumer renames the capsule to "used_dltensor" when it takes the tensor over; if
    # nobody did, the tensor is still ours to release.
    if _api.PyCapsule_IsValid(capsule, _DLTENSOR_NAME):
        managed = ctypes.cast(_raw_get_pointer(capsule, _DLTENSOR_NAME), ctypes.POINTER(DLManagedTensor))
        managed.contents.deleter(managed)


_DESTRUCTOR_ADDRESS = ctypes.cast(_capsule_destructor, ctypes.c_void_p).value


def capsule_tensor(capsule):
    """The DLTensor of an unconsumed "dltensor" capsule, valid while the capsule lives."""
    address = _api.PyCapsule_GetPointer(capsule, b"dltensor")
    return ctypes.cast(address, ctypes.POINTER(DLTensor))


class Exported:
    """One franca DLManagedTensor, handed to a single consumer through `__dlpack__`.

    Until a consumer takes it, this object owns the tensor and releases it when collected.
    `before_export(stream)` runs first (e.g. to wait for the producing CUDA stream).
    """

    __slots__ = ("_managed", "_before_export")

    def __init__(self, managed, before_export=None):
        self._managed = managed
        self._before_export = before_export

    @property
    def tensor(self):
        if not self._managed:
            raise BufferError("this franca tensor was already handed to a consumer")
        return self._managed.contents.dl_tensor

    def __dlpack_device__(self):
        device = self.tensor.device
        return (device.device_type, device.device_id)

    def __dlpack__(self, stream=None, *, max_version=None, dl_device=None, copy=None):
        """A "dltensor" capsule (DLPack 0.6, which the array API allows whatever max_version
        asks for). franca never copies here: copy=True and another device are refused."""
        managed = self._managed
        if not managed:
            raise BufferError("this franca tensor was already handed to a consumer")
        if copy or (dl_device is not None and tuple(dl_device) != self.__dlpack_device__()):
            raise BufferError(f"franca exports its tensors in place, on device {self.__dlpack_device__()}")
        if self._before_export is not None:
            self._before_export(stream)
        capsule = _api.PyCapsule_New(ctypes.cast(managed, ctypes.c_void_p), ctypes.cast(_DLTENSOR_NAME, ctypes.c_char_p),
                                     _DESTRUCTOR_ADDRESS)
        self._managed = None
        return capsule

    def __del__(self):
        managed = self._managed
        if managed:
            self._managed = None
            managed.contents.deleter(managed)
