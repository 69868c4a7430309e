"""The shipped DCGAN: small, with its log, loads on CPU, refuses the wrong
model with a clear error."""

import pytest
import torch

from gan_lib.experiments.pretrained import (
    DEFAULT_CHECKPOINT,
    generate,
    load_pretrained_dcgan,
    load_weights,
    save_dcgan_pair,
)
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.training.checkpoint import CheckpointMismatchError


def test_shipped_checkpoint_is_small_and_has_its_training_log():
    assert DEFAULT_CHECKPOINT.stat().st_size < 3_000_000
    log = DEFAULT_CHECKPOINT.with_suffix(".log").read_text()
    # The log records the command as it was run, before gan_lib was grouped by
    # role: gan_lib.pretrained_dcgan is now gan_lib.experiments.pretrained.
    assert log.startswith("python -m gan_lib.pretrained_dcgan --train")
    assert "saved" in log


def test_shipped_generator_loads_on_cpu_and_draws_images_in_range():
    torch.set_num_threads(1)
    generator, discriminator, metadata = load_pretrained_dcgan(device="cpu")
    assert not generator.training and not discriminator.training
    z, images = generate(generator, 5, seed=0)
    assert z.shape == (5, generator.latent_dim)
    assert images.shape == (5, 1, 28, 28)
    assert images.dtype == torch.float32
    assert images.min() >= -1 and images.max() <= 1
    assert discriminator(images).shape == (5,)
    # The command under the module's name when it ran (see the log test).
    assert metadata["command"].startswith(
        "python -m gan_lib.pretrained_dcgan --train"
    )
    # Eval mode: a sample does not depend on the rest of its batch.
    with torch.no_grad():
        assert torch.allclose(images[:2], generator(z[:2]), atol=1e-5)
    assert torch.equal(images, generate(generator, 5, seed=0)[1])  # seeded


def test_loading_into_the_wrong_model_is_a_clear_error():
    config = load_pretrained_dcgan()[0]
    with pytest.raises(
        CheckpointMismatchError,
        match="holds a DCGANGenerator as its generator, "
        "not a DCGANDiscriminator",
    ):
        load_weights(
            DCGANDiscriminator(width=config.width),
            DEFAULT_CHECKPOINT,
            "generator",
        )
    with pytest.raises(
        CheckpointMismatchError, match="does not fit this DCGANGenerator"
    ):
        load_weights(
            DCGANGenerator(width=config.width * 2),
            DEFAULT_CHECKPOINT,
            "generator",
        )


def test_other_files_are_refused_with_the_command_that_makes_the_checkpoint(
    tmp_path,
):
    with pytest.raises(
        FileNotFoundError,
        match="python -m gan_lib.experiments.pretrained --train",
    ):
        load_pretrained_dcgan(tmp_path / "absent.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(
        CheckpointMismatchError, match="not a GAN Book DCGAN checkpoint"
    ):
        load_pretrained_dcgan(tmp_path / "other.pt")


def test_save_and_load_round_trip_within_float16_precision(tmp_path):
    torch.manual_seed(0)
    generator, discriminator = (
        DCGANGenerator(width=8),
        DCGANDiscriminator(width=8),
    )
    path = save_dcgan_pair(
        generator, discriminator, tmp_path / "pair.pt", {"note": "test"}
    )
    # The atomic write left no temporary file.
    assert [p.name for p in tmp_path.iterdir()] == ["pair.pt"]
    loaded_g, loaded_d, metadata = load_pretrained_dcgan(path)
    assert metadata == {"note": "test"}
    for original, loaded in ((generator, loaded_g), (discriminator, loaded_d)):
        for (name, a), b in zip(
            original.state_dict().items(),
            loaded.state_dict().values(),
            strict=True,
        ):
            assert torch.allclose(
                a.float(), b.float(), rtol=1e-3, atol=1e-4
            ), name


def test_shipped_generator_draws_all_ten_digits(data_root):
    from gan_lib.data.images import load_images
    from gan_lib.evaluation.classifier import load_reference_classifier
    from gan_lib.evaluation.sample_quality import SampleJudge
    from gan_lib.experiments.pretrained import load_pretrained_dcgan

    torch.manual_seed(0)
    generator, _, _ = load_pretrained_dcgan()
    judge = SampleJudge(
        load_reference_classifier(),
        load_images("mnist", train=False, root=data_root).images[:2000],
    )
    with torch.no_grad():
        quality = judge(generator(torch.randn(2000, generator.latent_dim)))
    assert quality.classes_present == 10
    # Measured on 10,000 samples: the rarest digit gets 3.8% of them.
    assert quality.class_counts.min() >= 0.015 * 2000
    noise = judge(torch.rand(2000, 1, 28, 28) * 2 - 1)
    assert quality.frechet_distance < 0.15 * noise.frechet_distance
