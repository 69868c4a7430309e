"""Atomic checkpoint writes: the old file survives a failed write, and a new
file gets ordinary permissions."""

import os
import pickle
import stat

import pytest
import torch

from gan_lib.training.checkpoint import atomic_torch_save


def test_a_saved_checkpoint_has_the_mode_of_an_ordinary_new_file(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_torch_save({"x": torch.ones(2)}, tmp_path / "c.pt")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "c.pt").stat().st_mode) == 0o644
    assert torch.equal(
        torch.load(tmp_path / "c.pt", weights_only=True)["x"], torch.ones(2)
    )


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path,
):
    path = tmp_path / "c.pt"
    atomic_torch_save({"version": 1}, path)
    # Pickling a local lambda raises AttributeError before Python 3.14 and
    # PicklingError from 3.14 on.
    with pytest.raises((AttributeError, pickle.PicklingError), match="pickle"):
        atomic_torch_save({"unpicklable": lambda: None}, path)
    assert torch.load(path, weights_only=True) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
