"""Shared test set-up: the repository root, importable helper scripts, and
the real data when present."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def real_data_root():
    """Where the real image data sets are: $GAN_BOOK_DATA, else the shared
    folder beside the repository, else None."""
    for candidate in (
        os.environ.get("GAN_BOOK_DATA", "").strip(),
        str(ROOT.parent / "shared" / "data"),
    ):
        # MNIST's test images stand for the whole folder.
        marker = Path(candidate) / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
        if candidate and marker.exists():
            return Path(candidate)
    return None


@pytest.fixture
def data_root():
    """The real data root; skips the test (with the reason) when MNIST is not
    on this machine."""
    root = real_data_root()
    if root is None:
        pytest.skip(
            "MNIST not found: set GAN_BOOK_DATA to a folder with MNIST/raw/ "
            "(see gan_lib/data/images.py); tests never download"
        )
    return root


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` need a CUDA device: skipped without one (the
    CPU suite stays green), run by ``scripts/gpu_check.sh quick``."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
