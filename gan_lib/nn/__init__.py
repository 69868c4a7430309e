"""The players, as torch modules only: D returns logits, G returns samples.

- ``noise``: the latent prior p_z (standard normal or uniform) and
  ``draw_noise``.
- ``mlp``: multilayer-perceptron players for low-dimensional data
  (Chapters 4–8).
- ``maxout``: maxout units (Goodfellow et al. 2013), for the 2014 paper's
  MNIST discriminator (Chapter 9).
- ``dcgan``: DCGAN players by the paper's guidelines (Radford et al. 2015),
  any image size.
- ``conditional``: class-conditional DCGAN players, and the adapter that
  packs labels into z and x so the unchanged trainer trains them.
- ``normalization``: reference and virtual batch norm (Salimans et al. 2016).
- ``packing``: PacGAN's discriminator on packs of samples (Lin et al. 2018).
- ``modes``: ``evaluating``, eval mode while a model is measured.
- ``stacked``: S copies of one network run as one batched module, so the
  seeds of an experiment train in the launches of one run.
- ``superres``: SRGAN's players scaled down to 7×7 → 28×28 (Ledig et al.
  2017), the average-pooled low-resolution images and the bicubic baseline.
- ``unet``: pix2pix's U-Net generator, image to image, with skips and
  dropout as its noise (Isola et al. 2017).
- ``patchgan``: pix2pix's conditional PatchGAN discriminator, a logit per
  patch, and its receptive field.
"""

from gan_lib.nn import (
    conditional,
    dcgan,
    maxout,
    mlp,
    modes,
    noise,
    normalization,
    packing,
    patchgan,
    stacked,
    superres,
    unet,
)
from gan_lib.nn.conditional import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    LabelPackingDiscriminator,
    LabelPackingGenerator,
    check_class_labels,
    labels_from_noise,
    noise_for_labels,
    pack,
    pack_labelled_data,
    unpack,
)
from gan_lib.nn.dcgan import (
    BASE_SIZES,
    INIT_STD,
    LEAKY_SLOPE,
    DCGANDiscriminator,
    DCGANGenerator,
    init_dcgan_weights,
    upsampling_plan,
)
from gan_lib.nn.maxout import Maxout
from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator, mlp_layers
from gan_lib.nn.modes import evaluating
from gan_lib.nn.noise import NOISE_PRIORS, draw_noise
from gan_lib.nn.normalization import (
    NOT_SET_HINT,
    REFERENCE_NORMS,
    ReferenceBatchNorm2d,
    VirtualBatchNorm2d,
    reference_norm_layers,
    reference_pass,
    replace_batch_norm,
    set_reference_batch,
)
from gan_lib.nn.packing import PackedDiscriminator, packed_batch_size
from gan_lib.nn.patchgan import (
    PATCH_LAYERS,
    LayerSpec,
    PatchDiscriminator,
    logit_map_size,
    receptive_field,
)
from gan_lib.nn.stacked import StackedModule
from gan_lib.nn.superres import (
    ResidualBlock,
    SRDiscriminator,
    SRGenerator,
    bicubic_upsample,
    downsample,
)
from gan_lib.nn.unet import TestTimeDropout, UNetGenerator

__all__ = [
    "noise",
    "mlp",
    "maxout",
    "dcgan",
    "conditional",
    "normalization",
    "packing",
    "modes",
    "stacked",
    "StackedModule",
    "evaluating",
    "NOISE_PRIORS",
    "draw_noise",
    "mlp_layers",
    "MLPGenerator",
    "MLPDiscriminator",
    "Maxout",
    "BASE_SIZES",
    "LEAKY_SLOPE",
    "INIT_STD",
    "upsampling_plan",
    "init_dcgan_weights",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "check_class_labels",
    "ConditionalDCGANGenerator",
    "ConditionalDCGANDiscriminator",
    "pack",
    "unpack",
    "pack_labelled_data",
    "labels_from_noise",
    "noise_for_labels",
    "LabelPackingGenerator",
    "LabelPackingDiscriminator",
    "NOT_SET_HINT",
    "ReferenceBatchNorm2d",
    "VirtualBatchNorm2d",
    "REFERENCE_NORMS",
    "reference_norm_layers",
    "reference_pass",
    "set_reference_batch",
    "replace_batch_norm",
    "packed_batch_size",
    "PackedDiscriminator",
    "superres",
    "downsample",
    "bicubic_upsample",
    "ResidualBlock",
    "SRGenerator",
    "SRDiscriminator",
    "unet",
    "TestTimeDropout",
    "UNetGenerator",
    "patchgan",
    "LayerSpec",
    "PATCH_LAYERS",
    "receptive_field",
    "logit_map_size",
    "PatchDiscriminator",
]
