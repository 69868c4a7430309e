"""Text to image on MNIST: G(z, φ(t)) and D(x, φ(t)) from short captions.

Reed et al. (2016), *Generative Adversarial Text to Image Synthesis*,
condition a DCGAN on a sentence: a text encoder maps the caption t to a
vector φ(t), the generator draws x̂ = G(z, φ(t)) and the discriminator scores
the pair, D(x, φ(t)). The book's version (Chapter 16) is small enough to
measure:

**Captions from measurements.** Each MNIST digit gets a caption naming its
class and two attributes measured by Chapter 10's stroke measures
(:func:`gan_lib.evaluation.latent.stroke_thickness` and
:func:`~gan_lib.evaluation.latent.slant`), each cut into three bins at the
training set's terciles q₁ < q₂ (:class:`AttributeBins`):

    b(v) = 0 if v < q₁,  1 if q₁ ≤ v < q₂,  2 if v ≥ q₂,

words ``thin``/``medium``/``thick`` and ``leaning left``/``upright``/
``leaning right``: "a thick, upright seven", "a thin two, leaning left".
The test set is binned with the *training* edges. A caption is tokenised
into its content words (the article and the comma carry nothing), at most
:data:`CAPTION_LENGTH` = 4 of them, padded with :data:`PAD`.

**The text encoder** is a bag of words, φ(t) = (1/|t|) Σ_{w∈t} e_w, with a
learned embedding e_w ∈ R^d per word (:class:`BagOfWordsEncoder`). Word
order carries nothing here (each word belongs to one slot: a digit, a
thickness, a side), so an average loses nothing a GRU would keep. d = 16 =
10 + 3 + 3, the number of one-hot coordinates that code a caption's three
factors: with d that large the encoder *can* give each factor's values
their own directions, so nothing a one-hot code keeps need be lost.

Each player has its own encoder, trained end to end with that player by its
own optimizer: φ_G inside G, φ_D inside D. Reed et al. pre-train a
character-level encoder on a joint embedding of captions and images and
keep it fixed; their released code then trains a separate linear layer on
top of it inside each player (``fcG``, ``fcD`` in ``main_cls.lua`` of
``reedscot/icml2016``). Our vocabulary has 17 words with one meaning each,
so the fixed part is just the word counts, and the learned part, one
embedding table per player, plays the role of their per-player layers. A
single encoder shared by G and D would sit in both optimizers and be
pushed by both costs; one per player keeps each player's parameters its
own, which is what the trainer's ``check_optimizers`` assumes.

**The players** are the DCGAN players of :mod:`gan_lib.nn.dcgan`, with the
caption as extra inputs, as Chapter 11's class-conditional players
(:mod:`gan_lib.nn.conditional`) take the one-hot class:

    G(z, t) = G_DCGAN([z; φ_G(t)]),   D(x, t) = D_DCGAN([x; φ_D(t) ⊗ 1_{H×W}]).

**The unchanged trainer** trains them, as for Chapter 11, by packing each
caption's tokens into the tensors it passes around (:func:`pack_caption`:
the image and L constant token channels). :class:`CaptionSampler` draws the
real pairs (x, t) from the data and G's inputs z' = [z; t] with
``noise=callable``, t a *training* caption drawn at random, so G is asked
for captions at the data's frequencies, as Reed et al. do.

**GAN-CLS**, the matching-aware discriminator (Reed et al. 2016,
Algorithm 1), also shows D real images with mismatched captions t̂ as fake:

    L_D = log D(x, t) + ½ [log(1 − D(x, t̂)) + log(1 − D(G(z, t), t))],

ascended by D (:func:`matching_aware_discriminator_loss` is −L_D on
logits). The trainer's J⁽ᴰ⁾ averages D's cost over a real batch (target 1)
and a "fake" batch (target 0); :class:`MismatchFeeder` fills half of that
fake batch with mismatched real pairs, so the mean over it is the ½ + ½ of
L_D. It does so only in D's step: the trainer draws G's samples for D
under ``torch.no_grad`` (G is fixed there), while G's own step runs with
gradients and sampling runs in eval mode, and both of those get G(z, t)
alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from gan_lib.data.images import ImageData
from gan_lib.evaluation.classifier import MNISTClassifier, in_batches
from gan_lib.evaluation.latent import slant, stroke_thickness
from gan_lib.nn.conditional import noise_for_labels
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.modes import evaluating
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "DIGIT_WORDS",
    "THICKNESS_WORDS",
    "SLANT_WORDS",
    "VOCABULARY",
    "PAD",
    "CAPTION_LENGTH",
    "CAPTION_DIM",
    "LATENT_DIM",
    "measure_attributes",
    "tercile_edges",
    "to_bins",
    "AttributeBins",
    "caption_text",
    "tokenize",
    "caption_tokens",
    "CaptionedDigits",
    "caption_digits",
    "pack_caption",
    "unpack_caption",
    "BagOfWordsEncoder",
    "CaptionGenerator",
    "CaptionDiscriminator",
    "MismatchFeeder",
    "CaptionSampler",
    "matching_aware_discriminator_loss",
    "matching_aware_optimum",
    "make_caption_trainer",
    "caption_samples",
    "class_samples",
    "CaptionMatch",
    "caption_match",
    "blind_match_rates",
    "accidental_match_rate",
]

DIGIT_WORDS = (
    "zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine",
)  # fmt: skip
THICKNESS_WORDS = ("thin", "medium", "thick")  # bins 0, 1, 2
SLANT_WORDS = ("leaning left", "upright", "leaning right")  # bins 0, 1, 2
PAD = 0  # the token that fills a short caption; φ ignores it
VOCABULARY = (
    "<pad>", *DIGIT_WORDS, *THICKNESS_WORDS,
    "upright", "leaning", "left", "right",
)  # fmt: skip
# digit, thickness, and "upright" or "leaning" + side
CAPTION_LENGTH = 4
# 10 + 3 + 3: the one-hot coordinates of a caption's three factors
CAPTION_DIM = 16
LATENT_DIM = 100  # z ∈ R^100, as every DCGAN of the book
_WORD_INDEX = {word: i for i, word in enumerate(VOCABULARY)}


# ------------------------------------------------------ captions from data
def measure_attributes(
    images: torch.Tensor, batch: int = 4_096
) -> tuple[torch.Tensor, torch.Tensor]:
    """(stroke thickness in pixels, slant), each of shape (N,).

    Chapter 10's measures, in batches so 60,000 digits fit in memory.
    """
    thickness, leaning = [], []
    for start in range(0, images.shape[0], batch):
        chunk = images[start : start + batch]
        thickness.append(stroke_thickness(chunk))
        leaning.append(slant(chunk))
    return torch.cat(thickness), torch.cat(leaning)


def tercile_edges(values: torch.Tensor) -> tuple[float, float]:
    """(q₁, q₂): the 1/3 and 2/3 quantiles of ``values``."""
    if values.ndim != 1 or values.numel() < 3:
        raise ValueError(
            "tercile_edges needs a 1D tensor of at least 3 values, "
            f"got shape {tuple(values.shape)}"
        )
    levels = torch.tensor([1 / 3, 2 / 3], dtype=torch.double)
    q = torch.quantile(values.double().cpu(), levels)
    return float(q[0]), float(q[1])


def to_bins(values: torch.Tensor, edges: Sequence[float]) -> torch.Tensor:
    """b(v) ∈ {0, 1, 2}: 0 below q₁, 1 from q₁ up to q₂, 2 from q₂ on."""
    low, high = edges
    if not low <= high:
        raise ValueError(f"edges must be ordered, got {tuple(edges)}")
    boundaries = torch.tensor(
        [low, high], dtype=values.dtype, device=values.device
    )
    # right=True: a value equal to an edge goes to the bin above it
    return torch.bucketize(values, boundaries, right=True)


@dataclass(frozen=True)
class AttributeBins:
    """The tercile edges of stroke thickness and slant, fitted once.

    Fit them on the training set and apply them to any images (the test
    set, G's samples): a bin is a fixed range of the measure.
    """

    thickness: tuple[float, float]
    slant: tuple[float, float]

    @classmethod
    def fit(cls, images: torch.Tensor) -> AttributeBins:
        thickness, leaning = measure_attributes(images)
        return cls(tercile_edges(thickness), tercile_edges(leaning))

    def assign(
        self, images: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(thickness bin, slant bin) of each image, each (N,) in {0,1,2}."""
        thickness, leaning = measure_attributes(images)
        return (
            to_bins(thickness, self.thickness),
            to_bins(leaning, self.slant),
        )


def caption_text(digit: int, thickness_bin: int, slant_bin: int) -> str:
    """The caption in words: "a thick, upright seven", "a thin two, leaning
    left"."""
    _check_caption_factors(digit, thickness_bin, slant_bin)
    thickness = THICKNESS_WORDS[thickness_bin]
    name = DIGIT_WORDS[digit]
    if slant_bin == 1:
        return f"a {thickness}, upright {name}"
    return f"a {thickness} {name}, {SLANT_WORDS[slant_bin]}"


def _check_caption_factors(digit: int, thickness: int, leaning: int) -> None:
    if not (0 <= digit < 10 and 0 <= thickness < 3 and 0 <= leaning < 3):
        raise ValueError(
            "a caption needs a digit in 0..9 and two bins in 0..2, got "
            f"digit={digit}, thickness_bin={thickness}, slant_bin={leaning}"
        )


def tokenize(caption: str) -> list[int]:
    """The caption's content words as vocabulary indices, padded to
    :data:`CAPTION_LENGTH` with :data:`PAD`.

    Lower case; the article "a" and punctuation are dropped.
    """
    words = caption.lower().replace(",", " ").split()
    words = [w for w in words if w != "a"]
    unknown = [w for w in words if w not in _WORD_INDEX or w == "<pad>"]
    if unknown:
        raise ValueError(
            f"unknown words {unknown} in {caption!r}; the vocabulary is "
            f"{', '.join(VOCABULARY[1:])}"
        )
    if len(words) > CAPTION_LENGTH:
        raise ValueError(
            f"{caption!r} has {len(words)} content words; captions hold at "
            f"most {CAPTION_LENGTH}"
        )
    tokens = [_WORD_INDEX[w] for w in words]
    return tokens + [PAD] * (CAPTION_LENGTH - len(tokens))


def _caption_table() -> torch.Tensor:
    """(90, L) tokens of every caption, row 9·digit + 3·thickness + slant.

    Built from :func:`caption_text` and :func:`tokenize`, so tokens and
    words cannot drift apart.
    """
    rows = [
        tokenize(caption_text(d, t, s))
        for d in range(10)
        for t in range(3)
        for s in range(3)
    ]
    return torch.tensor(rows, dtype=torch.long)


def caption_tokens(
    digits: torch.Tensor,
    thickness_bins: torch.Tensor,
    slant_bins: torch.Tensor,
) -> torch.Tensor:
    """Tokens (N, L) of the captions (digit, thickness bin, slant bin)."""
    index = 9 * digits.long() + 3 * thickness_bins.long() + slant_bins.long()
    return _caption_table().to(index.device)[index]


@dataclass(frozen=True)
class CaptionedDigits:
    """Digits with their captions' factors and tokens, on one device."""

    images: torch.Tensor  # (N, 1, 28, 28) in [−1, 1]
    digits: torch.Tensor  # (N,) class y
    thickness_bins: torch.Tensor  # (N,) in {0, 1, 2}
    slant_bins: torch.Tensor  # (N,) in {0, 1, 2}
    tokens: torch.Tensor  # (N, L) vocabulary indices

    def __len__(self) -> int:
        return self.images.shape[0]

    def select(self, index: torch.Tensor) -> CaptionedDigits:
        """The examples at ``index`` (a tensor of indices), as a new set."""
        return CaptionedDigits(
            self.images[index],
            self.digits[index],
            self.thickness_bins[index],
            self.slant_bins[index],
            self.tokens[index],
        )

    def text(self, i: int) -> str:
        """Example i's caption in words."""
        return caption_text(
            int(self.digits[i]),
            int(self.thickness_bins[i]),
            int(self.slant_bins[i]),
        )


def caption_digits(data: ImageData, bins: AttributeBins) -> CaptionedDigits:
    """Caption every digit of ``data`` by its label and ``bins``."""
    thickness_bins, slant_bins = bins.assign(data.images)
    digits = data.labels.long()
    return CaptionedDigits(
        data.images,
        digits,
        thickness_bins,
        slant_bins,
        caption_tokens(digits, thickness_bins, slant_bins),
    )


# ------------------------------------------- packing captions for the trainer
def pack_caption(images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(m, C, H, W) images, (m, L) tokens → (m, C + L, H, W).

    Channel C + j holds token j at every pixel.
    """
    if images.ndim != 4 or tokens.ndim != 2:
        raise ValueError(
            "pack_caption expects images (m, C, H, W) and tokens (m, L), "
            f"got {tuple(images.shape)} and {tuple(tokens.shape)}"
        )
    maps = tokens.to(images.dtype)[:, :, None, None]
    return torch.cat([images, maps.expand(-1, -1, *images.shape[2:])], 1)


def unpack_caption(
    packed: torch.Tensor, length: int = CAPTION_LENGTH
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverse of :func:`pack_caption`: (images, tokens as torch.long)."""
    if packed.ndim != 4 or packed.shape[1] <= length:
        raise ValueError(
            "unpack_caption expects (m, C + L, H, W) with L = "
            f"{length} token channels, got {tuple(packed.shape)}"
        )
    # the token channels are floats: round rather than truncate
    tokens = packed[:, -length:, 0, 0].round().long()
    return packed[:, :-length], tokens


# ------------------------------------------------------------- the players
class BagOfWordsEncoder(nn.Module):
    """φ(t) = (1/|t|) Σ_{w ∈ t} e_w: the mean of the words' embeddings.

    Padding tokens are not words: they have no embedding and do not count
    in |t|.
    """

    def __init__(
        self, vocabulary_size: int = len(VOCABULARY), dim: int = CAPTION_DIM
    ) -> None:
        super().__init__()
        self.dim = dim
        # N(0, 1) rows (torch's default); the padding row stays zero
        self.embedding = nn.Embedding(vocabulary_size, dim, padding_idx=PAD)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.ndim != 2 or tokens.dtype != torch.long:
            raise ValueError(
                "the encoder expects tokens of shape (m, L) as torch.long, "
                f"got {tuple(tokens.shape)} {tokens.dtype}"
            )
        words = (tokens != PAD).to(self.embedding.weight.dtype)  # (m, L)
        total = self.embedding(tokens).sum(1)  # (m, d); PAD rows are 0
        # clamp: an all-padding caption has no words (φ = 0, not 0/0)
        return total / words.sum(1, keepdim=True).clamp_min(1.0)


class CaptionGenerator(nn.Module):
    """For the unchanged trainer: z' = [z; t] → pack(G(z, φ_G(t)), t).

    G(z, t) = G_DCGAN([z; φ_G(t)]), the DCGAN generator with latent_dim +
    d inputs; the tokens t ride in z' as floats.
    """

    def __init__(
        self,
        width: int = 32,
        latent_dim: int = LATENT_DIM,
        caption_dim: int = CAPTION_DIM,
        image_size: int = 28,
        channels: int = 1,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = BagOfWordsEncoder(dim=caption_dim)
        self.body = DCGANGenerator(
            image_size, latent_dim + caption_dim, channels, width
        )
        # what the trainer would read to draw z' (CaptionSampler draws it)
        self.latent_shape = (latent_dim + CAPTION_LENGTH,)

    def forward(self, z_and_tokens: torch.Tensor) -> torch.Tensor:
        if z_and_tokens.ndim != 2 or tuple(z_and_tokens.shape[1:]) != (
            self.latent_shape
        ):
            raise ValueError(
                "the caption generator expects z' = [z; t] of shape "
                f"(m, {self.latent_shape[0]}) (z, then {CAPTION_LENGTH} "
                f"tokens), got {tuple(z_and_tokens.shape)}"
            )
        z = z_and_tokens[:, : self.latent_dim]
        tokens = z_and_tokens[:, self.latent_dim :].round().long()
        phi = self.encoder(tokens).to(z.dtype)  # (m, d)
        return pack_caption(self.body(torch.cat([z, phi], 1)), tokens)


class CaptionDiscriminator(nn.Module):
    """For the unchanged trainer: pack(x, t) → D_DCGAN([x; φ_D(t) ⊗ 1]).

    φ_D(t) enters as d constant maps beside the image, as Chapter 11's
    label maps do; the logit has shape (m,).
    """

    def __init__(
        self,
        width: int = 32,
        caption_dim: int = CAPTION_DIM,
        image_size: int = 28,
        channels: int = 1,
    ) -> None:
        super().__init__()
        self.channels, self.image_size = channels, image_size
        self.encoder = BagOfWordsEncoder(dim=caption_dim)
        self.body = DCGANDiscriminator(
            image_size, channels + caption_dim, width
        )

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        expected = (
            self.channels + CAPTION_LENGTH,
            self.image_size,
            self.image_size,
        )
        if packed.ndim != 4 or tuple(packed.shape[1:]) != expected:
            raise ValueError(
                "the caption discriminator expects packed pairs of shape "
                f"(m, {', '.join(map(str, expected))}) (see pack_caption), "
                f"got {tuple(packed.shape)}"
            )
        images, tokens = unpack_caption(packed)
        phi = self.encoder(tokens).to(images.dtype)  # (m, d)
        maps = phi[:, :, None, None].expand(-1, -1, *images.shape[2:])
        return self.body(torch.cat([images, maps], 1))


class MismatchFeeder(nn.Module):
    """GAN-CLS for the unchanged trainer: wrong captions on real images.

    Input z'' = [z; t; j]: G's input and the index j of a real image. In
    D's step (training mode, no gradient: the trainer draws D's fake batch
    under ``torch.no_grad``) the last ⌊m/2⌋ rows of the fake batch become
    pack(x_j, t): a real image with a caption drawn for another example,
    which D learns to call fake. Everywhere else (G's step, sampling) the
    rows are G(z, t), and j is ignored. ``images`` stays a plain attribute
    (not a buffer), so checkpoints do not carry the data set. The trainer's
    simultaneous protocol draws G's samples once, with gradients, for both
    players, so it would feed no mismatches: use the alternating one.
    """

    def __init__(self, generator: CaptionGenerator, images: torch.Tensor):
        super().__init__()
        self.generator = generator
        self.images = images
        self.latent_shape = (generator.latent_shape[0] + 1,)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        packed = self.generator(inputs[:, :-1])
        if not self.training or torch.is_grad_enabled():
            return packed  # G's step, or measuring: G(z, t) in every row
        m = inputs.shape[0]
        wrong = slice(m - m // 2, m)  # the last ⌊m/2⌋ rows
        index = inputs[wrong, -1].round().long()
        tokens = unpack_caption(packed[wrong])[1]
        real = self.images[index.to(self.images.device)].to(packed)
        return torch.cat([packed[: wrong.start], pack_caption(real, tokens)])


class CaptionSampler:
    """What the trainer draws from captioned digits, with its own stream.

    ``real_pairs(m, generator)``: m packed (x, t) of the data, the trainer's
    ``data``. ``inputs(m, generator)``: G's m inputs z' = [z; t], z ~ N(0, I)
    and t the caption of a random training example (with
    ``mismatch=True`` also the index j of another random example, for
    :class:`MismatchFeeder`), the trainer's ``noise``.
    """

    def __init__(
        self,
        data: CaptionedDigits,
        latent_dim: int = LATENT_DIM,
        mismatch: bool = False,
    ) -> None:
        self.data, self.latent_dim = data, latent_dim
        self.mismatch = mismatch

    def real_pairs(self, m: int, generator: torch.Generator) -> torch.Tensor:
        index = self._index(m, generator)
        return pack_caption(self.data.images[index], self.data.tokens[index])

    def inputs(self, m: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(
            m, self.latent_dim, generator=generator, device=generator.device
        )
        tokens = self.data.tokens[self._index(m, generator)].to(z)
        parts = [z, tokens]
        if self.mismatch:
            parts.append(self._index(m, generator).to(z)[:, None])
        return torch.cat(parts, 1)

    def _index(self, m: int, generator: torch.Generator) -> torch.Tensor:
        index = torch.randint(
            len(self.data), (m,), generator=generator, device=generator.device
        )
        return index.to(self.data.images.device)


def matching_aware_discriminator_loss(
    real_logits: torch.Tensor,
    mismatched_logits: torch.Tensor,
    fake_logits: torch.Tensor,
) -> torch.Tensor:
    """−L_D of GAN-CLS (Reed et al. 2016, Algorithm 1), on logits a.

        −L_D = −log D(x, t) − ½ [log(1 − D(x, t̂)) + log(1 − D(x̂, t))],

    each term a mean over its batch; log D = −softplus(−a) and
    log(1 − D) = −softplus(a), which never take log 0.
    """
    return (
        F.softplus(-real_logits).mean()
        + 0.5 * F.softplus(mismatched_logits).mean()
        + 0.5 * F.softplus(fake_logits).mean()
    )


def matching_aware_optimum(
    p_joint: np.ndarray | float,
    p_product: np.ndarray | float,
    p_model: np.ndarray | float,
) -> np.ndarray | float:
    """D*(x, t) = p(x, t) / (p(x, t) + ½ [p(x) p(t) + p_g(x, t)]).

    The discriminator that maximises GAN-CLS's L_D pointwise: Chapter 5's
    argument with "fake" pairs drawn half from the independent pairs
    p(x) p(t) (mismatches) and half from the model p_g(x, t).
    """
    p_joint = np.asarray(p_joint, dtype=float)
    fake = 0.5 * (np.asarray(p_product, float) + np.asarray(p_model, float))
    return p_joint / (p_joint + fake)


def make_caption_trainer(
    data: CaptionedDigits,
    *,
    width: int = 32,
    batch_size: int = 64,
    matching_aware: bool = False,
    caption_dim: int = CAPTION_DIM,
    lr: float = 2e-4,
    seed: int = 0,
    device: torch.device | str | None = None,
    **options,
) -> Trainer:
    """The book's trainer for the caption GAN on ``data``.

    The recipe of Chapters 11–12: DCGAN width 32, m = 64, k = 1, Adam 2e-4
    with β₁ = 0.5, the non-saturating cost. ``matching_aware`` adds
    GAN-CLS's mismatched pairs. ``options`` go to the Trainer.
    """
    torch.manual_seed(seed)  # G's weights, then D's, from the seed
    generator: nn.Module = CaptionGenerator(width, LATENT_DIM, caption_dim)
    discriminator = CaptionDiscriminator(width, caption_dim)
    if matching_aware:
        if options.get("protocol", "alternating") != "alternating":
            # The feeder finds D's step by G running under no_grad, which
            # only the alternating protocol does: GAN-CLS would silently
            # become the plain game.
            raise ValueError(
                "matching_aware=True (GAN-CLS) needs the alternating "
                "protocol; pass protocol='alternating' or drop "
                "matching_aware"
            )
        generator = MismatchFeeder(generator, data.images)
    sampler = CaptionSampler(data, LATENT_DIM, mismatch=matching_aware)
    settings = dict(
        batch_size=batch_size,
        generator_cost="non_saturating",
        g_optimizer=adam(lr, (0.5, 0.999)),
        d_optimizer=adam(lr, (0.5, 0.999)),
        noise=sampler.inputs,
        device=device,
        seed=seed,
    )
    return Trainer(
        generator, discriminator, sampler.real_pairs, **(settings | options)
    )


# -------------------------------------------------------------- measuring
def _caption_generator(trainer: Trainer) -> CaptionGenerator:
    generator = trainer.generator
    if isinstance(generator, MismatchFeeder):
        generator = generator.generator
    if not isinstance(generator, CaptionGenerator):
        raise TypeError(
            "caption_samples needs a trainer built by make_caption_trainer, "
            f"whose generator is a CaptionGenerator; got "
            f"{type(generator).__name__}"
        )
    return generator


@torch.no_grad()
def caption_samples(
    trainer: Trainer,
    tokens: torch.Tensor,
    seed: int = 0,
    z: torch.Tensor | None = None,
) -> torch.Tensor:
    """G(z, t) for each caption in ``tokens`` (n, L), in eval mode.

    z ~ N(0, I) comes from a stream seeded with ``seed`` (the one
    :func:`class_samples` uses), so the training stream is untouched; or
    pass ``z`` (n, latent_dim) to choose it.
    """
    generator = _caption_generator(trainer)
    z = _noise(tokens.shape[0], generator.latent_dim, seed, z)
    inputs = torch.cat([z, tokens.cpu().float()], 1).to(trainer.device)
    with evaluating(generator):
        return unpack_caption(generator(inputs))[0]


@torch.no_grad()
def class_samples(
    trainer: Trainer,
    digits: torch.Tensor,
    seed: int = 0,
    z: torch.Tensor | None = None,
) -> torch.Tensor:
    """G(z, y) of Chapter 11's one-hot model for each class in ``digits``.

    The trainer is ``recipes.make_trainer(Recipe(conditional=True), ...)``;
    z is drawn as in :func:`caption_samples`, so with the same seed (or the
    same ``z``) both models see the same z.
    """
    conditional = getattr(trainer.generator, "conditional", None)
    if conditional is None:
        raise TypeError(
            "class_samples needs the one-hot conditional model of Chapter "
            "11: build it with Recipe(conditional=True)"
        )
    digits = digits.long().cpu()
    z = _noise(digits.shape[0], conditional.latent_dim, seed, z)
    inputs = noise_for_labels(z, digits, conditional.num_classes)
    with evaluating(trainer.generator):
        # the label-packing generator returns [image; label]: drop the label
        return trainer.generator(inputs.to(trainer.device))[:, :-1]


def _noise(
    n: int, dim: int, seed: int, z: torch.Tensor | None
) -> torch.Tensor:
    """z given, checked; or n draws of N(0, I) from a stream of ``seed``."""
    if z is not None:
        if tuple(z.shape) != (n, dim):
            raise ValueError(
                f"z must have shape ({n}, {dim}), one row per caption, "
                f"got {tuple(z.shape)}"
            )
        return z.detach().float().cpu()
    stream = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=stream)


@dataclass(frozen=True)
class CaptionMatch:
    """How often samples show what their captions say (fractions)."""

    digit: float  # the reference classifier's class is the caption's digit
    thickness: float  # measured thickness in the caption's bin
    slant: float  # measured slant in the caption's bin
    all: float  # all three at once


def caption_match(
    classifier: MNISTClassifier,
    images: torch.Tensor,
    captions: CaptionedDigits,
    bins: AttributeBins,
) -> CaptionMatch:
    """Compare image i with caption i of ``captions`` (same length).

    Its class by the reference classifier, its thickness and slant binned
    with the training edges ``bins``.
    """
    if images.shape[0] != len(captions) or images.shape[0] == 0:
        raise ValueError(
            f"need one caption per image: {images.shape[0]} images, "
            f"{len(captions)} captions"
        )
    device = next(classifier.parameters()).device
    predicted = in_batches(classifier, images.to(device)).argmax(1).cpu()
    thickness, leaning = bins.assign(images.cpu())
    hits = {
        "digit": predicted == captions.digits.cpu(),
        "thickness": thickness == captions.thickness_bins.cpu(),
        "slant": leaning == captions.slant_bins.cpu(),
    }
    every = hits["digit"] & hits["thickness"] & hits["slant"]
    return CaptionMatch(
        **{k: v.double().mean().item() for k, v in hits.items()},
        all=every.double().mean().item(),
    )


def blind_match_rates(captions: CaptionedDigits) -> dict[str, float]:
    """Attribute match rates of two generators that ignore the words.

    ``"text-blind"``: an image drawn from p_data(x), ignoring the whole
    caption, falls in a caption's bin b with probability Σ_b p(b)² (1/3
    for exact terciles). ``"class-only"``: an image of the right digit y
    drawn from p_data(x | y), ignoring the attribute words, matches with
    probability Σ_y p(y) Σ_b p(b | y)². Both from the captions' own
    frequencies; keys ``"<attribute>, text-blind"`` and ``"<attribute>,
    class-only"``.
    """
    rates = {}
    digits = captions.digits.cpu()
    for name, bins in (
        ("thickness", captions.thickness_bins.cpu()),
        ("slant", captions.slant_bins.cpu()),
    ):
        p_b = torch.bincount(bins, minlength=3).double() / len(bins)
        rates[f"{name}, text-blind"] = float((p_b**2).sum())
        joint = torch.zeros(10, 3, dtype=torch.double)
        joint.index_put_((digits, bins), torch.ones(len(bins)).double(), True)
        p_y = joint.sum(1)
        p_b_given_y = joint / p_y.clamp_min(1)[:, None]
        class_only = (p_y / p_y.sum() * (p_b_given_y**2).sum(1)).sum()
        rates[f"{name}, class-only"] = float(class_only)
    return rates


def accidental_match_rate(captions: CaptionedDigits) -> float:
    """Σ_c p(c)²: how often a random caption is the image's own caption.

    The fraction of GAN-CLS's "mismatched" pairs (image and caption of two
    independent random examples) that in fact match. Captions are compared
    as bags of words, as the encoder sees them, so a caption set with some
    words removed is counted as it reads.
    """
    bags = captions.tokens.cpu().sort(dim=1).values  # word order dropped
    _, counts = torch.unique(bags, dim=0, return_counts=True)
    p = counts.double() / len(captions)
    return float((p**2).sum())
