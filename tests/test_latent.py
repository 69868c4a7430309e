"""gan_lib.evaluation.latent: paths, attribute measures on constructed
digits, arithmetic trials, the linear probe."""

import math

import pytest
import torch

from gan_lib.evaluation.latent import (
    arithmetic_trials,
    balanced_subset,
    discriminator_features,
    fit_linear_probe,
    frame_distances,
    latent_arithmetic,
    lerp,
    nearest_distances,
    path_roughness,
    probe_table,
    slant,
    slerp,
    stroke_thickness,
)


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
    # An L × w bar: area Lw, boundary 2L + 2w, so 2A/P = Lw/(L + w).
    thickness = stroke_thickness(bar(width)).item()
    assert thickness == pytest.approx(16 * width / (16 + width), rel=1e-6)


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
