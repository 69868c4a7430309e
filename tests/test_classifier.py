"""The shipped reference classifier: small, loadable on CPU, ≥ 99% on the held-out MNIST test set."""

import pytest
import torch

from gan_lib.classifier import DEFAULT_CHECKPOINT, MNISTClassifier, accuracy, load_reference_classifier


def test_shipped_checkpoint_is_small_and_has_its_log():
    assert DEFAULT_CHECKPOINT.stat().st_size < 1_000_000
    log = DEFAULT_CHECKPOINT.with_suffix(".log").read_text()
    assert log.startswith("python -m gan_lib.classifier --train") and "test accuracy" in log


def test_held_out_accuracy_is_at_least_99_percent(data_root):
    from gan_lib.data import load_images

    torch.set_num_threads(1)
    model = load_reference_classifier(device="cpu")
    test_accuracy = accuracy(model, load_images("mnist", train=False, root=data_root))
    assert test_accuracy >= 0.99
    # The number the training log reports is the number this evaluation gives.
    assert test_accuracy == pytest.approx(torch.load(DEFAULT_CHECKPOINT, weights_only=True)["metadata"]["test_accuracy"], abs=2e-4)


def test_features_and_logits_shapes_and_bad_input():
    model = MNISTClassifier()
    x = torch.zeros(3, 1, 28, 28)
    assert model.features(x).shape == (3, 64) and model(x).shape == (3, 10)
    with pytest.raises(ValueError, match=r"\(batch, 1, 28, 28\) in \[-1, 1\]"):
        model(torch.zeros(3, 784))


def test_fashion_mnist_classifier_is_shipped_with_its_log_and_measured_accuracy(data_root):
    """The same network and recipe on Fashion-MNIST: a harder task; Xiao et al. (2017) report 87–92% for classic classifiers."""
    from gan_lib.classifier import reference_checkpoint
    from gan_lib.data import load_images

    path = reference_checkpoint("fashion_mnist")
    assert path.stat().st_size < 1_000_000
    assert path.with_suffix(".log").read_text().startswith("python -m gan_lib.classifier --train --dataset fashion_mnist")
    torch.set_num_threads(1)
    model = load_reference_classifier(dataset="fashion_mnist")
    test_accuracy = accuracy(model, load_images("fashion_mnist", train=False, root=data_root))
    assert test_accuracy >= 0.90
    assert test_accuracy == pytest.approx(torch.load(path, weights_only=True)["metadata"]["test_accuracy"], abs=2e-4)


def test_unknown_data_set_is_a_clear_error():
    with pytest.raises(ValueError, match="Valid data sets: mnist, fashion_mnist"):
        load_reference_classifier(dataset="cifar10")
