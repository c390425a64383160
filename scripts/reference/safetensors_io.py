"""Minimal safetensors writer/reader (no dependency on the `safetensors` package).

Format: 8-byte little-endian u64 header length N, then N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
(offsets relative to the start of the data section), then raw little-endian data.
Names are written sorted; the header is padded with spaces to a multiple of 8.
"""
import json
import struct

import numpy as np

_DTYPES = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
}
_NP_TO_ST = {np.dtype(v).str: k for k, v in _DTYPES.items()}


def _to_numpy(t):
    if hasattr(t, "detach"):  # torch tensor
        t = t.detach().cpu().contiguous().numpy()
    t = np.asarray(t)
    return t if t.flags["C_CONTIGUOUS"] else t.copy(order="C")  # keeps 0-d shapes


def save_file(tensors, path, metadata=None):
    """tensors: dict name -> torch tensor / numpy array (float32, float64, int64, ...)."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = _to_numpy(tensors[name])
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        key = np.dtype(dt).str.replace("=", "<").replace("|", "<")
        if key not in _NP_TO_ST:
            raise ValueError(f"unsupported dtype {arr.dtype} for {name}")
        st = _NP_TO_ST[key]
        data = arr.astype(_DTYPES[st], copy=False).tobytes(order="C")
        header[name] = {"dtype": st, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (8 - len(hjson) % 8) % 8
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_file(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(raw[base + b:base + e], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = arr.copy()
    return out, meta
