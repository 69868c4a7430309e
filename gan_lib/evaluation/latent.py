"""Inside a trained generator's latent space.

Paths, arithmetic, measured attributes, and D as a feature extractor.
Radford, Metz and Chintala (2015) probe a trained DCGAN in three ways, all
here:

* **Interpolation.** Walk z from z₀ to z₁ and watch G(z): smooth transitions
  suggest G has learned a continuous map rather than a lookup table of
  training images. Linear interpolation z(t) = (1 − t) z₀ + t z₁ passes
  through points of low norm (for independent z₀, z₁ ~ N(0, I) in d
  dimensions, ‖z(½)‖ ≈ ‖z₀‖/√2), where the prior has little mass; spherical
  interpolation keeps the norm.
* **Vector arithmetic.** Average z over three samples showing a concept, then
  add and subtract the averages: z̄(thick 3) − z̄(thin 3) + z̄(thin 7).
* **D as a feature extractor.** Train a linear classifier on D's hidden
  features with few labels and compare it with the same classifier on pixels.

On digits we can *measure* the attributes instead of judging pictures:
stroke thickness from the ink's area and boundary length, slant from its
moments (:func:`stroke_thickness`, :func:`slant`), both checked on
constructed, anti-aliased bars (:func:`rotated_bar`). Images are in [−1, 1]
(G's Tanh range) with shape (N, 1, H, W); the measures use the ink
u = (x + 1)/2 ∈ [0, 1].

Each probe comes with its control: the arithmetic with a paired control and
a chance rate (:func:`excess_over_chance`), the probe on a trained D with
the same probe on randomly initialised ones (:func:`feature_probe`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from torch import nn

from gan_lib.data.images import to_unit_range

__all__ = [
    "lerp",
    "slerp",
    "frame_distances",
    "path_roughness",
    "roughness_factors",
    "nearest_distances",
    "rotated_bar",
    "ink_perimeter",
    "stroke_thickness",
    "slant",
    "ATTRIBUTES",
    "concept_mean",
    "latent_arithmetic",
    "ArithmeticTrials",
    "arithmetic_trials",
    "moved_more_than_chance",
    "kept_against_control",
    "ChanceComparison",
    "excess_over_chance",
    "excess_false_positive_rate",
    "discriminator_features",
    "pixel_features",
    "balanced_subset",
    "LinearProbe",
    "fit_linear_probe",
    "feature_probe",
    "probe_table",
]


# ------------------------------------------------------------ interpolation
def lerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """Linear path z(t) = (1 − t) z₀ + t z₁ at ``steps`` even t ∈ [0, 1].

    Returns a (steps, d) tensor.
    """
    _check_path_arguments(z0, z1, steps)
    t = torch.linspace(0.0, 1.0, steps, dtype=z0.dtype, device=z0.device)
    t = t[:, None]  # (steps, 1): one row per point on the path
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """Spherical path z(t) = [sin((1 − t)Ω) z₀ + sin(tΩ) z₁] / sin Ω.

    Here cos Ω = ⟨z₀, z₁⟩ / (‖z₀‖‖z₁‖). It follows the great circle between
    the directions of z₀ and z₁; for ‖z₀‖ = ‖z₁‖ every point has that same
    norm. Nearly parallel endpoints (Ω → 0) fall back to :func:`lerp`, its
    limit.
    """
    _check_path_arguments(z0, z1, steps)
    # clamp: round-off can put the cosine of parallel vectors just above 1
    cos_omega = (z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1.0, 1.0)
    omega = torch.arccos(cos_omega)
    if omega.abs() < 1e-4:  # sin Ω → 0 would divide 0 by 0
        return lerp(z0, z1, steps)
    t = torch.linspace(0.0, 1.0, steps, dtype=z0.dtype, device=z0.device)
    t = t[:, None]  # (steps, 1): one row per point on the path
    return (
        torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1
    ) / torch.sin(omega)


def _check_path_arguments(
    z0: torch.Tensor, z1: torch.Tensor, steps: int
) -> None:
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(
            "interpolate between two latent vectors of the same shape (d,), "
            f"got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )
    if steps < 2:
        raise ValueError(
            "a path needs at least its two endpoints: steps must be >= 2, "
            f"got {steps}"
        )


def frame_distances(frames: torch.Tensor) -> torch.Tensor:
    """‖x_{i+1} − x_i‖ for consecutive frames, shape (n − 1,).

    L2 over pixels, images in [−1, 1].
    """
    flat = frames.flatten(1)
    return (flat[1:] - flat[:-1]).norm(dim=1)


def path_roughness(frames: torch.Tensor) -> float:
    """r = max_i ‖x_{i+1} − x_i‖ / (‖x_n − x_1‖ / (n − 1)).

    The largest step over the even share of the endpoints' distance. With
    the path length ℓ = Σᵢ ‖x_{i+1} − x_i‖ and the chord c = ‖x_n − x_1‖ it
    factors as

        r = (ℓ / c) · (max step / mean step)

    (:func:`roughness_factors`): a bend factor ℓ/c ≥ 1 (1 for a straight
    path, unbounded as the path returns towards its start) times an
    unevenness factor in [1, n − 1] (1 for equal steps, n − 1 when one step
    does all the moving). So r = 1 only for a constant-speed straight fade,
    a cut between two images gives r = n − 1, and a curved path can exceed
    n − 1.
    """
    flat = frames.flatten(1)
    even_share = (flat[-1] - flat[0]).norm() / (len(frames) - 1)
    return (frame_distances(frames).max() / even_share).item()


def roughness_factors(frames: torch.Tensor) -> tuple[float, float]:
    """(ℓ / c, max step / mean step): the two factors of r.

    ℓ = Σᵢ ‖x_{i+1} − x_i‖ is the path's length in pixel space, c =
    ‖x_n − x_1‖ its chord; their product is :func:`path_roughness`.
    """
    steps = frame_distances(frames)
    flat = frames.flatten(1)
    chord = (flat[-1] - flat[0]).norm()
    bend = steps.sum() / chord
    unevenness = steps.max() / steps.mean()
    return bend.item(), unevenness.item()


def nearest_distances(
    images: torch.Tensor, reference: torch.Tensor, batch_size: int = 10_000
) -> torch.Tensor:
    """min_j ‖images_i − reference_j‖ (L2 over pixels) for every image.

    How close each image comes to a training image.
    """
    flat = images.flatten(1)
    best = torch.full((len(flat),), float("inf"), device=flat.device)
    # in chunks: the full (n, 60,000) distance matrix would not fit
    for chunk in reference.flatten(1).split(batch_size):
        chunk_best = torch.cdist(flat, chunk.to(flat.device)).min(dim=1)
        best = torch.minimum(best, chunk_best.values)
    return best


# ------------------------------------------------------ stroke attributes
def _ink_and_grid(
    images: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Ink u ∈ [0, 1] of shape (N, H, W) and pixel coordinates x and y.

    x counts columns rightwards, y rows upwards; both are (H, W).
    """
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(
            "expected grey images of shape (N, 1, H, W) in [-1, 1], "
            f"got {tuple(images.shape)}"
        )
    ink = to_unit_range(images)[:, 0]
    height, width = ink.shape[1:]
    rows = torch.arange(height, dtype=ink.dtype, device=ink.device)
    columns = torch.arange(width, dtype=ink.dtype, device=ink.device)
    # y upwards (minus the row index), so a stroke leaning right has slant > 0
    y = -rows[:, None].expand(height, width)
    x = columns[None, :].expand(height, width)
    return ink, x, y


def rotated_bar(
    width: float,
    length: float = 20.0,
    angle: float = 0.0,
    size: int = 28,
    supersample: int = 8,
    offset: tuple[float, float] = (0.0, 0.0),
) -> torch.Tensor:
    """An anti-aliased ``width`` × ``length`` bar, shape (1, 1, size, size).

    Turned ``angle`` degrees clockwise from upright, centred at the image
    centre plus ``offset`` (pixels, right and down). Each pixel's ink is
    the fraction of its area the bar covers, estimated on a
    ``supersample`` × ``supersample`` grid of sub-pixels (a sharp bar drawn
    at high resolution, then average-pooled), so edges at any angle are
    grey where they cross a pixel, as in a scanned or generated digit.
    Returned in [−1, 1].
    """
    fine = size * supersample
    # sub-pixel centres, in pixel units
    centres = (torch.arange(fine, dtype=torch.float64) + 0.5) / supersample
    rows, columns = torch.meshgrid(centres, centres, indexing="ij")
    dx = columns - (size / 2 + offset[0])
    dy = (size / 2 + offset[1]) - rows  # upwards
    theta = math.radians(angle)
    along = dx * math.sin(theta) + dy * math.cos(theta)
    across = dx * math.cos(theta) - dy * math.sin(theta)
    inside = (along.abs() <= length / 2) & (across.abs() <= width / 2)
    ink = F.avg_pool2d(inside.double()[None, None], supersample)
    return (2 * ink - 1).float()


def ink_perimeter(
    images: torch.Tensor, isotropic: bool = True
) -> torch.Tensor:
    """Boundary length P of the ink u, shape (N,): its total variation.

    Isotropic (the default): P = Σ √(gₓ² + gᵧ²) with the gradient taken at
    the corners between pixels, gₓ the mean of the two horizontal
    differences of the 2 × 2 block around the corner (gᵧ likewise), so an
    edge counts its length at any angle. Anisotropic (``isotropic=False``):
    P₁ = Σ |∂ₓu| + |∂ᵧu| with forward differences, which counts a slanted
    edge by its horizontal plus vertical extent: √2 times its length at 45°.
    Zero ink outside the image, so strokes at the border have an edge.
    """
    ink, _, _ = _ink_and_grid(images)
    padded = F.pad(ink, (1, 1, 1, 1))  # (N, H + 2, W + 2)
    if not isotropic:
        vertical_edges = padded.diff(dim=1).abs().sum((1, 2))
        horizontal_edges = padded.diff(dim=2).abs().sum((1, 2))
        return vertical_edges + horizontal_edges
    across_columns = padded.diff(dim=2)  # (N, H + 2, W + 1)
    across_rows = padded.diff(dim=1)  # (N, H + 1, W + 2)
    # (N, H + 1, W + 1): one gradient per corner, from its 2 × 2 block
    g_x = (across_columns[:, 1:] + across_columns[:, :-1]) / 2
    g_y = (across_rows[:, :, 1:] + across_rows[:, :, :-1]) / 2
    return (g_x.square() + g_y.square()).sqrt().sum((1, 2))


def stroke_thickness(images: torch.Tensor) -> torch.Tensor:
    """Stroke width w = 2A / P in pixels, shape (N,).

    Ink area A = Σ u over half the boundary length P (the isotropic total
    variation of u, :func:`ink_perimeter`). A stroke of length L and width
    w has area ≈ L·w and boundary ≈ 2L, so 2A/P ≈ w, whatever the stroke's
    direction. A sharp, upright L × w bar has P = 2L + 2w − (4 − 2√2): each
    corner is cut by a diagonal (√2/2 instead of 1), so it measures exactly
    Lw / (L + w − 2 + √2).
    """
    ink, _, _ = _ink_and_grid(images)
    # clamp: a blank image has no boundary (and no area)
    boundary = ink_perimeter(images).clamp_min(1e-8)
    return 2 * ink.sum((1, 2)) / boundary


def slant(images: torch.Tensor) -> torch.Tensor:
    """Shear s = μ₁₁ / μ₀₂ from the ink's central moments, shape (N,).

    μ_pq = Σ u (x − x̄)^p (y − ȳ)^q. Shearing an image by x ↦ x + s·y (the
    top moves right by s pixels per pixel of height) adds s to μ₁₁/μ₀₂ (μ₁₁
    gains s·μ₀₂, μ₀₂ is unchanged), so an upright, mirror-symmetric stroke
    measures its shear exactly. Positive: leaning right.
    """
    ink, x, y = _ink_and_grid(images)
    mass = ink.sum((1, 2)).clamp_min(1e-8)  # clamp: a blank image has none
    x_bar = (ink * x).sum((1, 2)) / mass
    y_bar = (ink * y).sum((1, 2)) / mass
    dx, dy = x - x_bar[:, None, None], y - y_bar[:, None, None]
    mu_11 = (ink * dx * dy).sum((1, 2))
    mu_02 = (ink * dy * dy).sum((1, 2))
    return mu_11 / mu_02.clamp_min(1e-8)


ATTRIBUTES = {"thickness": stroke_thickness, "slant": slant}


# -------------------------------------------------------- vector arithmetic
def concept_mean(z: torch.Tensor) -> torch.Tensor:
    """z̄ = (1/n) Σ zᵢ over the samples showing one concept.

    The DCGAN paper averages three.
    """
    return z.mean(dim=0)


def latent_arithmetic(
    z_a: torch.Tensor, z_b: torch.Tensor, z_c: torch.Tensor
) -> torch.Tensor:
    """z̄_a − z̄_b + z̄_c, e.g. z̄(thick 3) − z̄(thin 3) + z̄(thin 7) ≈ a thick 7."""
    return concept_mean(z_a) - concept_mean(z_b) + concept_mean(z_c)


@dataclass(frozen=True)
class ArithmeticTrials:
    """Outcome of many "high d₁ − low d₁ + low d₂" triples on one attribute.

    Each trial has a paired control, which replaces "high d₁" and "low d₁" by
    two groups drawn from all of d₁, keeping z̄_c: it has the same structure
    and the same norm (z̄_a − z̄_b + z̄_c has three times the variance of z̄_c
    alone, and the norm of z changes the image), so any difference between a
    trial and its control is due to the attribute selection.
    """

    attribute: str
    source_class: np.ndarray  # d₁ of each trial
    target_class: np.ndarray  # d₂
    # (trials, 3, per_concept) pool indices of the "high d₁", "low d₁" and
    # "low d₂" samples
    triples: np.ndarray
    predicted_class: np.ndarray  # classifier's label of G(z̄_a − z̄_b + z̄_c)
    result_value: np.ndarray  # attribute of G(z̄_a − z̄_b + z̄_c)
    # classifier's label of the control G(z̄_a' − z̄_b' + z̄_c)
    control_predicted_class: np.ndarray
    control_value: np.ndarray  # attribute of the control
    # attribute of G(z̄_c), the "low d₂" concept alone
    baseline_value: np.ndarray

    @property
    def class_kept(self) -> np.ndarray:
        return self.predicted_class == self.target_class

    @property
    def control_class_kept(self) -> np.ndarray:
        return self.control_predicted_class == self.target_class

    @property
    def attribute_moved(self) -> np.ndarray:
        """The result has more of the attribute than its control.

        Chance is one half.
        """
        return self.result_value > self.control_value

    @property
    def success(self) -> np.ndarray:
        """Per trial: the result keeps d₂ and beats its control's attribute."""
        return self.class_kept & self.attribute_moved

    @property
    def success_rate(self) -> float:
        """Fraction of trials whose result keeps d₂ and moved the attribute.

        Moved: has more of the attribute than its control.
        """
        return float(self.success.mean())

    @property
    def chance_rate(self) -> float:
        """The success rate without attribute selection: q_control · ½.

        If the selection did nothing, the result would keep the class as
        often as its control does (rate q_control) and have more of the
        attribute than it half of the time, independently.
        """
        return float(self.control_class_kept.mean()) / 2


def _attribute_groups(
    labels: np.ndarray, values: np.ndarray, per_concept: int, quantile: float
) -> dict[int, dict[str, np.ndarray]]:
    """Per class with enough samples: its members, low and high indices.

    "low" and "high" are the class's lowest and highest ``quantile`` of the
    attribute.
    """
    groups = {}
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        # each tail must hold one concept's samples, drawn without replacement
        if len(idx) * quantile < per_concept:
            continue
        lo, hi = np.quantile(values[idx], [quantile, 1 - quantile])
        groups[digit] = {
            "all": idx,
            "low": idx[values[idx] <= lo],
            "high": idx[values[idx] >= hi],
        }
    if len(groups) < 2:
        raise ValueError(
            "the pool has fewer than two classes with enough samples: "
            "generate a larger pool"
        )
    return groups


def arithmetic_trials(
    generator: nn.Module,
    classifier: nn.Module,
    z: torch.Tensor,
    attribute: str,
    trials: int = 100,
    per_concept: int = 3,
    quantile: float = 0.25,
    seed: int = 0,
) -> ArithmeticTrials:
    """Run ``trials`` random triples z̄(high d₁) − z̄(low d₁) + z̄(low d₂).

    The triples are drawn from the generated pool G(z). Each sample of the
    pool is labelled by ``classifier`` and measured; "high" and "low" are the
    top and bottom ``quantile`` of the attribute within a class. Each trial
    draws d₁ ≠ d₂, ``per_concept`` samples per concept, and a paired control
    whose two d₁ groups are drawn from the whole class (see
    :class:`ArithmeticTrials`).
    """
    if attribute not in ATTRIBUTES:
        raise ValueError(
            f"Unknown attribute {attribute!r}. "
            f"Valid attributes: {', '.join(ATTRIBUTES)}."
        )
    measure = ATTRIBUTES[attribute]
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        images = generator(z)
        groups = _attribute_groups(
            classifier(images).argmax(1).cpu().numpy(),
            measure(images).cpu().numpy(),
            per_concept,
            quantile,
        )
    digits = sorted(groups)

    def draw(pool: np.ndarray) -> np.ndarray:
        return rng.choice(pool, size=per_concept, replace=False)

    classes, triples, controls = [], [], []
    for _ in range(trials):
        d1, d2 = (int(d) for d in rng.choice(digits, size=2, replace=False))
        # the concepts of z̄_a − z̄_b + z̄_c: high d₁, low d₁, low d₂
        triples.append(
            [
                draw(groups[d1]["high"]),
                draw(groups[d1]["low"]),
                draw(groups[d2]["low"]),
            ]
        )
        controls.append([draw(groups[d1]["all"]), draw(groups[d1]["all"])])
        classes.append((d1, d2))
    triples_array = np.array(triples)  # (trials, 3, per_concept)
    controls_array = np.array(controls)  # (trials, 2, per_concept)
    classes_array = np.array(classes)  # (trials, 2): d₁, d₂

    def mean_z(index: np.ndarray) -> torch.Tensor:
        """(trials, per_concept) pool indices → the (trials, d) means z̄."""
        return z[torch.as_tensor(index)].mean(1)

    z_c = mean_z(triples_array[:, 2])
    with torch.no_grad():
        z_a, z_b = mean_z(triples_array[:, 0]), mean_z(triples_array[:, 1])
        control_a = mean_z(controls_array[:, 0])
        control_b = mean_z(controls_array[:, 1])
        latents = {
            "result": z_a - z_b + z_c,
            "control": control_a - control_b + z_c,
            "baseline": z_c,
        }
        outputs = {}
        for name, latent in latents.items():
            decoded = generator(latent)
            outputs[name] = (
                classifier(decoded).argmax(1).cpu().numpy(),
                measure(decoded).cpu().numpy(),
            )
    return ArithmeticTrials(
        attribute,
        classes_array[:, 0],
        classes_array[:, 1],
        triples_array,
        predicted_class=outputs["result"][0],
        result_value=outputs["result"][1],
        control_predicted_class=outputs["control"][0],
        control_value=outputs["control"][1],
        baseline_value=outputs["baseline"][1],
    )


def moved_more_than_chance(
    trials: ArithmeticTrials, alpha: float = 0.05
) -> tuple[float, bool]:
    """One-sided exact binomial test of "moved" against chance ½.

    Under H₀ each trial's result beats its paired control with probability
    ½ (the two are exchangeable when the selection does nothing), so the
    count of moved trials is Binomial(n, ½); p = P(K ≥ k). Exact, so the
    false-positive rate is at most α. Returns (p, p < α).
    """
    moved = int(trials.attribute_moved.sum())
    p_value = stats.binomtest(
        moved, len(trials.attribute_moved), 0.5, alternative="greater"
    ).pvalue
    return float(p_value), bool(p_value < alpha)


def kept_against_control(
    trials: ArithmeticTrials, alpha: float = 0.05
) -> tuple[float, float, bool]:
    """Does the result keep d₂ as often as its paired control? McNemar.

    Only discordant pairs count: b trials where the result keeps the class
    and the control does not, c the reverse. Under H₀ (equal rates) b is
    Binomial(b + c, ½); the exact two-sided p has a false-positive rate of
    at most α. Returns (q_result − q_control, p, p < α).
    """
    kept, control = trials.class_kept, trials.control_class_kept
    only_result = int((kept & ~control).sum())
    only_control = int((~kept & control).sum())
    difference = float(kept.mean() - control.mean())
    if only_result + only_control == 0:
        return difference, 1.0, False  # no discordant pair: no evidence
    p_value = stats.binomtest(
        only_result, only_result + only_control, 0.5
    ).pvalue
    return difference, float(p_value), bool(p_value < alpha)


@dataclass(frozen=True)
class ChanceComparison:
    """Success rate s̄ against the chance rate q̄_control/2 over n trials.

    ``excess`` = s̄ − q̄_control/2 = mean of dᵢ = sᵢ − cᵢ/2 (sᵢ, cᵢ ∈ {0, 1}:
    trial i succeeded, its control kept the class); ``standard_error`` =
    sd(dᵢ)/√n, paired over the trials; ``p_value`` of the one-sided t-test
    of mean(dᵢ) > 0 with n − 1 degrees of freedom.
    """

    success_rate: float
    chance_rate: float
    excess: float
    standard_error: float
    p_value: float
    alpha: float

    @property
    def better_than_chance(self) -> bool:
        return self.p_value < self.alpha


def excess_over_chance(
    trials: ArithmeticTrials, alpha: float = 0.05
) -> ChanceComparison:
    """Compare the success rate with its chance rate, paired per trial.

    dᵢ = sᵢ − cᵢ/2, mean d̄ = s̄ − q̄_control/2, standard error sd(d)/√n;
    one-sided t-test of E d > 0 (see :func:`excess_false_positive_rate`
    for how often it fires when E d = 0).
    """
    excess = _per_trial_excess(trials.success, trials.control_class_kept)
    p_value, standard_error = _one_sided_t(excess)
    return ChanceComparison(
        trials.success_rate, trials.chance_rate, float(excess.mean()),
        float(standard_error), float(p_value), alpha,
    )  # fmt: skip


def _per_trial_excess(success: np.ndarray, control_kept: np.ndarray):
    """dᵢ = sᵢ − cᵢ/2, elementwise (works on (…, n) arrays)."""
    return success.astype(np.float64) - control_kept.astype(np.float64) / 2


def _one_sided_t(excess: np.ndarray) -> tuple[float, float]:
    """(one-sided p of mean > 0, standard error) over the last axis."""
    n = excess.shape[-1]
    standard_error = excess.std(axis=-1, ddof=1) / math.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        # no spread at all: the mean is the answer, not a t statistic
        t = np.where(
            standard_error > 0,
            excess.mean(axis=-1) / standard_error,
            np.sign(excess.mean(axis=-1)) * np.inf,
        )
    return stats.t.sf(t, n - 1), standard_error


def excess_false_positive_rate(
    n: int,
    control_kept_rate: float,
    alpha: float = 0.05,
    simulations: int = 20_000,
    seed: int = 0,
) -> float:
    """How often :func:`excess_over_chance` says "better" when it is not.

    Simulates n trials under H₀: result and control each keep the class
    with probability q = ``control_kept_rate``, independently, and the
    result moves the attribute with probability ½ independently of both,
    so E[sᵢ − cᵢ/2] = q/2 − q/2 = 0. Returns the fraction of simulations
    whose one-sided t-test has p < α.
    """
    if not 0 < control_kept_rate <= 1 or n < 2:
        raise ValueError(
            "need n >= 2 trials and a control rate in (0, 1], got "
            f"n={n}, control_kept_rate={control_kept_rate!r}"
        )
    rng = np.random.default_rng(seed)
    kept = rng.random((simulations, n)) < control_kept_rate
    moved = rng.random((simulations, n)) < 0.5
    control_kept = rng.random((simulations, n)) < control_kept_rate
    p_value, _ = _one_sided_t(_per_trial_excess(kept & moved, control_kept))
    return float((p_value < alpha).mean())


# ------------------------------------------------- D as a feature extractor
def discriminator_features(
    discriminator: nn.Module,
    images: torch.Tensor,
    grid: int = 4,
    batch_size: int = 1000,
) -> torch.Tensor:
    """D's last hidden layer, max-pooled to grid × grid and flattened.

    The hidden layers are every layer but the final logit convolution. The
    DCGAN paper max-pools D's feature maps to a 4 × 4 grid before its linear
    classifier. Run D in eval mode (batch norm with its running statistics),
    so a digit's features do not depend on the batch. Shape
    (N, channels · grid²).
    """
    hidden = discriminator.net[:-1]
    discriminator.eval()
    with torch.no_grad():
        return torch.cat(
            [
                F.adaptive_max_pool2d(hidden(chunk), grid).flatten(1)
                for chunk in images.split(batch_size)
            ]
        )


def pixel_features(images: torch.Tensor) -> torch.Tensor:
    """The raw pixels as a feature vector: shape (N, H·W)."""
    return images.flatten(1)


def balanced_subset(
    labels: torch.Tensor, per_class: int, seed: int = 0
) -> torch.Tensor:
    """Indices of ``per_class`` random examples of each class, seeded.

    10·per_class labels in all.
    """
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for digit in labels.unique().tolist():
        idx = torch.nonzero(labels.cpu() == digit).flatten()
        if len(idx) < per_class:
            raise ValueError(
                f"class {digit} has only {len(idx)} examples, "
                f"fewer than per_class = {per_class}"
            )
        chosen.append(
            idx[torch.randperm(len(idx), generator=generator)[:per_class]]
        )
    return torch.cat(chosen)


@dataclass
class LinearProbe:
    """Multinomial logistic regression on standardised features.

    p(y | f) = softmax(W (f − m)/s + b).
    """

    mean: torch.Tensor
    scale: torch.Tensor
    linear: nn.Linear

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear((features - self.mean) / self.scale)

    def accuracy(self, features: torch.Tensor, labels: torch.Tensor) -> float:
        with torch.no_grad():
            return (
                (self.logits(features).argmax(1) == labels)
                .float()
                .mean()
                .item()
            )


def fit_linear_probe(
    features: torch.Tensor,
    labels: torch.Tensor,
    weight_decay: float = 1e-2,
    max_iter: int = 200,
    seed: int = 0,
) -> LinearProbe:
    """Minimise (1/n) Σ −log p(yᵢ | fᵢ) + (λ/2)‖W‖² by full-batch L-BFGS.

    Deterministic, from a seeded initialisation. Features are standardised
    with the labelled set's own mean and standard deviation, so one λ suits
    pixels and D features alike.
    """
    torch.manual_seed(seed)  # nn.Linear's initial weights
    features = features.float()
    # clamp: a constant feature (a pixel always background) has no spread
    mean, scale = features.mean(0), features.std(0).clamp_min(1e-3)
    standardised = (features - mean) / scale
    linear = nn.Linear(features.shape[1], int(labels.max()) + 1)
    optimizer = torch.optim.LBFGS(
        linear.parameters(),
        lr=1.0,
        max_iter=max_iter,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = (
            F.cross_entropy(linear(standardised), labels)
            # the bias is not penalised, as in the formula
            + 0.5 * weight_decay * linear.weight.pow(2).sum()
        )
        loss.backward()
        return loss

    optimizer.step(closure)
    return LinearProbe(mean, scale, linear)


def feature_probe(
    extract: Callable[[torch.Tensor], torch.Tensor],
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    label_counts: tuple[int, ...] = (100, 1000),
    seeds: tuple[int, ...] = (0,),
) -> dict[int, list[float]]:
    """Test accuracy of the linear probe on ``extract``'s features.

    One accuracy per number of labels and seed; the seed draws the
    balanced labelled subset (count/10 per class) and the probe's initial
    weights, so two extractors probed with the same seeds see the same
    labelled digits. Returns ``{count: [acc, …]}``.
    """
    test_features = extract(test_images)
    accuracies: dict[int, list[float]] = {n: [] for n in label_counts}
    for n in label_counts:
        for seed in seeds:
            # only the labelled images are ever seen
            index = balanced_subset(train_labels, n // 10, seed=seed)
            probe = fit_linear_probe(
                extract(train_images[index]), train_labels[index], seed=seed
            )
            accuracies[n].append(probe.accuracy(test_features, test_labels))
    return accuracies


def probe_table(
    discriminator: nn.Module,
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    label_counts: tuple[int, ...] = (100, 1000),
    seeds: tuple[int, ...] = (0,),
) -> dict[str, dict[int, list[float]]]:
    """Test accuracies of the linear probe on D features and on pixels.

    One accuracy per number of labels and seed (:func:`feature_probe`).
    ``label_counts`` are totals over the ten classes (balanced: count/10
    per class).

    Returns:
        ``{"D features": {100: [acc, …], 1000: […]}, "pixels": {…}}``.
    """
    extractors = {
        "D features": lambda x: discriminator_features(discriminator, x),
        "pixels": pixel_features,
    }
    return {
        name: feature_probe(
            extract,
            train_images,
            train_labels,
            test_images,
            test_labels,
            label_counts,
            seeds,
        )  # fmt: skip
        for name, extract in extractors.items()
    }
