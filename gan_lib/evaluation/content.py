"""SRGAN's content loss, on the features of the book's reference classifier.

A pixel-wise MSE rewards the mean of all the sharp images that fit a
low-resolution input, a blur. SRGAN (Ledig et al. 2017) compares images
in the feature space of a trained classifier instead, its eq. 5:

.. math::
    l_{φ} = \\frac{1}{W H} \\sum_{x=1}^{W} \\sum_{y=1}^{H}
            \\big(φ(I^{HR})_{x,y} − φ(G(I^{LR}))_{x,y}\\big)^2,

where φ is the feature map of one layer, of size W×H, of VGG19 trained
on ImageNet. The book's images are 28×28 digits and clothes, so φ comes
from the reference classifier of :mod:`gan_lib.evaluation.classifier`.
The paper writes φ_{i,j} for the j-th convolution (after its activation)
before the i-th max pooling; its best results use VGG19's deepest one,
φ_{5,4}. Our classifier's layers, by name:

- ``conv1``: φ_{1,1}, 16 × 28², low-level strokes and edges;
- ``conv2``: φ_{2,1}, 32 × 14², the deepest convolution (the default);
- ``features``: the 64 dense features of the Fréchet classifier distance.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["FEATURE_LAYERS", "ClassifierFeatures", "content_loss"]

# Index in MNISTClassifier.body of the ReLU that closes each layer.
FEATURE_LAYERS = {"conv1": 1, "conv2": 4, "features": 8}


class ClassifierFeatures(nn.Module):
    """φ(x): a frozen classifier's activations at ``layer``.

    Freezes ``classifier`` in place: eval mode (batch norm, if any, uses and
    keeps its running statistics) and no gradients for its parameters. The
    gradient still flows to the input images, which is what a generator
    trained on the content loss needs.

    Args:
        classifier: an :class:`~gan_lib.evaluation.classifier.MNISTClassifier`
            (any module whose ``body`` is an ``nn.Sequential`` will do).
        layer: a name of ``FEATURE_LAYERS``, or an index into ``body``.
    """

    def __init__(self, classifier: nn.Module, layer: str | int = "conv2"):
        super().__init__()
        body = getattr(classifier, "body", None)
        if not isinstance(body, nn.Sequential):
            raise TypeError(
                "ClassifierFeatures needs a classifier with an nn.Sequential "
                f"`body` (e.g. MNISTClassifier), got {type(classifier)}"
            )
        index = FEATURE_LAYERS.get(layer, layer)
        if not isinstance(index, int) or not 0 <= index < len(body):
            raise ValueError(
                f"unknown layer {layer!r}: pass one of "
                f"{', '.join(FEATURE_LAYERS)} or an index below {len(body)}"
            )
        self.layer = layer
        classifier.requires_grad_(False).eval()
        # A slice of a Sequential shares its modules: nothing is copied.
        self.layers = body[: index + 1]

    def train(self, mode: bool = True) -> ClassifierFeatures:
        # A measuring device: stays in eval mode even inside a model that
        # a trainer switches to train mode.
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4:
            raise ValueError(
                "ClassifierFeatures expects images of shape (m, 1, 28, 28) "
                f"in [-1, 1], got {tuple(images.shape)}"
            )
        return self.layers(images)


def content_loss(
    features: ClassifierFeatures, output: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """The content loss: the mean of (φ(target) − φ(output))², a scalar.

    The mean runs over the batch and over every entry of the feature maps:
    the paper's eq. 5 divides by W·H; dividing by the channels too only
    rescales the loss by a constant (the paper, for a similar reason,
    scales VGG's feature maps by 1/12.75). The target is data: φ(target)
    gets no gradient.
    """
    if output.shape != target.shape:
        raise ValueError(
            "output and target must have the same shape, got "
            f"{tuple(output.shape)} and {tuple(target.shape)}"
        )
    with torch.no_grad():
        wanted = features(target)
    return (features(output) - wanted).pow(2).mean()
