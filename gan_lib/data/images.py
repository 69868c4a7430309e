"""Real images for the image chapters: MNIST, Fashion-MNIST, optionally CelebA.

The loaders are torchvision's own (``torchvision.datasets``), reading the raw
files under one data root:

- the root is ``$GAN_BOOK_DATA`` when set, else ``~/.cache/gan_book``;
- files are read with ``download=False`` unless a caller passes
  ``download=True`` explicitly; tests and the ``smoke``/``cpu`` notebook runs
  never download;
- a data set that is absent offline stops with :class:`DatasetNotFoundError`,
  whose message says where the files go and how to get them.

A GAN on MNIST scales pixels from {0, …, 255} to [−1, 1], the range of the
generator's Tanh output:

.. math:: x = 2\\,\\frac{u}{255} - 1 .

Small data sets (60,000 images of 28×28 are 188 MB as float32) are kept as
one tensor on the training device (:func:`load_images`), so that drawing a
minibatch is one indexing operation on the device and a training step does no
per-batch host work. :func:`image_loader` is the ``DataLoader`` path for data
that do not fit in memory (CelebA, for instance).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

__all__ = [
    "DATA_ENV",
    "DEFAULT_ROOT",
    "DATASETS",
    "RAW_FILES",
    "DatasetNotFoundError",
    "data_root",
    "missing_data_message",
    "torchvision_dataset",
    "to_gan_range",
    "to_unit_range",
    "ImageData",
    "load_images",
    "image_loader",
    "celeba_loader",
    "LoaderSampler",
]

DATA_ENV = "GAN_BOOK_DATA"
DEFAULT_ROOT = Path("~/.cache/gan_book")

# Name in the book -> (torchvision class name,
#                      folder torchvision reads under the root, citation).
DATASETS = {
    "mnist": ("MNIST", "MNIST", "LeCun et al. 1998"),
    "fashion_mnist": (
        "FashionMNIST",
        "FashionMNIST",
        "Xiao, Rasul, Vollgraf 2017",
    ),
}
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class DatasetNotFoundError(FileNotFoundError):
    """A data set is not on disk and may not (or could not) be downloaded."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds the data sets.

    ``root`` if given, else ``$GAN_BOOK_DATA``, else ``~/.cache/gan_book``.
    """
    if root is None:
        root = os.environ.get(DATA_ENV, "").strip() or DEFAULT_ROOT
    return Path(root).expanduser()


def _dataset_class(name: str):
    import torchvision.datasets

    try:
        class_name = DATASETS[name][0]
    except KeyError:
        raise ValueError(
            f"Unknown data set {name!r}. Valid names: {', '.join(DATASETS)}."
        ) from None
    return getattr(torchvision.datasets, class_name)


def missing_data_message(name: str, root: Path) -> str:
    """What to do when data set ``name`` is not under ``root``.

    The message says where the files go and how to get them.
    """
    folder = root / DATASETS[name][1] / "raw"
    files = ", ".join(RAW_FILES)
    return (
        f"The {name} data set is not in {folder}.\n"
        f"Either (a) put the four uncompressed files there ({files}), "
        f"or set {DATA_ENV} to a folder that holds {DATASETS[name][1]}/raw/; "
        "or (b) on a machine with internet, download it once with "
        f"gan_lib.data.images.load_images({name!r}, download=True), "
        f"which stores it under {root}."
    )


def torchvision_dataset(
    name: str,
    train: bool = True,
    download: bool = False,
    root: str | os.PathLike | None = None,
    transform=None,
):
    """torchvision's dataset object for ``name`` under :func:`data_root`.

    ``name`` is ``mnist`` or ``fashion_mnist``. Never downloads unless
    ``download=True``; a missing data set raises
    :class:`DatasetNotFoundError` with instructions.
    """
    dataset_class, folder = _dataset_class(name), data_root(root)
    try:
        return dataset_class(
            str(folder), train=train, download=download, transform=transform
        )
    except RuntimeError as err:
        # torchvision's "Dataset not found. You can use download=True ..."
        raise DatasetNotFoundError(missing_data_message(name, folder)) from err
    except OSError as err:  # a download that failed (offline, mirror down)
        if not download:
            raise
        raise DatasetNotFoundError(
            f"Downloading {name} failed ({err}).\n"
            + missing_data_message(name, folder)
        ) from err


def to_gan_range(pixels: torch.Tensor) -> torch.Tensor:
    """x = 2u/255 − 1: uint8 pixels u in {0, …, 255} to floats in [−1, 1].

    [−1, 1] is the range of the generator's Tanh output.
    """
    if pixels.dtype != torch.uint8:
        raise TypeError(
            "to_gan_range expects uint8 pixels in 0..255, "
            f"got dtype {pixels.dtype}"
        )
    return pixels.float().mul_(2.0 / 255.0).sub_(1.0)


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """u = (x + 1)/2, clamped: images in [−1, 1] to [0, 1] for display."""
    return x.add(1.0).div(2.0).clamp(0.0, 1.0)


@dataclass(frozen=True)
class ImageData:
    """A data set held as tensors on one device.

    ``images`` has shape (N, 1, 28, 28) with values in [−1, 1]; ``labels``
    has shape (N,).
    """

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return self.images.shape[0]

    def sample(
        self, batch_size: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``batch_size`` images drawn uniformly with replacement.

        The indices are drawn on the data's device, so no host work is done.
        """
        index = torch.randint(
            len(self),
            (batch_size,),
            generator=generator,
            device=self.images.device,
        )
        return self.images[index]


def load_images(
    name: str = "mnist",
    train: bool = True,
    device: torch.device | str = "cpu",
    limit: int | None = None,
    download: bool = False,
    root: str | os.PathLike | None = None,
) -> ImageData:
    """The whole data set as one float tensor on ``device``.

    The images are scaled to [−1, 1] and have shape (N, 1, 28, 28).

    ``limit`` keeps the first ``limit`` images (for the ``smoke`` profile).
    """
    dataset = torchvision_dataset(
        name, train=train, download=download, root=root
    )
    pixels, labels = dataset.data, torch.as_tensor(dataset.targets)
    if limit is not None:
        if limit < 1:
            raise ValueError(
                f"limit must be a positive number of images, got {limit}"
            )
        pixels, labels = pixels[:limit], labels[:limit]
    images = to_gan_range(pixels).unsqueeze(1)
    return ImageData(images.to(device), labels.to(device))


def image_loader(
    name: str = "mnist",
    batch_size: int = 128,
    train: bool = True,
    download: bool = False,
    root: str | os.PathLike | None = None,
    num_workers: int = 0,
    seed: int = 0,
) -> DataLoader:
    """A shuffling ``DataLoader`` of (images in [−1, 1], labels).

    The path for data that do not fit on the device.
    """
    import torchvision.transforms as T

    # ToTensor gives u/255; then (u/255 − 0.5)/0.5 = 2u/255 − 1
    transform = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    dataset = torchvision_dataset(
        name, train=train, download=download, root=root, transform=transform
    )
    return _shuffled_loader(dataset, batch_size, num_workers, seed)


def celeba_loader(
    image_size: int = 64,
    batch_size: int = 128,
    download: bool = False,
    root: str | os.PathLike | None = None,
    num_workers: int = 2,
    seed: int = 0,
) -> DataLoader:
    """CelebA faces, centre-cropped, resized to ``image_size``, in [−1, 1].

    Optional: no chapter needs it. It downloads only when asked
    (``download=True``), like every loader here; torchvision downloads
    CelebA from Google Drive, which often refuses (quota), and a failure
    raises :class:`DatasetNotFoundError` that says what to do. Train on it
    with ``Trainer(G, D, LoaderSampler(celeba_loader(...), device))``.
    """
    import torchvision.datasets
    import torchvision.transforms as T

    folder = data_root(root)
    transform = T.Compose(
        [
            T.Resize(image_size),
            T.CenterCrop(image_size),
            T.ToTensor(),
            T.Normalize((0.5,) * 3, (0.5,) * 3),
        ]
    )
    try:
        dataset = torchvision.datasets.CelebA(
            str(folder), split="train", download=download, transform=transform
        )
    except Exception as err:
        # torchvision raises RuntimeError, OSError or gdown's own errors here
        celeba = folder / "celeba"
        how = (
            "Its Google Drive download is often over quota. "
            if download
            else "Pass download=True to fetch it (about 1.4 GB), or "
        )
        raise DatasetNotFoundError(
            f"CelebA could not be loaded from {celeba} "
            f"({type(err).__name__}: {err}).\n"
            f"{how}download img_align_celeba.zip and the list_*.txt / "
            "identity_CelebA.txt files by hand from "
            "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html into "
            f"{celeba} (unzip the images there), "
            "then call celeba_loader(download=False). "
            "The MNIST chapters do not need CelebA."
        ) from err
    return _shuffled_loader(dataset, batch_size, num_workers, seed)


class LoaderSampler:
    """The trainer's data sampler over a ``DataLoader``: x ~ p_data in batches.

    Each call returns the next m images of the loader's stream on
    ``device``; epochs follow one another, each shuffled by the loader's own
    seeded generator. Batches of the loader are cut or joined to m, so m
    need not equal the loader's batch size. Labels are dropped.

    The trainer passes its generator; the loader's order does not use it
    (the loader shuffles with its own), so a run is reproducible with
    ``num_workers=0`` or seeded workers, but a resumed run restarts the
    loader's epoch.
    """

    def __init__(
        self, loader: DataLoader, device: torch.device | str = "cpu"
    ) -> None:
        self.loader, self.device = loader, torch.device(device)
        self._batches = iter(())
        self._left = None  # images fetched but not yet handed out

    def __call__(
        self, m: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        parts, have = [], 0
        while have < m:
            batch = self._take()
            parts.append(batch)
            have += len(batch)
        images = torch.cat(parts) if len(parts) > 1 else parts[0]
        self._left = images[m:] if len(images) > m else None
        # non_blocking: a pinned host batch overlaps its copy with compute
        return images[:m].to(self.device, non_blocking=True)

    def _take(self) -> torch.Tensor:
        if self._left is not None:
            left, self._left = self._left, None
            return left
        try:
            batch = next(self._batches)
        except StopIteration:  # a new epoch, shuffled anew by the loader
            self._batches = iter(self.loader)
            batch = next(self._batches, None)
            if batch is None:
                raise ValueError(
                    "the loader yields no batches (is the data set smaller "
                    "than one batch with drop_last=True?)"
                ) from None
        return batch[0] if isinstance(batch, (list, tuple)) else batch


def _shuffled_loader(
    dataset, batch_size: int, num_workers: int, seed: int
) -> DataLoader:
    """Shuffled full batches in an order fixed by ``seed``."""
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
    )
