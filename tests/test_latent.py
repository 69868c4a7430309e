"""gan_lib.evaluation.latent: paths, attribute measures on constructed
digits, arithmetic trials and their chance rate, the linear probe."""

import math

import numpy as np
import pytest
import torch

from gan_lib.evaluation.latent import (
    ArithmeticTrials,
    arithmetic_trials,
    balanced_subset,
    discriminator_features,
    excess_false_positive_rate,
    excess_over_chance,
    feature_probe,
    fit_linear_probe,
    frame_distances,
    ink_perimeter,
    kept_against_control,
    latent_arithmetic,
    lerp,
    moved_more_than_chance,
    nearest_distances,
    path_roughness,
    pixel_features,
    probe_table,
    rotated_bar,
    roughness_factors,
    slant,
    slerp,
    stroke_thickness,
)

# The standard deviation of stroke thickness over the Chapter 10 lab's pool
# of generated digits (the anisotropic measure read 0.36 px): what an
# orientation error must stay well below.
POOL_THICKNESS_STD = 0.36
ANGLES = (0, 10, 20, 45, 60, 90)


def bar(
    width: int, length: int = 16, size: int = 28, shear: float = 0.0
) -> torch.Tensor:
    """A vertical bar of ``width`` × ``length`` pixels, centred, its rows
    shifted by shear·height (top right): (1, 1, size, size) in [−1, 1]."""
    image = torch.full((size, size), -1.0)
    top = (size - length) // 2
    centre_row = top + (length - 1) / 2
    for row in range(top, top + length):
        left = (size - width) // 2 + round(shear * (centre_row - row))
        image[row, left : left + width] = 1.0
    return image[None, None]


# ------------------------------------------------------------ interpolation
def test_paths_have_the_endpoints_and_linear_midpoint():
    z0, z1 = torch.randn(2, 100, generator=torch.Generator().manual_seed(0))
    for path in (lerp(z0, z1, 9), slerp(z0, z1, 9)):
        assert path.shape == (9, 100)
        assert torch.allclose(path[0], z0, atol=1e-5)
        assert torch.allclose(path[-1], z1, atol=1e-5)
    assert torch.allclose(lerp(z0, z1, 3)[1], (z0 + z1) / 2)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints_and_lerp_does_not():
    g = torch.Generator().manual_seed(1)
    z0, z1 = torch.randn(2, 100, generator=g)
    z1 = z1 * z0.norm() / z1.norm()
    norms = slerp(z0, z1, 21).norm(dim=1)
    assert torch.allclose(norms, z0.norm().expand(21), rtol=1e-5)
    # Linear midpoint of near-orthogonal equal-norm vectors: norm
    # ‖z₀‖·√((1 + cos Ω)/2) ≈ ‖z₀‖/√2.
    cos = (z0 @ z1 / z0.norm() ** 2).item()
    expected = z0.norm().item() * math.sqrt((1 + cos) / 2)
    midpoint = lerp(z0, z1, 3)[1]
    assert midpoint.norm().item() == pytest.approx(expected, rel=1e-5)


def test_slerp_of_parallel_endpoints_is_lerp_and_bad_input_is_refused():
    z0 = torch.ones(5)
    assert torch.allclose(slerp(z0, 2 * z0, 5), lerp(z0, 2 * z0, 5))
    with pytest.raises(ValueError, match="at least its two endpoints"):
        lerp(z0, z0, 1)
    with pytest.raises(ValueError, match="same shape"):
        slerp(z0, torch.ones(4), 3)


def test_roughness_is_one_for_an_even_fade_and_large_for_a_cut():
    a, b = -torch.ones(1, 1, 4, 4), torch.ones(1, 1, 4, 4)
    t = torch.linspace(0, 1, 11)[:, None, None, None]
    fade = (1 - t) * a + t * b
    assert path_roughness(fade) == pytest.approx(1.0, abs=1e-5)
    cut = torch.cat([a.expand(5, -1, -1, -1), b.expand(6, -1, -1, -1)])
    assert path_roughness(cut) == pytest.approx(10.0, abs=1e-5)
    assert frame_distances(cut).shape == (10,)
    # The cut's roughness is all unevenness (n − 1), the fade's nothing.
    assert roughness_factors(cut) == pytest.approx((1.0, 10.0), abs=1e-5)
    assert roughness_factors(fade) == pytest.approx((1.0, 1.0), abs=1e-5)


def test_roughness_is_bend_times_unevenness_and_exceeds_n_minus_one():
    # An even walk out and back along one pixel direction, 11 frames: every
    # step equal (unevenness 1), but the path goes 4 steps out, 4 back and
    # 2 out again, so its length is 10 steps over a chord of 2: r = 5.
    a, b = -torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    t = torch.tensor([0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2]) / 4
    walk = (1 - t)[:, None, None, None] * a + t[:, None, None, None] * b
    bend, unevenness = roughness_factors(walk)
    assert (bend, unevenness) == pytest.approx((5.0, 1.0), rel=1e-5)
    assert path_roughness(walk) == pytest.approx(bend * unevenness, rel=1e-5)
    # A random path: the identity r = (ℓ/c)·(max/mean) holds in general.
    frames = torch.randn(
        10, 1, 4, 4, generator=torch.Generator().manual_seed(5)
    )
    bend, unevenness = roughness_factors(frames)
    assert path_roughness(frames) == pytest.approx(bend * unevenness, rel=1e-5)
    assert 1 <= unevenness <= len(frames) - 1 and bend >= 1
    # A path that comes back near its start passes n − 1 without any cut:
    # 8 frames out and back, ending half a step from the start (chord 0.5,
    # largest step 1, n − 1 = 8 steps) has r = 1 / (0.5 / 8) = 16.
    t = torch.tensor([0, 1, 2, 3, 4, 3, 2, 1, 0.5]) / 4
    far = (1 - t)[:, None, None, None] * a + t[:, None, None, None] * b
    assert path_roughness(far) == pytest.approx(16.0, rel=1e-5)
    assert path_roughness(far) > len(far) - 1


def test_nearest_distances_match_brute_force():
    g = torch.Generator().manual_seed(2)
    images = torch.randn(7, 1, 5, 5, generator=g)
    reference = torch.randn(50, 1, 5, 5, generator=g)
    brute = torch.stack(
        [(reference - x).flatten(1).norm(dim=1).min() for x in images]
    )
    nearest = nearest_distances(images, reference, batch_size=13)
    assert torch.allclose(nearest, brute, atol=1e-5)
    # cdist by matrix products: ~1e-3 rounding.
    assert nearest_distances(reference[:3], reference).abs().max() < 1e-2


# --------------------------------------------------------------- attributes
@pytest.mark.parametrize("width", [1, 2, 3, 4, 5])
def test_thickness_of_a_bar_is_its_closed_form(width):
    # A sharp L × w bar: area Lw; boundary 2L + 2w with each of the four
    # corners cut by a diagonal (√2/2 instead of 1): 2L + 2w − 4 + 2√2.
    thickness = stroke_thickness(bar(width)).item()
    expected = 16 * width / (16 + width - 2 + math.sqrt(2))
    assert thickness == pytest.approx(expected, rel=1e-6)
    # The anisotropic boundary counts the corners in full: 2L + 2w.
    anisotropic = ink_perimeter(bar(width), isotropic=False).item()
    assert anisotropic == pytest.approx(2 * 16 + 2 * width, rel=1e-6)


def test_rotated_bar_has_the_bars_area_at_any_angle():
    for angle in ANGLES:
        ink = (rotated_bar(3, 20, angle, offset=(0.3, -0.2)) + 1) / 2
        assert ink.sum().item() == pytest.approx(60, rel=0.01)
        assert ink.min() >= 0 and ink.max() <= 1


@pytest.mark.parametrize("width", [2, 3, 4])
def test_thickness_of_a_rotated_bar_does_not_depend_on_its_angle(width):
    # Anti-aliased L × w bars at several angles, each shifted by a seeded
    # random sub-pixel offset so no angle is helped by grid alignment.
    rng = np.random.default_rng(width)
    bars = torch.cat(
        [
            rotated_bar(
                width, 20, angle, offset=tuple(rng.uniform(-0.5, 0.5, 2))
            )
            for angle in ANGLES
        ]
    )
    thickness = stroke_thickness(bars)
    # Measured spread over the angles: 0.04 (w = 2, 3) and 0.08 (w = 4) px,
    # against the pool's 0.36; the anisotropic measure spread 0.46–0.86.
    assert thickness.max() - thickness.min() < POOL_THICKNESS_STD / 3
    # It reads what the sharp upright bar reads, Lw/(L + w − 2 + √2),
    # within 5% at every angle (measured: within 4.4% for w = 2, 2% for
    # w = 3, 4); for L = 20 that is 0.89–0.93 of the width w itself, the
    # rest being the bar's two ends.
    closed_form = 20 * width / (20 + width - 2 + math.sqrt(2))
    assert torch.allclose(
        thickness, torch.full_like(thickness, closed_form), rtol=0.05
    )
    # The anisotropic boundary (|∂ₓu| + |∂ᵧu|) is what the errata caught:
    # it reads a slanted bar thinner by more than the pool's spread.
    ink = (bars[:, 0] + 1) / 2
    old = 2 * ink.sum((1, 2)) / ink_perimeter(bars, isotropic=False)
    assert old.max() - old.min() > POOL_THICKNESS_STD


def test_a_thicker_stroke_measures_thicker():
    values = stroke_thickness(torch.cat([bar(w) for w in (1, 2, 3, 4)]))
    assert (values.diff() > 0).all()


def test_an_upright_bar_has_no_slant_and_a_sheared_bar_measures_its_shear():
    assert slant(bar(3)).item() == pytest.approx(0.0, abs=1e-6)
    for shear in (-0.5, -0.25, 0.25, 0.5):
        # Rounding each row's shift to whole pixels costs a few percent.
        measured = slant(bar(3, length=20, shear=shear)).item()
        assert measured == pytest.approx(shear, abs=0.03)


def test_attribute_measures_refuse_colour_images():
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        slant(torch.zeros(2, 3, 28, 28))


# --------------------------------------------------------------- arithmetic
def test_latent_arithmetic_averages_each_concept():
    a, b, c = (
        torch.ones(3, 4),
        torch.zeros(3, 4),
        torch.arange(12.0).view(3, 4),
    )
    assert torch.allclose(latent_arithmetic(a, b, c), 1 + c.mean(0))


def test_arithmetic_trials_succeed_when_one_latent_axis_is_the_attribute():
    # A toy generator: z[0] sets the bar's width, the sign of z[1] its class
    # (written into one pixel). "wide d₁ − thin d₁ + thin d₂" then raises z[0]
    # and keeps z̄_c's class coordinate.
    g = torch.Generator().manual_seed(3)
    z = torch.randn(400, 2, generator=g)
    z[:, 0] = z[:, 0] * 1.5

    class Generator(torch.nn.Module):
        def forward(self, latent):
            width = (3 + latent[:, 0]).round().clamp(1, 7)
            digit = (latent[:, 1] > 0).long()  # class 0 or 1 from z[1]
            images = torch.stack([bar(int(w))[0] for w in width])
            # The class is written into one pixel.
            images[:, :, 0, 0] = digit[:, None].float() * 2 - 1
            return images

    class PixelClassifier(torch.nn.Module):
        def forward(self, images):
            digit = (images[:, 0, 0, 0] > 0).long()
            return torch.nn.functional.one_hot(digit, 10).float()

    trials = arithmetic_trials(
        Generator(), PixelClassifier(), z, "thickness", trials=40, seed=0
    )
    # The result's class coordinate z[1] is z̄_c's plus a difference of two d₁
    # means, which rarely flips its sign.
    assert trials.class_kept.mean() >= 0.8
    # Thick minus thin adds width; the paired control (two random groups of
    # d₁) adds none on average.
    assert trials.attribute_moved.mean() >= 0.9
    assert trials.success_rate >= 0.7
    assert (trials.result_value - trials.control_value).mean() > 1.0
    assert trials.triples.shape == (40, 3, 3)
    with pytest.raises(ValueError, match="Unknown attribute"):
        arithmetic_trials(Generator(), PixelClassifier(), z, "boldness")


def _trials(success, control_kept) -> ArithmeticTrials:
    """Trials whose result keeps d₂ and moves exactly as ``success`` says."""
    n = len(success)
    target = np.zeros(n, dtype=int)
    return ArithmeticTrials(
        "thickness", np.ones(n, dtype=int), target, np.zeros((n, 3, 3)),
        predicted_class=target.copy(),
        result_value=np.where(success, 1.0, -1.0),
        control_predicted_class=np.where(control_kept, 0, 1),
        control_value=np.zeros(n), baseline_value=np.zeros(n),
    )  # fmt: skip


def test_chance_rate_is_half_the_controls_class_kept_rate():
    success = np.array([1, 1, 0, 0, 1, 0, 0, 0], dtype=bool)
    control_kept = np.array([1, 0, 1, 1, 0, 1, 0, 0], dtype=bool)
    comparison = excess_over_chance(_trials(success, control_kept))
    assert comparison.chance_rate == pytest.approx(0.5 * 4 / 8)
    assert comparison.success_rate == pytest.approx(3 / 8)
    # dᵢ = sᵢ − cᵢ/2, paired: its mean and standard error by hand.
    d = success - control_kept / 2
    assert comparison.excess == pytest.approx(d.mean())
    assert comparison.standard_error == pytest.approx(
        d.std(ddof=1) / math.sqrt(8)
    )


def test_the_chance_test_fires_at_its_level_and_on_a_real_excess():
    # Under H₀ (no selection effect) the one-sided t-test at α = 0.05 fires
    # about 5% of the time at the lab's 200 trials.
    rate = excess_false_positive_rate(200, 0.5, simulations=4000)
    assert 0.03 < rate < 0.07
    # Every result succeeds while the control keeps the class half the
    # time: an excess of 0.75, far beyond chance.
    rng = np.random.default_rng(0)
    control_kept = rng.random(200) < 0.5
    comparison = excess_over_chance(_trials(np.ones(200, bool), control_kept))
    assert comparison.better_than_chance
    # Exactly at chance: every control keeps the class (chance ½) and
    # half the results succeed. No verdict.
    half = np.tile([True, False], 100)
    at_chance = excess_over_chance(_trials(half, np.ones(200, bool)))
    assert at_chance.excess == pytest.approx(0.0)
    assert not at_chance.better_than_chance


def test_moved_more_than_chance_is_the_exact_binomial_test():
    # 15 of 20 moved: P(K ≥ 15) for K ~ Binomial(20, ½) = 21700/2²⁰.
    moved = np.array([True] * 15 + [False] * 5)
    p_value, verdict = moved_more_than_chance(_trials(moved, moved))
    assert p_value == pytest.approx(21700 / 2**20, rel=1e-9)
    assert verdict
    half = np.array([True, False] * 10)
    assert not moved_more_than_chance(_trials(half, half))[1]


def test_kept_against_control_is_mcnemars_exact_test():
    # 12 trials keep the class where the control lost it, 2 the reverse:
    # p = 2·P(K ≤ 2), K ~ Binomial(14, ½) = 2·(1 + 14 + 91)/2¹⁴.
    kept = np.array([True] * 12 + [False] * 2 + [True] * 6)
    control = np.array([False] * 12 + [True] * 2 + [True] * 6)
    trials = _trials(kept, control)
    trials = ArithmeticTrials(
        "thickness", trials.source_class, trials.target_class,
        trials.triples, predicted_class=np.where(kept, 0, 1),
        result_value=trials.result_value,
        control_predicted_class=trials.control_predicted_class,
        control_value=trials.control_value,
        baseline_value=trials.baseline_value,
    )  # fmt: skip
    difference, p_value, verdict = kept_against_control(trials)
    assert difference == pytest.approx((18 - 8) / 20)
    assert p_value == pytest.approx(2 * 106 / 2**14, rel=1e-9)
    assert verdict
    # Identical rates, every pair concordant: no evidence either way.
    same = _trials(control, np.ones(20, bool))  # both always keep it
    assert kept_against_control(same)[1:] == (1.0, False)


# -------------------------------------------------------------------- probe
def test_balanced_subset_has_per_class_examples_and_is_seeded():
    labels = torch.arange(10).repeat(20)
    index = balanced_subset(labels, 3, seed=5)
    assert torch.equal(torch.bincount(labels[index]), torch.full((10,), 3))
    assert torch.equal(index, balanced_subset(labels, 3, seed=5))
    with pytest.raises(ValueError, match="fewer than per_class"):
        balanced_subset(labels, 21)


def test_linear_probe_separates_separable_classes():
    g = torch.Generator().manual_seed(4)
    labels = torch.arange(3).repeat(30)
    # Each class sits at its own one-hot corner, with a little noise.
    features = (
        torch.randn(90, 5, generator=g) * 0.1
        + torch.nn.functional.one_hot(labels, 5).float()
    )
    probe = fit_linear_probe(features, labels, seed=0)
    assert probe.accuracy(features, labels) == 1.0


def test_discriminator_features_have_the_pooled_shape():
    from gan_lib.nn.dcgan import DCGANDiscriminator

    torch.manual_seed(0)
    d = DCGANDiscriminator(width=8)
    features = discriminator_features(d, torch.zeros(3, 1, 28, 28))
    assert features.shape == (3, 16 * 4 * 4)


def test_probe_runs_on_a_tiny_mnist_subset(data_root):
    from gan_lib.data.images import load_images
    from gan_lib.experiments.pretrained import load_pretrained_dcgan

    torch.set_num_threads(1)
    _, d, _ = load_pretrained_dcgan()
    train_set = load_images("mnist", train=True, limit=2000, root=data_root)
    test_set = load_images("mnist", train=False, limit=500, root=data_root)
    table = probe_table(
        d,
        train_set.images,
        train_set.labels,
        test_set.images,
        test_set.labels,
        label_counts=(100,),
    )
    for name in ("D features", "pixels"):
        (accuracy,) = table[name][100]
        # Far above chance (0.1) with 10 labels per class.
        assert 0.3 < accuracy <= 1.0
    # The pixel row is feature_probe on the pixels, with the same labels.
    pixels = feature_probe(
        pixel_features,
        train_set.images,
        train_set.labels,
        test_set.images,
        test_set.labels,
        label_counts=(100,),
    )
    assert pixels == table["pixels"]
