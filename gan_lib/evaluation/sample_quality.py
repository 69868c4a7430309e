"""How good are generated digits? Measured with the reference MNIST classifier.

Three numbers, all computed by
:class:`gan_lib.evaluation.classifier.MNISTClassifier`:

- the **Fréchet classifier distance**: fit a Gaussian to the classifier's
  features φ(x) of real images, (μ_r, Σ_r), and of generated images,
  (μ_g, Σ_g), and take the squared Fréchet (2-Wasserstein) distance between
  the two Gaussians (Dowson and Landau 1982),

  .. math::

     d^2 = \\lVert μ_r − μ_g \\rVert^2
           + \\operatorname{Tr}\\big(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2}\\big).

  This is the recipe of the Fréchet Inception Distance (Heusel et al. 2017),
  but in the feature space of a small MNIST classifier: its values are *not*
  FID values and cannot be compared with published FIDs;
- the **class histogram**: how many samples the classifier assigns to each
  digit (a generator that drops digits leaves empty bins — mode collapse made
  visible);
- the **mean confidence** E_x max_y p(y | x): high when samples look like one
  clear digit each, low for smudges between classes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from gan_lib.evaluation.classifier import (
    NUM_CLASSES,
    MNISTClassifier,
    in_batches,
)

__all__ = [
    "gaussian_statistics",
    "frechet_distance",
    "SampleQuality",
    "SampleJudge",
    "ClassAgreement",
    "class_agreement",
]


def gaussian_statistics(
    features: torch.Tensor | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(μ, Σ): the mean and unbiased covariance of the rows of ``features``.

    ``features`` is (n, d); both statistics are float64.
    """
    array = np.asarray(
        features.detach().cpu()
        if isinstance(features, torch.Tensor)
        else features,
        dtype=np.float64,
    )
    if array.ndim != 2 or array.shape[0] < 2:
        raise ValueError(
            "features must be an (n, d) array with n >= 2 samples, "
            f"got shape {array.shape}"
        )
    # np.cov returns a 0-d array when d = 1; keep Σ (d, d) for every d
    covariance = np.cov(array, rowvar=False).reshape(
        array.shape[1], array.shape[1]
    )
    return array.mean(axis=0), covariance


def frechet_distance(
    mu_1: np.ndarray,
    sigma_1: np.ndarray,
    mu_2: np.ndarray,
    sigma_2: np.ndarray,
) -> float:
    """The squared Fréchet distance of two Gaussians.

        d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2})

    (Σ₁Σ₂)^{1/2} by ``scipy.linalg.sqrtm``; its eigenvalues are real and ≥ 0
    in exact arithmetic, so round-off imaginary parts are dropped. A singular
    product (fewer samples than features) gets a 1e-6 ridge on both
    covariances, as in the FID reference code.
    """
    mu_1, mu_2 = (
        np.atleast_1d(mu_1).astype(np.float64),
        np.atleast_1d(mu_2).astype(np.float64),
    )
    sigma_1, sigma_2 = (
        np.atleast_2d(sigma_1).astype(np.float64),
        np.atleast_2d(sigma_2).astype(np.float64),
    )
    if (
        mu_1.shape != mu_2.shape
        or sigma_1.shape != sigma_2.shape
        or sigma_1.shape != (mu_1.size, mu_1.size)
    ):
        raise ValueError(
            f"shapes do not match: μ {mu_1.shape} and {mu_2.shape}, "
            f"Σ {sigma_1.shape} and {sigma_2.shape}"
        )
    with warnings.catch_warnings():
        # ReLU features that never fire have zero variance, so Σ₁Σ₂ is often
        # singular; sqrtm still returns its (finite, PSD) root and warns.
        # A non-finite root is handled below.
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        root = scipy.linalg.sqrtm(sigma_1 @ sigma_2)
    if not np.isfinite(root).all():
        ridge = 1e-6 * np.eye(mu_1.size)
        root = scipy.linalg.sqrtm((sigma_1 + ridge) @ (sigma_2 + ridge))
    difference = mu_1 - mu_2
    return float(
        difference @ difference
        + np.trace(sigma_1)
        + np.trace(sigma_2)
        # .real: drop the round-off imaginary part of the root's trace
        - 2 * np.trace(root).real
    )


@dataclass(frozen=True)
class SampleQuality:
    """What the classifier says about a batch of samples."""

    # Fréchet classifier distance to the real images (0 = same Gaussian)
    frechet_distance: float
    class_counts: np.ndarray  # (10,) number of samples per predicted digit
    mean_confidence: float  # E max_y p(y | x)

    @property
    def classes_present(self) -> int:
        """How many of the ten digits appear at least once."""
        return int((self.class_counts > 0).sum())


class SampleJudge:
    """Measures generated images against fixed real images.

    The measure is a reference classifier's.

    The real images' feature statistics are computed once, at construction, so
    measuring during training costs one classifier pass over the samples.
    """

    def __init__(
        self, classifier: MNISTClassifier, real_images: torch.Tensor
    ) -> None:
        self.classifier = classifier.eval()
        self.real_statistics = gaussian_statistics(self._features(real_images))

    def _features(self, images: torch.Tensor) -> torch.Tensor:
        device = next(self.classifier.parameters()).device
        return in_batches(self.classifier.features, images.to(device))

    def frechet_classifier_distance(self, images: torch.Tensor) -> float:
        """d² between the Gaussians fitted to φ(real) and φ(images)."""
        return frechet_distance(
            *self.real_statistics, *gaussian_statistics(self._features(images))
        )

    def __call__(self, images: torch.Tensor) -> SampleQuality:
        features = self._features(images)
        probabilities = in_batches(
            lambda f: self.classifier.head(f).softmax(1), features
        )
        confidence, predicted = probabilities.max(1)
        return SampleQuality(
            frechet_distance=frechet_distance(
                *self.real_statistics, *gaussian_statistics(features)
            ),
            class_counts=np.bincount(
                predicted.cpu().numpy(), minlength=NUM_CLASSES
            ),
            mean_confidence=confidence.mean().item(),
        )


@dataclass(frozen=True)
class ClassAgreement:
    """How often a conditional generator draws the class it was asked for.

    The class a sample shows is the reference classifier's prediction.
    """

    overall: float  # P(classifier's class = requested class) over all samples
    # (10,) the same fraction among the samples asked for each class
    per_class: np.ndarray


def class_agreement(
    classifier: MNISTClassifier, images: torch.Tensor, requested: torch.Tensor
) -> ClassAgreement:
    """P(argmax_y p(y | G(z, c)) = c).

    The fraction of samples that the classifier puts in their requested
    class c.
    """
    requested = torch.as_tensor(requested).long().cpu()
    if requested.shape != (images.shape[0],) or images.shape[0] == 0:
        raise ValueError(
            f"need one requested class per image: {images.shape[0]} images, "
            f"labels of shape {tuple(requested.shape)}"
        )
    device = next(classifier.parameters()).device
    predicted = in_batches(classifier, images.to(device)).argmax(1).cpu()
    hits = (predicted == requested).double()
    counts = np.bincount(requested.numpy(), minlength=NUM_CLASSES)
    per_class = np.bincount(
        requested.numpy(), weights=hits.numpy(), minlength=NUM_CLASSES
    ) / np.maximum(counts, 1)  # max(·, 1): no 0/0 for unrequested classes
    # a class nobody asked for has no agreement to report
    per_class[counts == 0] = np.nan
    return ClassAgreement(overall=hits.mean().item(), per_class=per_class)
