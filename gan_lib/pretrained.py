"""Shipped pretrained models: weights plus what is needed to rebuild the model, saved atomically.

The trainer's checkpoints (:mod:`gan_lib.train`) hold a whole training state to
resume from; a *pretrained model* file is smaller: one model's class name, the
keyword arguments that construct it, its ``state_dict`` and free-form metadata
(the command that made it, its measured accuracy). The book ships two: the
reference MNIST classifier and a trained DCGAN generator.

Saving goes through :func:`gan_lib.checkpoint.atomic_torch_save` (a temporary
file, then ``os.replace``), so an interrupted save never leaves a half-written
file. Loading into a model of another class, configuration or shape is a clear
error, not a silent partial load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torch import nn

from gan_lib.checkpoint import atomic_torch_save, load_checked, model_signature, signature_mismatch

FORMAT = "gan_book.model/1"



class CheckpointMismatchError(ValueError):
    """A checkpoint was made for a different model than the one it is loaded into."""


def save_model(model: nn.Module, path: str | os.PathLike, config: dict[str, Any], metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s weights, its constructor arguments ``config`` and ``metadata`` to ``path`` atomically."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "model_class": type(model).__name__,
        "config": dict(config),
        "signature": model_signature(model),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": dict(metadata or {}),
    }
    atomic_torch_save(payload, path)
    return path


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The checkpoint's contents (on CPU), after checking that it is a GAN Book model checkpoint."""
    hint = "the command that produces it is in its module's docstring"
    return load_checked(Path(path), FORMAT, "GAN Book model", hint, error=CheckpointMismatchError)


def load_into(model: nn.Module, path: str | os.PathLike, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load the weights at ``path`` into ``model``; return the checkpoint's metadata.

    Raises :class:`CheckpointMismatchError` when the checkpoint belongs to another
    model class, to other constructor arguments (when ``config`` is given), or
    has weights of other names or shapes.
    """
    payload = read_checkpoint(path)
    expected_class = type(model).__name__
    if payload["model_class"] != expected_class:
        raise CheckpointMismatchError(f"{path} holds a {payload['model_class']}, not a {expected_class}: load it into a {payload['model_class']}.")
    if config is not None and payload["config"] != dict(config):
        raise CheckpointMismatchError(f"{path} was saved from a {expected_class} built with {payload['config']}, not {dict(config)}.")
    problem = signature_mismatch(model_signature(model), payload["signature"])
    if problem:
        raise CheckpointMismatchError(f"{path} does not fit this {expected_class}: {problem}.")
    model.load_state_dict(payload["state_dict"])
    return payload["metadata"]
