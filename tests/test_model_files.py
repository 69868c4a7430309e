import pytest
import torch

from gan_lib.evaluation.classifier import MNISTClassifier
from gan_lib.nn.dcgan import DCGANGenerator
from gan_lib.training import checkpoint
from gan_lib.training.checkpoint import (
    CheckpointMismatchError,
    load_into,
    save_model,
)


def test_round_trip_restores_weights_and_metadata(tmp_path):
    torch.manual_seed(0)
    model, copy = (
        MNISTClassifier(width=4, feature_dim=8),
        MNISTClassifier(width=4, feature_dim=8),
    )
    save_model(model, tmp_path / "c.pt", model.config, {"accuracy": 0.5})
    metadata = load_into(copy, tmp_path / "c.pt", config=copy.config)
    assert metadata == {"accuracy": 0.5}
    saved, loaded = model.state_dict(), copy.state_dict()
    assert all(
        torch.equal(a, b)
        for a, b in zip(saved.values(), loaded.values(), strict=True)
    )


def test_wrong_model_is_a_clear_error(tmp_path):
    model = MNISTClassifier(width=4, feature_dim=8)
    save_model(model, tmp_path / "c.pt", model.config)
    with pytest.raises(
        CheckpointMismatchError,
        match="holds a MNISTClassifier, not a DCGANGenerator",
    ):
        load_into(DCGANGenerator(28, latent_dim=8, width=4), tmp_path / "c.pt")
    other = MNISTClassifier(width=8, feature_dim=8)
    with pytest.raises(CheckpointMismatchError, match="built with"):
        load_into(other, tmp_path / "c.pt", config=other.config)
    with pytest.raises(CheckpointMismatchError, match="has shape"):
        load_into(other, tmp_path / "c.pt")
    torch.save({"weights": 1}, tmp_path / "foreign.pt")
    with pytest.raises(
        CheckpointMismatchError, match="not a GAN Book model checkpoint"
    ):
        load_into(model, tmp_path / "foreign.pt")
    with pytest.raises(FileNotFoundError, match="No checkpoint"):
        load_into(model, tmp_path / "absent.pt")


def test_interrupted_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    model = MNISTClassifier(width=4, feature_dim=8)
    path = save_model(model, tmp_path / "c.pt", model.config, {"version": 1})
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("interrupted while writing")

    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path, model.config, {"version": 2})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"], (
        "no temporary file is left behind"
    )
