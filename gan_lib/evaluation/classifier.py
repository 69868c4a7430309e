"""Reference classifiers: the book's instruments for generated images.

A small CNN (two 5×5 convolutions with max pooling, a 64-unit feature
layer, ten logits) for 28×28 grayscale images, trained on the 60,000 training
images of one data set. The book ships two, one per data set of
:mod:`gan_lib.data.images`:

- ``mnist``: ``gan_lib/checkpoints/mnist_classifier.pt``; its held-out
  accuracy on the 10,000 test digits is tested (≥ 99%);
- ``fashion_mnist``: ``gan_lib/checkpoints/fashion_mnist_classifier.pt``, the
  same network and recipe on Fashion-MNIST's ten kinds of clothing, a harder
  task (tested ≥ 90%; Xiao et al. 2017 report 87–92% for classic
  classifiers).

Their 64 features feed the Fréchet classifier distance in
:mod:`gan_lib.evaluation.sample_quality`. A classifier is a measuring device,
not a GAN part, so it may pool (the DCGAN guidelines are for G and D). The
class keeps the name ``MNISTClassifier`` of the MNIST format it reads.

Each checkpoint (and its training log beside it) is reproduced on CPU in a
few minutes by::

    export GAN_BOOK_DATA=../shared/data
    python -m gan_lib.experiments.reference_classifiers --train --dataset mnist
    python -m gan_lib.experiments.reference_classifiers --train \
        --dataset fashion_mnist

Inputs are images in [−1, 1] of shape (N, 1, 28, 28), the scale of
:func:`gan_lib.data.images.load_images` and of a generator's Tanh output.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_lib.data.images import ImageData
from gan_lib.training import checkpoint

__all__ = [
    "CHECKPOINT_DIR",
    "DEFAULT_CHECKPOINT",
    "REFERENCE_CHECKPOINTS",
    "NUM_CLASSES",
    "MNISTClassifier",
    "in_batches",
    "accuracy",
    "train_classifier",
    "reference_checkpoint",
    "load_reference_classifier",
]

CHECKPOINT_DIR = Path(__file__).resolve().parents[1] / "checkpoints"
DEFAULT_CHECKPOINT = CHECKPOINT_DIR / "mnist_classifier.pt"
REFERENCE_CHECKPOINTS = {
    "mnist": DEFAULT_CHECKPOINT,
    "fashion_mnist": CHECKPOINT_DIR / "fashion_mnist_classifier.pt",
}
NUM_CLASSES = 10


class MNISTClassifier(nn.Module):
    """p(y | x) as logits for 28×28 grayscale images.

    conv(5×5)–ReLU–pool ×2, a ``feature_dim``-unit ReLU layer φ(x), then 10
    logits.
    """

    def __init__(self, width: int = 16, feature_dim: int = 64) -> None:
        super().__init__()
        self.config = {"width": width, "feature_dim": feature_dim}
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (width) x 14 x 14
            nn.Conv2d(width, 2 * width, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (2 width) x 7 x 7
            nn.Flatten(),
            nn.Linear(2 * width * 49, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, NUM_CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """φ(x) ∈ R^feature_dim, the penultimate layer.

        This is the space of the Fréchet classifier distance.
        """
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(
                "the reference classifier expects images of shape "
                f"(batch, 1, 28, 28) in [-1, 1], got {tuple(x.shape)}"
            )
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@torch.no_grad()
def in_batches(
    function, images: torch.Tensor, batch_size: int = 1000
) -> torch.Tensor:
    """``function`` applied to ``images`` chunk by chunk, concatenated.

    Runs without gradients, so a large set fits in memory.
    """
    return torch.cat([function(chunk) for chunk in images.split(batch_size)])


def accuracy(model: MNISTClassifier, data: ImageData) -> float:
    """Fraction of ``data`` whose most probable class is its label."""
    model.eval()
    predictions = in_batches(model, data.images).argmax(1)
    return (predictions == data.labels).float().mean().item()


def train_classifier(
    train: ImageData,
    epochs: int = 6,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    log=print,
) -> MNISTClassifier:
    """Minimise the cross-entropy −E log p(y | x) with Adam.

    The learning rate decays linearly to 0 over ``epochs``.
    """
    # the shuffling has its own generator; the global seed fixes the init
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = MNISTClassifier().to(train.images.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = len(train) // batch_size
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 1 - step / (epochs * steps_per_epoch)
    )
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator).to(
            train.images.device
        )
        # summed on the device: .item() every step would sync with the GPU
        total = torch.zeros((), device=train.images.device)
        # drop the last partial batch, so every step sees batch_size images
        batches = order[: steps_per_epoch * batch_size].view(
            steps_per_epoch, batch_size
        )
        for index in batches:
            loss = F.cross_entropy(
                model(train.images[index]), train.labels[index]
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.detach()
        mean_loss = total.item() / steps_per_epoch
        log(
            f"epoch {epoch + 1}/{epochs}: "
            f"mean training cross-entropy {mean_loss:.4f} nats"
        )
    return model.eval()


def reference_checkpoint(dataset: str) -> Path:
    """Where the shipped reference classifier for ``dataset`` lives.

    ``dataset`` is ``mnist`` or ``fashion_mnist``.
    """
    try:
        return REFERENCE_CHECKPOINTS[dataset]
    except KeyError:
        raise ValueError(
            f"No reference classifier for {dataset!r}. "
            f"Valid data sets: {', '.join(REFERENCE_CHECKPOINTS)}."
        ) from None


def load_reference_classifier(
    path: str | Path | None = None,
    device: torch.device | str = "cpu",
    *,
    dataset: str = "mnist",
) -> MNISTClassifier:
    """The shipped reference classifier for ``dataset``.

    Or the one at ``path``; loaded on CPU, returned in eval mode on
    ``device``.
    """
    path = reference_checkpoint(dataset) if path is None else path
    saved = checkpoint.read_checkpoint(path)
    model = MNISTClassifier(**saved["config"])
    checkpoint.load_into(model, path, config=model.config)
    return model.to(device).eval()
