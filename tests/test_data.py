"""MNIST and Fashion-MNIST as tensors in the GAN range [−1, 1]: where the
files are, how pixels are scaled, and that nothing is ever downloaded
unasked."""

import pytest
import torch

from gan_lib.data import images as data
from gan_lib.data.images import (
    DatasetNotFoundError,
    ImageData,
    load_images,
    to_gan_range,
    to_unit_range,
)


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    assert data.data_root() == data.DEFAULT_ROOT.expanduser()
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    assert data.data_root() == tmp_path
    assert data.data_root(tmp_path / "explicit") == tmp_path / "explicit"


def test_missing_data_is_a_clear_error_and_never_downloads(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_images("fashion_mnist", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in message
    assert "GAN_BOOK_DATA" in message
    assert "download=True" in message
    assert not any(tmp_path.rglob("*.gz")), (
        "nothing may be downloaded without download=True"
    )


def test_unknown_data_set_name():
    with pytest.raises(ValueError, match="Valid names: mnist, fashion_mnist"):
        load_images("cifar10")


def test_pixel_scaling_closed_form():
    u = torch.tensor([0, 51, 255], dtype=torch.uint8)
    assert torch.allclose(to_gan_range(u), torch.tensor([-1.0, -0.6, 1.0]))
    assert torch.allclose(to_unit_range(to_gan_range(u)), u.float() / 255)
    with pytest.raises(TypeError, match="uint8"):
        to_gan_range(u.float())


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_data_as_one_tensor_in_gan_range(name, data_root):
    test_set = load_images(name, train=False, root=data_root)
    assert test_set.images.shape == (10_000, 1, 28, 28)
    assert test_set.images.dtype == torch.float32
    assert test_set.images.min() == -1.0 and test_set.images.max() == 1.0
    assert set(test_set.labels.tolist()) == set(range(10))


def test_full_training_set_and_limit(data_root):
    assert len(load_images("mnist", root=data_root)) == 60_000
    assert len(load_images("mnist", root=data_root, limit=500)) == 500
    with pytest.raises(ValueError, match="positive"):
        load_images("mnist", root=data_root, limit=0)


def test_loader_path_matches_tensor_path(data_root):
    tensors = load_images("mnist", train=False, root=data_root, limit=3)
    # The transform the loader applies, on the same torchvision data set.
    transform = data.image_loader(
        root=data_root, train=False
    ).dataset.transform
    dataset = data.torchvision_dataset(
        "mnist", train=False, root=data_root, transform=transform
    )
    image, label = dataset[2]
    assert torch.allclose(image, tensors.images[2], atol=1e-6)
    assert label == tensors.labels[2]
    loader = data.image_loader(
        "mnist", batch_size=16, train=False, root=data_root
    )
    batch, labels = next(iter(loader))
    assert batch.shape == (16, 1, 28, 28)
    assert labels.shape == (16,)


def test_sample_is_seeded_and_on_the_data_device():
    images = torch.arange(10.0).view(10, 1, 1, 1)
    source = ImageData(images, torch.arange(10))
    first = source.sample(6, torch.Generator().manual_seed(1))
    again = source.sample(6, torch.Generator().manual_seed(1))
    assert first.shape == (6, 1, 1, 1)
    assert torch.equal(first, again)
    assert first.device == images.device


def test_missing_data_message_names_no_development_folder(tmp_path):
    """The message is read by students in Colab: it may not point at a
    folder that exists only in this project's development set-up."""
    message = data.missing_data_message("mnist", tmp_path)
    assert "shared" not in message


def test_celeba_is_opt_in_and_a_missing_copy_says_what_to_do(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        data.celeba_loader(root=tmp_path)
    message = str(info.value)
    assert "download=True" in message and "celeba" in message
    assert not any(tmp_path.rglob("*.zip")), "CelebA downloads only if asked"


def test_loader_sampler_cuts_and_joins_batches_across_epochs():
    """m need not be the loader's batch size; epochs follow one another."""
    from torch.utils.data import DataLoader, TensorDataset

    images = torch.arange(10.0)[:, None]
    loader = DataLoader(
        TensorDataset(images, torch.zeros(10)),
        batch_size=4,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )
    sampler = data.LoaderSampler(loader)
    drawn = torch.cat([sampler(3) for _ in range(8)])  # 24 = 3 epochs of 8
    assert drawn.shape == (24, 1)
    for epoch in drawn.view(3, 8):
        # each epoch: 8 distinct images (two full batches of 4)
        assert len(set(epoch.flatten().tolist())) == 8


def test_loader_sampler_trains_with_the_trainer():
    from torch.utils.data import DataLoader, TensorDataset

    from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
    from gan_lib.training.trainer import Trainer

    points = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    loader = DataLoader(TensorDataset(points), batch_size=16, shuffle=True)
    trainer = Trainer(
        MLPGenerator(2, 2, hidden=8, depth=1),
        MLPDiscriminator(2, hidden=8, depth=1),
        data.LoaderSampler(loader),
        batch_size=8,
        device="cpu",
    )
    trainer.train(10, progress=False)
    assert trainer.iteration == 10


def test_empty_loader_is_a_clear_error():
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(
        TensorDataset(torch.zeros(3, 1)), batch_size=4, drop_last=True
    )
    with pytest.raises(ValueError, match="no batches"):
        data.LoaderSampler(loader)(2)
