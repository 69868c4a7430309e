"""CycleGAN on two halves of MNIST: thin ↔ thick strokes (Chapter 14).

Zhu et al. (2017) learn a map G: X → Y between two image collections that
come without pairs, so no (x, T(x)) is ever seen. The book's two domains
come from *disjoint* halves of the MNIST training set: A holds the digits
as they are, B the digits of the other half dilated (:func:`dilate`, a
3×3 maximum filter), so B's strokes are about two pixels thicker
(Chapter 10's ``stroke_thickness`` measures it) and no digit of A has its
thick twin in B.

The paper's game has two generators and two discriminators,

    G: A → B judged by D_B,    F: B → A judged by D_A,

an adversarial cost for each pair (the paper's Eq. 1), the cycle
consistency loss (Eq. 2)

.. math::
    L_{cyc}(G, F) = \\mathbb E_a \\lVert F(G(a)) - a \\rVert_1
                  + \\mathbb E_b \\lVert G(F(b)) - b \\rVert_1 ,

and the full objective L_GAN(G, D_B) + L_GAN(F, D_A) + λ L_cyc (Eq. 3),
λ = 10. The identity loss (the paper's section 5.2, after Taigman et al.
2017) asks each generator to leave an image of its own target domain
alone:

.. math::
    L_{id}(G, F) = \\mathbb E_b \\lVert G(b) - b \\rVert_1
                 + \\mathbb E_a \\lVert F(a) - a \\rVert_1 .

Here ‖·‖₁ is the mean absolute difference per pixel, as in the authors'
code; on images in [−1, 1] it is at most 2.

**One trainer.** The whole game goes through the book's one Algorithm 1
(:class:`gan_lib.training.Trainer`), with two wrappers:

- :class:`CycleGenerator` holds G and F. Its input z is a pair (a, b)
  stacked on the channel axis, shape (m, 2, 28, 28), A first; its output
  is the pair of fakes (F(b), G(a)), again A first.
- :class:`CycleDiscriminator` holds D_A and D_B and maps a pair (a', b')
  to the logit maps D_A(a') and D_B(b') concatenated on the channel axis.

The data are pairs (a, b) of real images, a and b drawn independently
(:class:`DomainPairs`); the same sampler draws G's inputs
(``noise=DomainPairs(...)``). The trainer's costs average over every
logit, so D's cost is ½(J_{D_A} + J_{D_B}) (the paper also halves D's
objective) and the generators' adversarial cost is ½(J_G + J_F). The
extra cost (:class:`CycleCost`, ``generator_extra_cost``) is therefore
½(λ L_cyc + λ_id L_id): the generators descend one half of the paper's
Eq. 3, the same balance of terms.

The adversarial cost is the book's non-saturating one, −log D(G(a)), on
logits; the paper uses the least-squares cost of Mao et al. (2017)
instead, (D(G(a)) − 1)², and a buffer of 50 past fakes for D. Neither
is used here: the chapter changes one thing, the cycle term.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from torch import nn
from torch.nn import functional as F

from gan_lib.data.images import ImageData
from gan_lib.data.paired import join_pair, split_pair
from gan_lib.evaluation.classifier import MNISTClassifier, in_batches
from gan_lib.evaluation.latent import stroke_thickness
from gan_lib.nn.modes import evaluating
from gan_lib.nn.patchgan import PatchDiscriminator
from gan_lib.nn.unet import UNetGenerator
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "ImageMap",
    "DILATION",
    "CYCLE_WEIGHT",
    "IDENTITY_WEIGHT",
    "dilate",
    "erode",
    "UnpairedDomains",
    "thin_thick_domains",
    "DomainPairs",
    "CycleGenerator",
    "CycleDiscriminator",
    "l1",
    "cycle_loss",
    "identity_loss",
    "CycleCost",
    "make_players",
    "make_trainer",
    "translate",
    "class_agreement_rate",
    "chance_agreement",
    "ks_distance",
    "TranslationReport",
    "measure_translation",
    "measure_map",
]

# G or F: a network or a plain function of a batch of images
ImageMap = Callable[[torch.Tensor], torch.Tensor]
DILATION = 3  # side of the maximum filter that thickens domain B
CYCLE_WEIGHT = 10.0  # λ of the paper's Eq. 3
# λ_id = 0.5 λ: the authors' code weighs L_id by lambda_identity = 0.5
# times the cycle weight
IDENTITY_WEIGHT = 0.5 * CYCLE_WEIGHT


# ------------------------------------------------------------ the domains
def dilate(images: torch.Tensor, size: int = DILATION) -> torch.Tensor:
    """Grey-level dilation: each pixel becomes the max of its size × size
    neighbourhood, shape kept (N, C, H, W).

    On images in [−1, 1] with background −1 this thickens every stroke by
    about size − 1 pixels (a max-pool with stride 1 and padding size // 2;
    the padding is −∞, so the border adds no ink).
    """
    if not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise ValueError(
            f"size must be an odd int >= 1 (a centred window), got {size!r}"
        )
    if images.ndim != 4:
        raise ValueError(
            f"dilate expects images (N, C, H, W), got {tuple(images.shape)}"
        )
    return F.max_pool2d(images, size, stride=1, padding=size // 2)


def erode(images: torch.Tensor, size: int = DILATION) -> torch.Tensor:
    """Grey-level erosion, the min of each size × size neighbourhood:
    ε(x) = −δ(−x), with δ = :func:`dilate`.

    The neighbourhood is cut at the border (no padding value enters the
    min), which makes ε the adjoint of δ: δ(x) ≤ y exactly when
    x ≤ ε(y). Two consequences the chapter uses: ε(δ(a)) ≥ a (a
    *closing* can only add ink, where strokes closer than the window
    merged), and δ(ε(δ(a))) = δ(a) exactly.
    """
    return -dilate(-images, size)


@dataclass(frozen=True)
class UnpairedDomains:
    """Two image collections with no pairs between them.

    ``a`` and ``b`` are :class:`ImageData` (images in [−1, 1], shape
    (N, 1, 28, 28)). Their labels are kept for measuring only: training
    never sees them.
    """

    a: ImageData
    b: ImageData


def thin_thick_domains(
    data: ImageData, size: int = DILATION
) -> UnpairedDomains:
    """A = the even-numbered images of ``data`` as they are; B = the
    odd-numbered ones dilated.

    The halves are disjoint, so no digit of A has its dilated twin in B.
    Every other image rather than the first and second half: the two
    halves of MNIST's test set come from different writers, and their
    strokes differ (dilated, 1,000 digits from each measured a KS
    distance of about 0.2 between their thicknesses).
    """
    if len(data) < 2:
        raise ValueError(
            f"need at least 2 images to make two domains, got {len(data)}"
        )
    a = ImageData(data.images[0::2], data.labels[0::2])
    b = ImageData(dilate(data.images[1::2], size), data.labels[1::2])
    return UnpairedDomains(a, b)


class DomainPairs:
    """Draws m pairs (a, b), a from A and b from B independently, stacked
    on the channel axis: shape (m, 2, H, W), A first.

    A :class:`gan_lib.training.trainer.DataSampler`: the trainer calls it
    with its own seeded stream, for the data and (as ``noise=``) for G's
    inputs, each call with fresh indices.
    """

    def __init__(self, a: torch.Tensor, b: torch.Tensor) -> None:
        if a.ndim != 4 or a.shape[1:] != b.shape[1:] or not len(a) * len(b):
            raise ValueError(
                "the domains must be non-empty image tensors of one shape "
                f"(N, C, H, W), got {tuple(a.shape)} and {tuple(b.shape)}"
            )
        self.a, self.b = a, b

    def __call__(self, m: int, generator: torch.Generator) -> torch.Tensor:
        device = self.a.device
        i = torch.randint(
            len(self.a), (m,), generator=generator, device=device
        )
        # an independent draw for b: a pair is two unrelated images
        j = torch.randint(
            len(self.b), (m,), generator=generator, device=device
        )
        return join_pair(self.a[i], self.b[j])


# ------------------------------------------------------------ the players
class CycleGenerator(nn.Module):
    """The two generators as one player: (a, b) ↦ (F(b), G(a)).

    ``g`` maps A → B, ``f`` maps B → A. Input and output are pairs
    stacked on the channel axis, A first; so the output's first half is
    a fake of domain A, its second a fake of B, which is where
    :class:`CycleDiscriminator` looks for each domain.
    """

    def __init__(self, g: nn.Module, f: nn.Module) -> None:
        super().__init__()
        self.g, self.f = g, f

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        a, b = split_pair(z)
        return join_pair(self.f(b), self.g(a))


class CycleDiscriminator(nn.Module):
    """The two discriminators as one player: (a', b') ↦ [D_A(a'); D_B(b')].

    The logit maps of both are concatenated on the channel axis, shape
    (m, 2, h, w), so the trainer's costs, which average over every
    logit, give each discriminator half the weight.
    """

    def __init__(self, d_a: nn.Module, d_b: nn.Module) -> None:
        super().__init__()
        self.d_a, self.d_b = d_a, d_b

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        a, b = split_pair(pair)
        logits_a, logits_b = self.d_a(a), self.d_b(b)
        if logits_a.shape != logits_b.shape:
            raise ValueError(
                "D_A and D_B must give logit maps of one shape to be "
                f"concatenated, got {tuple(logits_a.shape)} and "
                f"{tuple(logits_b.shape)}: build them alike"
            )
        return torch.cat([logits_a, logits_b], dim=1)


# ------------------------------------------------------------ the losses
def l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """‖x − y‖₁ as the mean absolute difference over every pixel."""
    if x.shape != y.shape:
        raise ValueError(
            f"L1 between tensors of one shape, got {tuple(x.shape)} and "
            f"{tuple(y.shape)}"
        )
    return (x - y).abs().mean()


def cycle_loss(
    g: ImageMap, f: ImageMap, a: torch.Tensor, b: torch.Tensor
) -> torch.Tensor:
    """L_cyc = ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁ (the paper's Eq. 2).

    The forward cycle a → G(a) → F(G(a)) and the backward cycle
    b → F(b) → G(F(b)) must each come back to where they started. G and
    F are networks or plain functions (the true pair: ``dilate``,
    ``erode``).
    """
    return l1(f(g(a)), a) + l1(g(f(b)), b)


def identity_loss(
    g: ImageMap, f: ImageMap, a: torch.Tensor, b: torch.Tensor
) -> torch.Tensor:
    """L_id = ‖G(b) − b‖₁ + ‖F(a) − a‖₁ (the paper's section 5.2).

    Each generator, given an image already in its target domain, should
    leave it alone.
    """
    return l1(g(b), b) + l1(f(a), a)


class CycleCost:
    """The trainer's extra cost: ½ (λ L_cyc + λ_id L_id).

    ``extra(generator, z, fake)`` with z = (a, b) and fake = (F(b), G(a))
    as the trainer passes them. The cycle reuses the fakes, so its
    gradient reaches G and F through the same G(a) and F(b) that D
    judged: L_cyc = ‖F(fake_b) − a‖₁ + ‖G(fake_a) − b‖₁. The ½ matches
    the trainer's average of the two adversarial costs (module
    docstring). ``weight_identity = 0`` skips the identity passes.
    """

    def __init__(
        self,
        weight_cycle: float = CYCLE_WEIGHT,
        weight_identity: float = 0.0,
    ) -> None:
        for name, value in [
            ("weight_cycle", weight_cycle),
            ("weight_identity", weight_identity),
        ]:
            if not (isinstance(value, (int, float)) and value >= 0):
                raise ValueError(f"{name} must be a number >= 0, got {value}")
        self.weight_cycle = float(weight_cycle)
        self.weight_identity = float(weight_identity)

    def __call__(
        self, generator: CycleGenerator, z: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        a, b = split_pair(z)
        fake_a, fake_b = split_pair(fake)  # F(b), G(a)
        total = z.new_zeros(())
        if self.weight_cycle:
            cycle = l1(generator.f(fake_b), a) + l1(generator.g(fake_a), b)
            total = total + self.weight_cycle * cycle
        if self.weight_identity:
            total = total + self.weight_identity * identity_loss(
                generator.g, generator.f, a, b
            )
        return total / 2

    def __repr__(self) -> str:
        return (
            f"CycleCost(weight_cycle={self.weight_cycle:g}, "
            f"weight_identity={self.weight_identity:g})"
        )


# ---------------------------------------------------------- the set-up
def make_players(
    generator_width: int = 8,
    discriminator_width: int = 16,
    patch: str = "image",
    skips: bool = True,
) -> tuple[CycleGenerator, CycleDiscriminator]:
    """G, F as small U-Nets; D_A, D_B as small discriminators of one image.

    G and F are ``UNetGenerator(width, depth=2, skips=skips)`` without
    dropout (the authors' CycleGAN uses none: its G is a function of its
    input). Dilation and its undoing are local maps, and the skips carry
    the digit's position straight to the output, as in pix2pix; the
    paper's own G is a ResNet of 6 or 9 blocks, too slow for the book's
    CPU budget. ``skips=False`` gives the plain encoder-decoder.

    D_A and D_B are ``PatchDiscriminator(in_channels=1, layers=patch)``:
    an unpaired D sees one image, not a pair (input, output) as in
    pix2pix. The default preset ``"image"`` (r = 34, DCGAN's MNIST D) reads
    the whole digit: a digit's class is a property of the whole image,
    and a D that sees only 8×8 patches (``"patch"``) cannot tell a thick
    stroke from a thick blob, which lets G hide the digit in a blob that
    F decodes (the chapter's exercise measures it).
    """

    def unet() -> UNetGenerator:
        return UNetGenerator(
            width=generator_width, depth=2, dropout=0.0, skips=skips
        )

    def patchgan() -> PatchDiscriminator:
        return PatchDiscriminator(
            in_channels=1, width=discriminator_width, layers=patch
        )

    # G, F, then D_A, D_B: the order in which their weights are drawn
    return (
        CycleGenerator(unet(), unet()),
        CycleDiscriminator(patchgan(), patchgan()),
    )


def make_trainer(
    domains: UnpairedDomains,
    *,
    weight_cycle: float = CYCLE_WEIGHT,
    weight_identity: float = 0.0,
    batch_size: int = 32,
    generator_width: int = 8,
    discriminator_width: int = 16,
    patch: str = "image",
    skips: bool = True,
    lr: float = 2e-4,
    log_every: int = 10,
    device: torch.device | str = "cpu",
    seed: int = 0,
) -> Trainer:
    """The book's Trainer set up for the CycleGAN game.

    Players from :func:`make_players` built after ``torch.manual_seed
    (seed)``; data and G's inputs both from :class:`DomainPairs`; the
    extra cost :class:`CycleCost` (or none when both weights are 0);
    Adam with the paper's lr = 2·10⁻⁴, β₁ = 0.5.
    """
    torch.manual_seed(seed)
    generator, discriminator = make_players(
        generator_width, discriminator_width, patch, skips
    )
    pairs = DomainPairs(
        domains.a.images.to(device), domains.b.images.to(device)
    )
    extra = (
        CycleCost(weight_cycle, weight_identity)
        if weight_cycle or weight_identity
        else None
    )
    return Trainer(
        generator,
        discriminator,
        pairs,
        batch_size=batch_size,
        noise=pairs,
        generator_extra_cost=extra,
        g_optimizer=adam(lr),
        d_optimizer=adam(lr),
        log_every=log_every,
        snapshot_size=8,  # the trainer's fixed inputs: a few pairs
        device=device,
        seed=seed,
    )


# ------------------------------------------------------------ measuring
@torch.no_grad()
def translate(
    network: nn.Module, images: torch.Tensor, batch_size: int = 500
) -> torch.Tensor:
    """network(images) in eval mode, chunk by chunk, without gradients.

    Eval mode: batch norm on its running averages, so each output is a
    function of its own input alone; the network's mode is restored.
    """
    with evaluating(network):
        return in_batches(network, images, batch_size)


@torch.no_grad()
def _predicted(
    classifier: MNISTClassifier, images: torch.Tensor
) -> torch.Tensor:
    device = next(classifier.parameters()).device
    return in_batches(classifier, images.to(device)).argmax(1).cpu()


def class_agreement_rate(
    classifier: MNISTClassifier, images: torch.Tensor, labels: torch.Tensor
) -> float:
    """P(classifier's class of images[i] = labels[i]), over i."""
    labels = torch.as_tensor(labels).long().cpu()
    if labels.shape != (len(images),) or not len(images):
        raise ValueError(
            f"need one label per image: {len(images)} images, labels of "
            f"shape {tuple(labels.shape)}"
        )
    return (_predicted(classifier, images) == labels).double().mean().item()


def chance_agreement(
    predicted: torch.Tensor, labels: torch.Tensor, classes: int = 10
) -> float:
    """Σ_c p̂(label = c) p̂(predicted = c): the agreement of an output that
    ignores its input but keeps both class histograms.

    It is the expected agreement after shuffling the labels; 1/classes
    when either histogram is uniform.
    """
    p_label = np.bincount(np.asarray(labels), minlength=classes)
    p_pred = np.bincount(np.asarray(predicted), minlength=classes)
    return float((p_label / p_label.sum()) @ (p_pred / p_pred.sum()))


def ks_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """The Kolmogorov–Smirnov distance sup_t |F̂_x(t) − F̂_y(t)| between
    two samples' empirical distribution functions, in [0, 1]."""
    x = torch.as_tensor(x).detach().cpu().double().numpy()
    y = torch.as_tensor(y).detach().cpu().double().numpy()
    return float(stats.ks_2samp(x, y).statistic)


@dataclass(frozen=True)
class TranslationReport:
    """What a map A → B does to held-out digits of A.

    thickness: mean stroke width of the outputs (pixels); thickness_ks:
    KS distance of the outputs' widths to real B's; agreement: share of
    outputs whose classifier class is the input's label; chance: the
    agreement of an input-blind map with the same class histograms;
    cycle_error: ‖F(G(a)) − a‖₁ (NaN for a map without an inverse).
    """

    thickness: float
    thickness_ks: float
    agreement: float
    chance: float
    cycle_error: float


def measure_map(
    outputs: torch.Tensor,
    labels: torch.Tensor,
    classifier: MNISTClassifier,
    reference_b: torch.Tensor,
    cycle_error: float = math.nan,
) -> TranslationReport:
    """A :class:`TranslationReport` of given outputs (e.g. ``dilate(a)``,
    the true map) against their inputs' ``labels`` and real B."""
    labels = torch.as_tensor(labels).long().cpu()
    predicted = _predicted(classifier, outputs)
    widths = stroke_thickness(outputs.cpu())
    return TranslationReport(
        thickness=widths.mean().item(),
        thickness_ks=ks_distance(widths, stroke_thickness(reference_b.cpu())),
        agreement=(predicted == labels).double().mean().item(),
        chance=chance_agreement(predicted, labels),
        cycle_error=cycle_error,
    )


def measure_translation(
    there: nn.Module,
    back: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    classifier: MNISTClassifier,
    reference: torch.Tensor,
) -> TranslationReport:
    """The report of a map on held-out ``inputs`` (eval mode).

    ``there`` is G (or F), ``back`` the map the other way: the outputs'
    thickness against ``reference`` (real images of the target domain),
    their class against ``labels``, and the cycle error
    ‖back(there(x)) − x‖₁. For G: ``measure_translation(gen.g, gen.f,
    a, labels_a, classifier, real_b)``; for F swap the roles.
    """
    outputs = translate(there, inputs)
    returned = translate(back, outputs)
    return measure_map(
        outputs, labels, classifier, reference, l1(returned, inputs).item()
    )
