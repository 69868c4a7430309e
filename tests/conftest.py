"""Shared test set-up: the repository root and the notebooks, importable helper scripts."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def real_data_root():
    """Where the real image data sets are: $GAN_BOOK_DATA, else the shared folder beside the repository, else None."""
    import os

    for candidate in (os.environ.get("GAN_BOOK_DATA", "").strip(), str(ROOT.parent / "shared" / "data")):
        if candidate and (Path(candidate) / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
            return Path(candidate)
    return None


import pytest  # noqa: E402


@pytest.fixture
def data_root():
    """The real data root; skips the test (with the reason) when MNIST is not on this machine."""
    root = real_data_root()
    if root is None:
        pytest.skip("MNIST not found: set GAN_BOOK_DATA to a folder with MNIST/raw/ (see gan_lib/data.py); tests never download")
    return root
