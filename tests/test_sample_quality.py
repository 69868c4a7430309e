"""The Fréchet distance against closed forms, and the classifier's sample
measures on real digits."""

import numpy as np
import pytest
import scipy.linalg
import torch

from gan_lib.evaluation.sample_quality import (
    SampleJudge,
    frechet_distance,
    gaussian_statistics,
)


def random_covariance(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def symmetric_form(mu_1, sigma_1, mu_2, sigma_2):
    """The same d² written with symmetric square roots (eigh):
    ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½)."""

    def sqrt_psd(m):
        w, v = np.linalg.eigh(m)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    root_1 = sqrt_psd(sigma_1)
    cross = sqrt_psd(root_1 @ sigma_2 @ root_1)
    return np.sum((mu_1 - mu_2) ** 2) + np.trace(sigma_1 + sigma_2 - 2 * cross)


def test_one_dimension_is_the_squared_w2_of_normals():
    # d² = (μ₁ − μ₂)² + (σ₁ − σ₂)² for N(μ₁, σ₁²), N(μ₂, σ₂²).
    d2 = frechet_distance(
        np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]])
    )
    assert d2 == pytest.approx(9 + 1)


@pytest.mark.parametrize("d", range(2, 9))
def test_commuting_covariances(d):
    # Diagonal Σ's commute: d² = ‖μ₁ − μ₂‖² + Σᵢ (√a_i − √b_i)².
    rng = np.random.default_rng(d)
    mu_1, mu_2, a, b = (
        rng.normal(size=d),
        rng.normal(size=d),
        rng.uniform(0.1, 3, d),
        rng.uniform(0.1, 3, d),
    )
    expected = np.sum((mu_1 - mu_2) ** 2) + np.sum(
        (np.sqrt(a) - np.sqrt(b)) ** 2
    )
    d2 = frechet_distance(mu_1, np.diag(a), mu_2, np.diag(b))
    assert d2 == pytest.approx(expected, rel=1e-9)
    # Rotating both Gaussians by one orthogonal Q changes nothing (and makes
    # Σ's non-diagonal).
    q = scipy.linalg.qr(rng.normal(size=(d, d)))[0]
    rotated = frechet_distance(
        q @ mu_1, q @ np.diag(a) @ q.T, q @ mu_2, q @ np.diag(b) @ q.T
    )
    assert rotated == pytest.approx(expected, rel=1e-8)


def test_two_dimensional_non_commuting_closed_form():
    # For 2×2, Tr (Σ₁Σ₂)^½ = √(Tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)) (the eigenvalues
    # of Σ₁Σ₂ are real, ≥ 0).
    rng = np.random.default_rng(0)
    s1 = random_covariance(rng, 2)
    s2 = random_covariance(rng, 2)
    mu = rng.normal(size=2)
    assert not np.allclose(s1 @ s2, s2 @ s1)
    trace_root = np.sqrt(
        np.trace(s1 @ s2) + 2 * np.sqrt(np.linalg.det(s1) * np.linalg.det(s2))
    )
    expected = mu @ mu + np.trace(s1) + np.trace(s2) - 2 * trace_root
    assert frechet_distance(mu, s1, np.zeros(2), s2) == pytest.approx(
        expected, rel=1e-9
    )


@pytest.mark.parametrize("d", range(2, 9))
def test_general_covariances_match_the_symmetric_form(d):
    rng = np.random.default_rng(10 + d)
    args = (
        rng.normal(size=d),
        random_covariance(rng, d),
        rng.normal(size=d),
        random_covariance(rng, d),
    )
    assert frechet_distance(*args) == pytest.approx(
        symmetric_form(*args), rel=1e-8
    )
    mu_1, sigma_1 = args[:2]
    d2_to_itself = frechet_distance(mu_1, sigma_1, mu_1, sigma_1)
    assert d2_to_itself == pytest.approx(0, abs=1e-8)


def test_estimate_from_samples_converges_to_the_closed_form():
    rng = np.random.default_rng(1)
    d, n = 4, 200_000
    s1, s2 = random_covariance(rng, d), random_covariance(rng, d)
    mu_2 = rng.normal(size=d)
    x = rng.multivariate_normal(np.zeros(d), s1, size=n)
    y = rng.multivariate_normal(mu_2, s2, size=n)
    estimate = frechet_distance(
        *gaussian_statistics(x), *gaussian_statistics(y)
    )
    # Measured: the plug-in estimate is 0.56% below the truth at n = 200,000
    # here; allow 2%.
    truth = frechet_distance(np.zeros(d), s1, mu_2, s2)
    assert estimate == pytest.approx(truth, rel=0.02)


def test_bad_inputs():
    with pytest.raises(ValueError, match="shapes do not match"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="n >= 2"):
        gaussian_statistics(np.zeros((1, 4)))
    # Fewer samples than features: singular covariances still give a finite
    # distance.
    rng = np.random.default_rng(0)
    d2 = frechet_distance(
        *gaussian_statistics(rng.normal(size=(3, 6))),
        *gaussian_statistics(rng.normal(size=(3, 6))),
    )
    assert np.isfinite(d2)


@pytest.fixture(scope="module")
def judge_and_test_set():
    from conftest import real_data_root

    root = real_data_root()
    if root is None:
        pytest.skip(
            "MNIST not found: set GAN_BOOK_DATA to a folder with MNIST/raw/; "
            "tests never download"
        )
    from gan_lib.data.images import load_images
    from gan_lib.evaluation.classifier import load_reference_classifier

    # A random split: MNIST's first 5,000 test digits come from cleaner
    # writers than the last 5,000 (the two halves are ~45 apart in this
    # distance, two random halves ~2).
    test_set = load_images("mnist", train=False, root=root)
    order = torch.randperm(
        len(test_set), generator=torch.Generator().manual_seed(0)
    )
    reference, held_out = order[:5000], order[5000:]
    judge = SampleJudge(
        load_reference_classifier(), test_set.images[reference]
    )
    return (
        judge,
        test_set.images[held_out],
        test_set.labels[held_out],
        test_set,
    )


def test_real_digits_measure_as_real(judge_and_test_set):
    judge, images, labels, _ = judge_and_test_set
    held_out = judge(images)
    uniform = torch.rand(
        5000, 1, 28, 28, generator=torch.Generator().manual_seed(0)
    )
    noise = judge(uniform * 2 - 1)  # uniform noise in [−1, 1]
    # Measured: random halves of the test set are 1.9 apart, uniform noise
    # about 2,000.
    assert held_out.frechet_distance < 0.01 * noise.frechet_distance
    assert held_out.classes_present == 10
    assert held_out.mean_confidence > 0.98
    true_counts = np.bincount(labels.numpy(), minlength=10)
    assert np.abs(held_out.class_counts - true_counts).sum() <= 0.02 * 5000


def test_one_digit_only_shows_as_one_bin(judge_and_test_set):
    judge, images, labels, _ = judge_and_test_set
    quality = judge(images[labels == 1][:500])
    assert quality.class_counts[1] >= 495
    assert quality.classes_present <= 3
    assert quality.frechet_distance > 10 * judge(images[:500]).frechet_distance


def test_class_agreement_is_accuracy_for_true_labels_chance_for_shuffled(
    judge_and_test_set,
):
    from gan_lib.data.images import ImageData
    from gan_lib.evaluation.classifier import accuracy
    from gan_lib.evaluation.sample_quality import class_agreement

    judge, images, labels, _ = judge_and_test_set
    agreement = class_agreement(judge.classifier, images, labels)
    # accuracy() is float32.
    assert agreement.overall == pytest.approx(
        accuracy(judge.classifier, ImageData(images, labels)), abs=1e-6
    )
    assert agreement.per_class.shape == (10,)
    assert (agreement.per_class > 0.97).all()
    shuffled = labels[
        torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))
    ]
    chance = class_agreement(judge.classifier, images, shuffled)
    assert chance.overall == pytest.approx(0.1, abs=0.02)  # binomial sd 0.004
    with pytest.raises(ValueError, match="one requested class per image"):
        class_agreement(judge.classifier, images, labels[:10])
