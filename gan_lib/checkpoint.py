"""Checkpoint plumbing: atomic writes, architecture signatures and the global RNG states.

A checkpoint must never be half-written (a crash mid-write keeps the previous file), must refuse to
load into a model of another architecture with a message saying so, and must carry every random
generator's state so that a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn


def model_signature(model: nn.Module) -> dict[str, tuple[int, ...]]:
    """The architecture as a checkpoint sees it: every state-dict entry's name and shape."""
    return {name: tuple(value.shape) for name, value in model.state_dict().items()}


def signature_mismatch(expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]]) -> str | None:
    """A one-line description of how two signatures differ, or None if they match."""
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        return f"entries only in this model: {missing[:3]}; only in the checkpoint: {unexpected[:3]}"
    for name, shape in expected.items():
        if tuple(found[name]) != shape:
            return f"{name!r} has shape {tuple(found[name])} in the checkpoint and {shape} in this model"
    return None


def global_rng_states() -> dict:
    """The global generators' states (torch CPU and CUDA, NumPy, Python) in a form `torch.load(weights_only=True)` reads."""
    numpy_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "keys": torch.from_numpy(numpy_state[1].astype(np.int64)),
            "pos": int(numpy_state[2]),
            "has_gauss": int(numpy_state[3]),
            "cached_gaussian": float(numpy_state[4]),
        },
        "python": random.getstate(),
    }


def set_global_rng_states(states: dict) -> None:
    """Restore what :func:`global_rng_states` returned."""
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    numpy_state = states["numpy"]
    keys = numpy_state["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, numpy_state["pos"], numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_torch_save(obj: object, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then rename: a reader sees the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, _new_file_mode())  # mkstemp makes files private (0600); a checkpoint is an ordinary file
        with os.fdopen(handle, "wb") as file:
            torch.save(obj, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def load_checked(path: Path, expected_format: str, kind: str, missing_hint: str, error: type[Exception] = ValueError) -> dict:
    """``torch.load`` a checkpoint on CPU (weights only), after checking that it exists and is a ``kind`` checkpoint.

    ``expected_format`` is the ``format`` tag the writer stored; a file without it (or another
    tag) raises ``error``; a missing file raises ``FileNotFoundError`` with ``missing_hint``.
    """
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}; {missing_hint}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        raise error(f"{path} is not a {kind} checkpoint (expected format {expected_format!r}).")
    return payload
