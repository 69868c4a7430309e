"""Real image data sets as device tensors, read offline.

The files are read in torchvision's raw layout under one data root.

- ``images``: MNIST and Fashion-MNIST (and CelebA, opt-in) scaled to [−1, 1],
  with a clear error that says where to put the files when they are missing.
- ``paired``: paired image-to-image tasks built from those (edges → items,
  masked → digits) and a sampler that carries each pair as one image.
"""

from gan_lib.data import images, paired
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
from gan_lib.data.paired import (
    DIGIT_MARGIN,
    EDGE_THRESHOLD,
    MASK_REGIONS,
    SOBEL_X,
    PairedData,
    edge_map,
    join_pair,
    masked,
    removal_mask,
    sobel_magnitude,
    split_pair,
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
    "paired",
    "SOBEL_X",
    "EDGE_THRESHOLD",
    "MASK_REGIONS",
    "DIGIT_MARGIN",
    "sobel_magnitude",
    "edge_map",
    "removal_mask",
    "masked",
    "join_pair",
    "split_pair",
    "PairedData",
]
