"""Minimal safetensors reader and writer, written from the format spec.

The parity tools may not depend on the `safetensors` package (the reference must
run on a plain Debian torch install), and the format is small enough to implement
directly: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping
each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an
optional "__metadata__" entry), then the raw little-endian tensor bytes. Offsets
are relative to the first byte after the header.
"""

import json
import struct

import numpy as np

# Explicit little-endian dtypes so the reader is correct on any host byte order.
NUMPY_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
SAFETENSORS_DTYPES = {dtype: name for name, dtype in NUMPY_DTYPES.items()}

# A header larger than this is almost certainly a corrupt length prefix, and
# reading it would allocate whatever garbage the first 8 bytes say.
MAX_HEADER_BYTES = 100 * 1024 * 1024


class SafeTensorsFormatError(ValueError):
    """The file is not a well-formed safetensors file; the message names the file."""


def read_safetensors(path):
    """Returns {name: numpy array} for every tensor in the file at `path`.

    Arrays are copies (writeable), so torch.from_numpy on them does not warn and
    later in-place updates never alias the file buffer. BF16 is widened to float32
    because numpy has no bfloat16 type.
    """
    with open(path, "rb") as stream:
        blob = stream.read()
    if len(blob) < 8:
        raise SafeTensorsFormatError(f"{path}: shorter than the 8-byte header length prefix")
    (header_length,) = struct.unpack("<Q", blob[:8])
    if header_length > MAX_HEADER_BYTES or 8 + header_length > len(blob):
        raise SafeTensorsFormatError(
            f"{path}: header length {header_length} does not fit in a file of {len(blob)} bytes")
    try:
        header = json.loads(blob[8:8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafeTensorsFormatError(f"{path}: header is not valid UTF-8 JSON ({error})") from error
    if not isinstance(header, dict):
        raise SafeTensorsFormatError(f"{path}: header is not a JSON object")

    data = memoryview(blob)[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        tensors[name] = _decode_tensor(path, name, entry, data)
    return tensors


def _decode_tensor(path, name, entry, data):
    try:
        dtype_name = entry["dtype"]
        shape = [int(dim) for dim in entry["shape"]]
        begin, end = (int(offset) for offset in entry["data_offsets"])
    except (KeyError, TypeError, ValueError) as error:
        raise SafeTensorsFormatError(f"{path}: tensor '{name}' has a malformed header entry {entry!r}") from error
    if not 0 <= begin <= end <= len(data):
        raise SafeTensorsFormatError(
            f"{path}: tensor '{name}' data_offsets [{begin}, {end}] fall outside the {len(data)}-byte data section")

    element_count = int(np.prod(shape, dtype=np.int64))
    raw = data[begin:end]
    if dtype_name == "BF16":
        expected = element_count * 2
        _check_length(path, name, dtype_name, shape, len(raw), expected)
        widened = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return widened.view(np.float32).reshape(shape).copy()
    if dtype_name not in NUMPY_DTYPES:
        raise SafeTensorsFormatError(f"{path}: tensor '{name}' has unsupported dtype {dtype_name}")
    dtype = NUMPY_DTYPES[dtype_name]
    _check_length(path, name, dtype_name, shape, len(raw), element_count * dtype.itemsize)
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=True)


def _check_length(path, name, dtype_name, shape, actual, expected):
    if actual != expected:
        raise SafeTensorsFormatError(
            f"{path}: tensor '{name}' ({dtype_name} {shape}) needs {expected} bytes but its offsets span {actual}")


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: numpy array} to `path`, tensors laid out in name order."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        little_endian = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
        if little_endian not in SAFETENSORS_DTYPES:
            raise ValueError(f"tensor '{name}': dtype {array.dtype} has no safetensors equivalent here")
        payload = array.astype(little_endian, copy=False).tobytes()
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[little_endian],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(payload)],
        }
        chunks.append(payload)
        offset += len(payload)
    if metadata:
        header["__metadata__"] = {str(key): str(value) for key, value in metadata.items()}

    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # The spec allows trailing spaces in the header; padding to 8 bytes keeps
    # the data section aligned for readers that map the file.
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as stream:
        stream.write(struct.pack("<Q", len(header_bytes)))
        stream.write(header_bytes)
        for chunk in chunks:
            stream.write(chunk)
