"""The pix2pix generator: a U-Net that maps an image to an image.

In pix2pix (Isola et al. 2017) the generator G maps an input image to an
output image. The paper writes this G: {x, z} → y. Here the input is the
condition, not a sample of p_data, and the noise z enters only as dropout
(the paper's section 3.1). The generator is an encoder-decoder with skip
connections (section 3.2.1): decoder stage i gets the encoder's feature
map of the same size concatenated on the channel axis,

.. math::
    d_i = \\mathrm{up}_i([d_{i+1}; e_i]),

so low-level detail such as the position of an edge goes straight from
input to output and does not have to pass the bottleneck. With
``skips=False`` the same network is a plain encoder-decoder, d_i =
up_i(d_{i+1}), the baseline of the paper's Figure 5.

The layers follow the paper's appendix (6.1.1), scaled down from 256×256
to the book's 28×28 images. Ck is a 4×4 convolution with k filters, then
batch norm and a ReLU; CDk adds 50 % dropout. The encoder is C64-C128-…
with LeakyReLU(0.2) and no batch norm on its first layer. The decoder is
CD512-…-C128 with plain ReLU, and a final convolution with Tanh. Weights
start as in DCGAN, N(0, 0.02) (appendix 6.2).

Dropout, the paper's noise. The paper applies dropout at training *and* at
test time (sections 3.1 and 3.3), and observes "only minor stochasticity"
in the outputs. The book turns it off in eval mode by default
(``dropout_at_test=False``): the book measures a model in eval mode
(:mod:`gan_lib.nn.modes`), where its output must be a function of its
input alone, so that a measurement can be repeated and changes nothing.
``dropout_at_test=True`` keeps the paper's behaviour, for a chapter that
shows how little the output varies; it draws from torch's global
generator, so seed that before such a measurement.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gan_lib.nn.dcgan import LEAKY_SLOPE, init_dcgan_weights

__all__ = ["TestTimeDropout", "UNetGenerator"]


class TestTimeDropout(nn.Dropout):
    """Dropout that can stay on in eval mode, as the paper's noise does.

    With ``at_test=False`` it is ``nn.Dropout``. With ``at_test=True`` it
    drops units in eval mode too, drawing from torch's global generator.
    """

    __test__ = False  # a layer, not a test case for pytest to collect

    def __init__(self, p: float = 0.5, at_test: bool = False) -> None:
        super().__init__(p)
        self.at_test = at_test

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.p, self.training or self.at_test)

    def extra_repr(self) -> str:
        return f"p={self.p}, at_test={self.at_test}"


class UNetGenerator(nn.Module):
    """G: an input image → an output image in [−1, 1], same size.

    ``depth`` stride-2 convolutions halve the map (28 → 14 → 7); the widths
    are ngf, 2·ngf, …, ngf·2^(depth−1) (ngf = ``width``). A 3×3 bottleneck
    keeps the smallest map, and ``depth`` transposed convolutions double it
    back. Each of those reads the bottleneck's or the previous stage's
    output concatenated with the mirrored encoder map (``skips=True``).
    Dropout follows the batch norm of the bottleneck and of every decoder
    stage but the last, as the paper puts it only in the decoder's deepest
    layers. An image side must be a multiple of 2^depth.

    The book's model, ``UNetGenerator(width=32, depth=2)``::

        x          1 × 28²
        e₁        32 × 14²    conv 4×4, stride 2; LeakyReLU
        e₂        64 × 7²     conv 4×4, stride 2; BN, LeakyReLU
        b         64 × 7²     conv 3×3, stride 1; BN, Dropout, ReLU
        [b; e₂]  128 × 7²     skip: concatenate e₂
        d₂        32 × 14²    transposed conv 4×4, stride 2; BN, Dropout, ReLU
        [d₂; e₁]  64 × 14²    skip: concatenate e₁
        d₁        32 × 28²    transposed conv 4×4, stride 2; BN, ReLU
        y          1 × 28²    conv 3×3, stride 1; Tanh

    The encoder-decoder without skips (Figure 5's baseline),
    ``UNetGenerator(width=32, depth=2, skips=False)``::

        x          1 × 28²
        e₁        32 × 14²    conv 4×4, stride 2; LeakyReLU
        e₂        64 × 7²     conv 4×4, stride 2; BN, LeakyReLU
        b         64 × 7²     conv 3×3, stride 1; BN, Dropout, ReLU
        d₂        32 × 14²    transposed conv 4×4, stride 2; BN, Dropout, ReLU
        d₁        32 × 28²    transposed conv 4×4, stride 2; BN, ReLU
        y          1 × 28²    conv 3×3, stride 1; Tanh
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        width: int = 32,
        depth: int = 2,
        dropout: float = 0.5,
        skips: bool = True,
        dropout_at_test: bool = False,
    ) -> None:
        super().__init__()
        for name, value in [
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("width", width),
            ("depth", depth),
        ]:
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(
                f"dropout is a drop probability in [0, 1), got {dropout}; "
                "use 0 for no dropout, 0.5 for the paper's"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.depth, self.skips = depth, skips
        # ngf, 2·ngf, …, ngf·2^(depth−1): e_i has widths[i − 1] channels.
        widths = [width * 2**i for i in range(depth)]
        drop = (dropout, dropout_at_test)

        # Encoder, e_i: C × s²  →  widths[i − 1] × (s/2)²; no batch norm
        # on the first layer (the paper's appendix).
        self.encoder = nn.ModuleList(
            _down(widths[i - 1] if i else in_channels, widths[i], norm=i > 0)
            for i in range(depth)
        )
        # Bottleneck b: widths[−1] × (side/2^depth)², the same shape out.
        self.bottleneck = nn.Sequential(
            nn.Conv2d(widths[-1], widths[-1], 3, 1, 1, bias=False),
            nn.BatchNorm2d(widths[-1]),
            *_dropout(*drop),
            nn.ReLU(),
        )
        # Decoder, d_i for i = depth, …, 1: [d_{i+1}; e_i] with skips (or
        # d_{i+1} alone), 2× the map, and the channels of e_{i−1}; d_1 has
        # ngf. d_{depth+1} is b. Dropout in the deep stages only (i > 1).
        self.decoder = nn.ModuleList(
            _up(
                widths[i - 1] * (2 if skips else 1),
                widths[i - 2] if i > 1 else width,
                drop if i > 1 else (0.0, False),
            )
            for i in range(depth, 0, -1)
        )
        # ngf × side²  →  out_channels × side²: a 3×3 rather than a 1×1
        # output conv, so each pixel also reads its neighbours and can smooth
        # the transposed convolution's checkerboard pattern.
        self.head = nn.Sequential(
            nn.Conv2d(width, out_channels, 3, 1, 1), nn.Tanh()
        )
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        features = []  # e_1, …, e_depth, kept for the skips
        for block in self.encoder:
            x = block(x)
            features.append(x)
        x = self.bottleneck(x)
        for block in self.decoder:
            e = features.pop()  # the encoder map of x's size: e_i
            x = block(torch.cat([x, e], dim=1) if self.skips else x)
        return self.head(x)

    def _check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                "the U-Net expects images of shape "
                f"(batch, {self.in_channels}, height, width), "
                f"got {tuple(x.shape)}"
            )
        step = 2**self.depth
        if x.shape[2] % step or x.shape[3] % step:
            raise ValueError(
                f"a U-Net of depth {self.depth} halves the image "
                f"{self.depth} times, so its sides must be multiples of "
                f"{step}; got {x.shape[2]}×{x.shape[3]}. For 28×28 images "
                "use depth 1 or 2."
            )


def _down(c_in: int, c_out: int, norm: bool) -> nn.Sequential:
    """An encoder stage: conv 4×4, stride 2 (halves the map), LeakyReLU."""
    return nn.Sequential(
        # No bias before a batch norm: the norm subtracts it again.
        nn.Conv2d(c_in, c_out, 4, 2, 1, bias=not norm),
        *([nn.BatchNorm2d(c_out)] if norm else []),
        nn.LeakyReLU(LEAKY_SLOPE),
    )


def _up(c_in: int, c_out: int, drop: tuple[float, bool]) -> nn.Sequential:
    """A decoder stage: transposed conv 4×4, stride 2 (doubles the map)."""
    return nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
        nn.BatchNorm2d(c_out),
        *_dropout(*drop),
        nn.ReLU(),
    )


def _dropout(p: float, at_test: bool) -> list[nn.Module]:
    """[TestTimeDropout(p)], or no layer at all when p = 0."""
    return [TestTimeDropout(p, at_test)] if p else []
