#!/usr/bin/python3
"""Converts a PyTorch checkpoint (torch.save of a state_dict, or of a module) to a liandan HDF5
checkpoint, which nn::load / nn::load_module read.

    /usr/bin/python3 scripts/torch_to_hdf5.py model.pt model.h5 [--key model] [--meta k=v ...]

Layout (Note [Checkpoint layout] in nn/include/liandan/nn/checkpoint.hpp): one dataset per tensor
at the root, named by its dotted state_dict key, in state_dict order; float32 / float64 / int64
kept, bool as uint8; float16 / bfloat16 widen to float32 and other integers to int64; string
metadata as root attributes. Reading it back in Python:  h5py.File(path)["fc.weight"][()].

Needs Debian's python3-torch and python3-h5py (hence /usr/bin/python3).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch

WIDEN = {torch.float16: torch.float32, torch.bfloat16: torch.float32, torch.int32: torch.int64,
         torch.int16: torch.int64, torch.int8: torch.int64, torch.uint8: torch.int64}


def as_array(key, tensor):
    """The numpy array stored for one tensor."""
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bool:
        return t.numpy().astype(np.uint8)
    if t.dtype in WIDEN:
        print(f"torch_to_hdf5: {key}: {t.dtype} stored as {WIDEN[t.dtype]}", file=sys.stderr)
        t = t.to(WIDEN[t.dtype])
    if t.dtype not in (torch.float32, torch.float64, torch.int64):
        raise ValueError(f"{key}: unsupported dtype {t.dtype}")
    return t.numpy()


def convert(state_dict, path, metadata=None):
    """Writes state_dict (name -> tensor) and metadata (name -> str) to path in liandan's
    layout, atomically (a temporary file renamed over path)."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with h5py.File(tmp, "w", track_order=True) as f:
            for key, tensor in state_dict.items():
                if not isinstance(tensor, torch.Tensor):
                    raise ValueError(f"{key}: not a tensor ({type(tensor).__name__}); "
                                     "pick the state_dict with --key")
                if not key or "/" in key:
                    raise ValueError(f"invalid key {key!r}: keys are non-empty, without '/'")
                f.create_dataset(key, data=as_array(key, tensor))
            for key, value in (metadata or {}).items():
                f.attrs[key] = str(value)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_state_dict(pt_path, key=None):
    """The state_dict in a torch.save file: a module's, a dict's entry `key`, or the dict."""
    obj = torch.load(pt_path, map_location="cpu")
    if key is not None:
        for part in key.split("."):
            if not isinstance(obj, dict) or part not in obj:
                keys = list(obj) if isinstance(obj, dict) else type(obj).__name__
                raise ValueError(f"--key {key}: no entry {part!r} (found {keys})")
            obj = obj[part]
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise ValueError(f"{pt_path}: holds a {type(obj).__name__}, not a state_dict")
    return obj


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="file written by torch.save")
    parser.add_argument("output", help="HDF5 file to write")
    parser.add_argument("--key", help="dotted path of the state_dict inside the saved object "
                        "(e.g. model for {'model': ..., 'optimizer': ...})")
    parser.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                        help="a string metadata attribute (repeatable)")
    args = parser.parse_args(argv)
    metadata = {"source": os.path.basename(args.input), "torch_version": torch.__version__}
    for item in args.meta:
        k, sep, v = item.partition("=")
        if not sep:
            parser.error(f"--meta {item!r}: expected KEY=VALUE")
        metadata[k] = v
    try:
        state_dict = load_state_dict(args.input, args.key)
        convert(state_dict, args.output, metadata)
    except (ValueError, OSError) as e:
        sys.exit(f"torch_to_hdf5: {args.input}: {e}")
    print(f"torch_to_hdf5: wrote {len(state_dict)} tensors to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
