"""Where and how big the book's experiments run: device, seeds and run profile.

Every notebook runs at one of three scales, chosen by the environment variable
``GAN_BOOK_PROFILE``:

- ``smoke``: seconds per notebook on tiny data (CI and ``pytest --nbval-lax``);
- ``cpu``:   minutes on a 2-core laptop; the scale the HTML book shows;
- ``gpu``:   full-size runs (the default when CUDA is present, e.g. in Colab).

A notebook states its sizes once, in view::

    steps = profile.pick(smoke=50, cpu=5_000, gpu=30_000)
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch

__all__ = [
    "PROFILE_ENV",
    "DEVICE_ENV",
    "PROFILES",
    "Profile",
    "current_profile",
    "pick",
    "default_device",
    "seed_everything",
    "in_colab",
    "describe_device",
    "setup",
]

PROFILE_ENV = "GAN_BOOK_PROFILE"
DEVICE_ENV = "GAN_BOOK_DEVICE"
PROFILES = ("smoke", "cpu", "gpu")

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """A run profile: a name in :data:`PROFILES`, and sizes picked by it."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in PROFILES:
            raise ValueError(
                f"Unknown run profile {self.name!r}. "
                f"Valid profiles: {', '.join(PROFILES)}. "
                f"Set {PROFILE_ENV} to one of them "
                "(or unset it for the default)."
            )

    def pick(self, *, smoke: T, cpu: T, gpu: T) -> T:
        """Return the value given for this profile."""
        return {"smoke": smoke, "cpu": cpu, "gpu": gpu}[self.name]

    def __str__(self) -> str:
        return self.name


def current_profile() -> Profile:
    """The profile named by ``GAN_BOOK_PROFILE``.

    Unset, it is ``gpu`` where CUDA is present and ``cpu`` elsewhere.
    """
    name = os.environ.get(PROFILE_ENV, "").strip().lower()
    if not name:
        name = "gpu" if torch.cuda.is_available() else "cpu"
    return Profile(name)


def pick(*, smoke: T, cpu: T, gpu: T) -> T:
    """Shorthand for ``current_profile().pick(...)``."""
    return current_profile().pick(smoke=smoke, cpu=cpu, gpu=gpu)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def default_device() -> torch.device:
    """The fastest device present: cuda, then mps, then cpu.

    ``GAN_BOOK_DEVICE`` overrides the choice (for example ``cpu`` on a GPU
    machine, to reproduce the book's stored outputs bit for bit).
    """
    requested = os.environ.get(DEVICE_ENV, "").strip().lower()
    if requested:
        return _checked_device(requested)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _checked_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(
            f"{DEVICE_ENV}={name!r} is not a torch device name "
            "(try cpu, cuda or mps)."
        ) from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{DEVICE_ENV}={name!r} asks for CUDA, "
            "but torch sees no CUDA device here."
        )
    if device.type == "mps" and not _mps_available():
        raise ValueError(
            f"{DEVICE_ENV}={name!r} asks for MPS, "
            "but torch sees no MPS device here."
        )
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and torch's global generators (CPU and CUDA).

    Returns a fresh CPU ``torch.Generator`` seeded with ``seed`` for code that
    prefers an explicit generator to global state.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    random.seed(seed)
    # NumPy's legacy seed must lie in [0, 2**32); torch takes any int64
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(int(seed))


def in_colab() -> bool:
    """True inside a Google Colab kernel."""
    return "google.colab" in sys.modules


def describe_device(device: torch.device) -> str:
    """A human-readable name of ``device`` (the GPU's model on CUDA)."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def setup(seed: int = 0) -> tuple[torch.device, Profile]:
    """What every notebook's first cell calls.

    Seeds Python, NumPy and torch, chooses the device and the profile, and
    prints them, so a stored output says where and how big it ran. On CUDA
    it turns on ``cudnn.benchmark``; on a CPU at the ``smoke`` and ``cpu``
    profiles it sets torch to one thread, as the stored labs were run (a
    lab that wants more sets them after this call).
    """
    seed_everything(seed)
    device, profile = default_device(), current_profile()
    if device.type == "cuda":
        # cuDNN times its convolution algorithms once per shape and keeps
        # the fastest: the labs' shapes never change within a run.
        torch.backends.cudnn.benchmark = True
    elif profile.name != "gpu":
        # One intra-op thread at the stored profiles: the order of a float
        # sum depends on the thread count, and the stored outputs were made
        # with one, so `pytest --nbval` reproduces them on any machine.
        torch.set_num_threads(1)
    print(
        f"gan_lib ready | device: {describe_device(device)} "
        f"| profile: {profile} | seed: {seed}"
    )
    if in_colab() and device.type != "cuda":
        print(
            "No GPU in this Colab session: "
            "Runtime > Change runtime type > GPU, then run again."
        )
    return device, profile
