"""Real image data sets as device tensors, read offline.

The files are read in torchvision's raw layout under one data root.

- ``images``: MNIST and Fashion-MNIST (and CelebA, opt-in) scaled to [−1, 1],
  with a clear error that says where to put the files when they are missing.
"""

from gan_lib.data import images
from gan_lib.data.images import (
    DATA_ENV,
    DATASETS,
    DEFAULT_ROOT,
    RAW_FILES,
    DatasetNotFoundError,
    ImageData,
    LoaderSampler,
    celeba_loader,
    data_root,
    image_loader,
    load_images,
    missing_data_message,
    to_gan_range,
    to_unit_range,
    torchvision_dataset,
)

__all__ = [
    "images",
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
