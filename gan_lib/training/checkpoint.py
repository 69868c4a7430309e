"""Checkpoint plumbing: atomic writes, architecture signatures, RNG states.

A checkpoint must never be half-written (a crash mid-write keeps the
previous file), must refuse to load into a model of another architecture
with a message saying so, and must carry every random generator's state so
that a resumed run continues exactly where it stopped. Restoring those
states is all or nothing: each is tried on a temporary generator first.

Two kinds of file are written here. The trainer's checkpoints hold a whole
training state to resume from. A *model file* is smaller: one model's class
name, the keyword arguments that construct it, its ``state_dict`` and
free-form metadata (the command that made it, its measured accuracy); the
book ships the reference classifiers and a trained DCGAN as model files
(:func:`save_model`, :func:`load_into`). Loading into a model of another
class, configuration or shape is a :class:`CheckpointMismatchError`, not a
silent partial load.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "MODEL_FILE_FORMAT",
    "model_signature",
    "signature_mismatch",
    "global_rng_states",
    "check_global_rng_states",
    "set_global_rng_states",
    "atomic_torch_save",
    "load_checked",
    "CheckpointMismatchError",
    "save_model",
    "read_checkpoint",
    "load_into",
]

MODEL_FILE_FORMAT = "gan_book.model/1"


def model_signature(model: nn.Module) -> dict[str, tuple[int, ...]]:
    """The architecture as a checkpoint sees it.

    Every state-dict entry's name and shape.
    """
    return {
        name: tuple(value.shape) for name, value in model.state_dict().items()
    }


def signature_mismatch(
    expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]]
) -> str | None:
    """How two signatures differ, in one line, or None if they match."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        return (
            f"entries only in this model: {missing[:3]}; "
            f"only in the checkpoint: {unexpected[:3]}"
        )
    for name, shape in expected.items():
        if tuple(found[name]) != shape:
            return (
                f"{name!r} has shape {tuple(found[name])} in the checkpoint "
                f"and {shape} in this model"
            )
    return None


def global_rng_states() -> dict:
    """The global generators' states: torch CPU and CUDA, NumPy, Python.

    In a form that ``torch.load(weights_only=True)`` reads: tensors, numbers
    and tuples, no NumPy arrays.
    """
    numpy_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all()
        if torch.cuda.is_available()
        else [],
        "numpy": {
            "keys": torch.from_numpy(numpy_state[1].astype(np.int64)),
            "pos": int(numpy_state[2]),
            "has_gauss": int(numpy_state[3]),
            "cached_gaussian": float(numpy_state[4]),
        },
        "python": random.getstate(),
    }


def _numpy_state(states: dict) -> tuple:
    numpy_state = states["numpy"]
    return (
        "MT19937",
        numpy_state["keys"].numpy().astype(np.uint32),
        numpy_state["pos"],
        numpy_state["has_gauss"],
        numpy_state["cached_gaussian"],
    )


def _python_state(states: dict) -> tuple:
    version, internal, gauss = states["python"]
    return (version, tuple(internal), gauss)


def check_global_rng_states(states: dict) -> None:
    """Raise ``ValueError`` unless :func:`set_global_rng_states` can restore
    every state in ``states``; change no generator.

    Each state is tried on a temporary generator of its kind, so a
    corrupted or foreign state is found before any global generator moves.
    The message names the generator.
    """
    trials = {
        "torch (CPU)": lambda: torch.Generator().set_state(states["torch"]),
        "NumPy": lambda: np.random.RandomState().set_state(
            _numpy_state(states)
        ),
        "Python": lambda: random.Random().setstate(_python_state(states)),
    }
    for i, cuda_state in enumerate(_restorable_cuda_states(states)):
        trials[f"torch (cuda:{i})"] = functools.partial(
            torch.Generator(device=f"cuda:{i}").set_state, cuda_state
        )
    for name, trial in trials.items():
        try:
            trial()
        except Exception as error:  # each library raises its own kind
            raise ValueError(
                f"the stored state of the {name} random generator cannot "
                f"be restored ({type(error).__name__}: {error}); the "
                "checkpoint is corrupted or was not written by gan_lib"
            ) from error


def _restorable_cuda_states(states: dict) -> list[torch.Tensor]:
    """The stored CUDA states for the CUDA devices this machine has.

    None without CUDA; the first ``torch.cuda.device_count()`` with it.
    """
    if not torch.cuda.is_available():
        return []
    return list(states["cuda"])[: torch.cuda.device_count()]


def set_global_rng_states(states: dict) -> None:
    """Restore what :func:`global_rng_states` returned.

    All or nothing: every state is checked first
    (:func:`check_global_rng_states`). The CUDA states are restored for the
    CUDA devices this machine has, and skipped on a machine without CUDA.
    """
    check_global_rng_states(states)
    torch.set_rng_state(states["torch"])
    for i, cuda_state in enumerate(_restorable_cuda_states(states)):
        torch.cuda.set_rng_state(cuda_state, i)
    np.random.set_state(_numpy_state(states))
    random.setstate(_python_state(states))


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less the umask."""
    # Reading the umask means setting it; set it straight back.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_torch_save(obj: object, path: Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename.

    A reader sees the old file or the new one, never half of one. The
    temporary file is in the same folder so that the rename stays on one
    file system, where ``os.replace`` is atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        # mkstemp makes files private (0600); a checkpoint is an ordinary
        # file.
        os.chmod(tmp_name, _new_file_mode())
        with os.fdopen(handle, "wb") as file:
            torch.save(obj, file)
            file.flush()
            # On disk before the rename, so a crash cannot leave a
            # renamed but empty file.
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def load_checked(
    path: Path,
    expected_format: str,
    kind: str,
    missing_hint: str,
    error: type[Exception] = ValueError,
) -> dict:
    """``torch.load`` a ``kind`` checkpoint on CPU, weights only, checked.

    ``expected_format`` is the ``format`` tag the writer stored; a file
    without it (or with another tag) raises ``error``; a missing file raises
    ``FileNotFoundError`` with ``missing_hint``.
    """
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}; {missing_hint}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if (
        not isinstance(payload, dict)
        or payload.get("format") != expected_format
    ):
        raise error(
            f"{path} is not a {kind} checkpoint "
            f"(expected format {expected_format!r})."
        )
    return payload


class CheckpointMismatchError(ValueError):
    """A checkpoint was made for another model than the one loading it."""


def save_model(
    model: nn.Module,
    path: str | os.PathLike,
    config: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write a model file to ``path`` atomically.

    It holds ``model``'s weights, its constructor arguments ``config`` and
    ``metadata``.
    """
    path = Path(path)
    payload = {
        "format": MODEL_FILE_FORMAT,
        "model_class": type(model).__name__,
        "config": dict(config),
        "signature": model_signature(model),
        "state_dict": {
            k: v.detach().cpu() for k, v in model.state_dict().items()
        },
        "metadata": dict(metadata or {}),
    }
    atomic_torch_save(payload, path)
    return path


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The contents (on CPU) of a GAN Book model file, after checking it."""
    hint = "the command that produces it is in its module's docstring"
    return load_checked(
        Path(path),
        MODEL_FILE_FORMAT,
        "GAN Book model",
        hint,
        error=CheckpointMismatchError,
    )


def load_into(
    model: nn.Module,
    path: str | os.PathLike,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Load the weights at ``path`` into ``model``; return their metadata.

    Raises :class:`CheckpointMismatchError` when the checkpoint belongs to
    another model class, to other constructor arguments (when ``config`` is
    given), or has weights of other names or shapes.
    """
    payload = read_checkpoint(path)
    expected_class = type(model).__name__
    if payload["model_class"] != expected_class:
        raise CheckpointMismatchError(
            f"{path} holds a {payload['model_class']}, not a "
            f"{expected_class}: load it into a {payload['model_class']}."
        )
    if config is not None and payload["config"] != dict(config):
        raise CheckpointMismatchError(
            f"{path} was saved from a {expected_class} built with "
            f"{payload['config']}, not {dict(config)}."
        )
    problem = signature_mismatch(model_signature(model), payload["signature"])
    if problem:
        raise CheckpointMismatchError(
            f"{path} does not fit this {expected_class}: {problem}."
        )
    model.load_state_dict(payload["state_dict"])
    return payload["metadata"]
