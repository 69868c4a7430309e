"""Chapter 15's SRGAN set-up (Ledig et al. 2017): the loss terms against
closed forms, eq. 3's weighting through the trainer, the wiring (G's input
is the high-resolution batch, D sees 28×28 images, the extra cost's
gradient reaches G), the measures, and the regression-to-the-mean blur
that the MSE alone produces."""

import math

import pytest
import torch
from torch import nn

from gan_lib.data.images import load_images
from gan_lib.evaluation import (
    ClassifierFeatures,
    MNISTClassifier,
    SampleJudge,
    content_loss,
    psnr,
    ssim,
)
from gan_lib.experiments.srgan import (
    PAPER_ADVERSARIAL_WEIGHT,
    ContentCost,
    ScaledCost,
    SuperResolver,
    bicubic,
    content_scale,
    fit_regression,
    image_sampler,
    measure,
    perceptual_extra_cost,
    pixel_mse,
    srgan_trainer,
    super_resolve,
)
from gan_lib.nn.superres import (
    SRDiscriminator,
    SRGenerator,
    bicubic_upsample,
    downsample,
)
from gan_lib.training.losses import non_saturating_cost


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def images(m=4):
    return torch.rand(m, 1, 28, 28) * 2 - 1


def small_resolver():
    return SuperResolver(SRGenerator(channels=8, blocks=1))


@pytest.fixture(scope="module")
def features():
    torch.manual_seed(1)
    return ClassifierFeatures(MNISTClassifier(), "conv2")


# --- the loss terms -------------------------------------------------------


def test_pixel_mse_of_a_constant_offset_is_its_square():
    z = images()
    # (z + δ − z)² = δ² at every pixel: 0.3² = 0.09
    assert pixel_mse(None, z, z + 0.3).item() == pytest.approx(0.09)
    assert pixel_mse(None, z, z).item() == 0.0
    with pytest.raises(ValueError, match="same shape"):
        pixel_mse(None, z, z[:, :, :14])


def test_content_cost_is_the_scaled_content_loss(features):
    z, fake = images(), images()
    cost = ContentCost(features, scale=0.25)
    expected = 0.25 * content_loss(features, fake, z)
    torch.testing.assert_close(cost(None, z, fake), expected)
    assert cost(None, z, z).item() == 0.0
    with pytest.raises(ValueError, match="positive"):
        ContentCost(features, scale=0.0)


def test_content_scale_matches_the_mse_on_the_bicubic_baseline(features):
    high = images(8)
    scale = content_scale(features, high)
    base = bicubic(high)
    # c · l_φ(bicubic) = l_MSE(bicubic): the content loss at the MSE's size
    torch.testing.assert_close(
        ContentCost(features, scale)(None, high, base),
        pixel_mse(None, high, base),
    )
    with pytest.raises(ValueError, match="zero"):
        content_scale(features, torch.zeros(2, 1, 28, 28))


def test_eq3_is_divided_by_its_adversarial_weight():
    extra = perceptual_extra_cost(pixel_mse, 1e-2)
    assert isinstance(extra, ScaledCost) and extra.factor == pytest.approx(100)
    z = images()
    torch.testing.assert_close(extra(None, z, z + 0.1), torch.tensor(1.0))
    assert perceptual_extra_cost(pixel_mse).factor == pytest.approx(
        1 / PAPER_ADVERSARIAL_WEIGHT
    )
    for weight in (0.0, -1e-3):
        with pytest.raises(ValueError, match="fit_regression"):
            perceptual_extra_cost(pixel_mse, weight)


def test_adam_trains_the_divided_cost_as_eq3():
    """l_Gen + l_X / w and l_X + w l_Gen differ by the factor 1/w, which
    Adam's division by the gradient's RMS cancels: the same steps."""
    w = PAPER_ADVERSARIAL_WEIGHT
    x, target = torch.randn(16, 3), torch.randn(16, 1)
    models = []
    for divided in (True, False):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(20):
            out = model(x)
            l_x = (out - target).pow(2).mean()
            l_gen = non_saturating_cost(out.flatten())
            loss = l_gen + l_x / w if divided else l_x + w * l_gen
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        models.append(model)
    for a, b in zip(
        models[0].parameters(), models[1].parameters(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


# --- the wiring -----------------------------------------------------------


def test_the_resolver_downsamples_then_super_resolves():
    resolver = small_resolver().eval()
    high = images(3)
    out = resolver(high)
    assert out.shape == (3, 1, 28, 28)
    torch.testing.assert_close(out, resolver.network(downsample(high)))
    # G sees only I^LR: two images with the same block means, same output
    blocky = downsample(high).repeat_interleave(4, 2).repeat_interleave(4, 3)
    torch.testing.assert_close(resolver(blocky), out)
    torch.testing.assert_close(super_resolve(resolver, high, 2), out)


def test_image_sampler_draws_rows_with_the_given_stream():
    data = images(10)
    draw = image_sampler(data)
    first = draw(6, torch.Generator().manual_seed(3))
    again = draw(6, torch.Generator().manual_seed(3))
    torch.testing.assert_close(first, again)
    for row in first:
        assert any(torch.equal(row, d) for d in data)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        image_sampler(torch.zeros(10, 28, 28))


def tiny_trainer(extra, seed=0):
    torch.manual_seed(seed)
    return srgan_trainer(
        small_resolver(),
        SRDiscriminator(28, width=8),
        images(64),
        extra,
        batch_size=8,
        log_every=1,
        device="cpu",
        seed=seed,
    )


def test_the_trainer_feeds_g_high_resolution_images_and_d_sees_28x28():
    run = tiny_trainer(perceptual_extra_cost(pixel_mse, 0.1))
    assert run.latent_shape == (1, 28, 28)
    z = run.noise_batch(5)
    assert any(torch.equal(z[0], x) for x in run.data)
    seen = []
    run.discriminator.register_forward_hook(
        lambda module, inputs, output: seen.append(inputs[0].shape)
    )
    run.train(1, progress=False)
    assert seen and all(shape[1:] == (1, 28, 28) for shape in seen)


def test_the_generator_step_adds_the_weighted_mse_and_it_reaches_g():
    w = 0.1
    run = tiny_trainer(perceptual_extra_cost(pixel_mse, w))
    stream = torch.Generator().manual_seed(0)
    stream.set_state(run.rng.get_state())
    before = {
        name: value.clone()
        for name, value in run.generator.state_dict().items()
    }
    stats = run.generator_step(record=True)
    # by hand, from the same z: the extra term is l_MSE / w
    z = image_sampler(run.data)(8, stream)
    model = small_resolver()
    model.load_state_dict(before)
    fake = model(z)
    torch.testing.assert_close(
        stats["g_extra"], (fake - z).pow(2).mean().detach() / w
    )
    # the extra term's gradient alone reaches every parameter of G
    pixel_mse(model, z, fake).backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0
        assert not torch.equal(
            run.generator.state_dict()[name], before[name]
        ), name


# --- regression and the MSE's blur ------------------------------------------


def two_sharp_images(m):
    """Each 4×4 block a ±1 checkerboard or its negative, at random.

    Every block averages to 0, so I^LR is 0 whatever the image: the
    low-resolution input cannot tell the two sharp versions apart.
    """
    checker = (torch.arange(4)[:, None] + torch.arange(4)).remainder(2)
    block = (2.0 * checker - 1).repeat(7, 7)  # (28, 28)
    signs = torch.randint(0, 2, (m, 1, 7, 7)) * 2.0 - 1
    return block * signs.repeat_interleave(4, 2).repeat_interleave(4, 3)


def test_the_mse_alone_outputs_the_mean_of_the_sharp_images():
    """Two equally likely sharp images per input: the MSE's minimiser is
    their mean, 0 (a grey blur), with MSE 1; a sample of either one, the
    perfect-looking answer, has expected MSE 2, twice the minimum."""
    data = two_sharp_images(256)
    assert downsample(data).abs().max() < 1e-6
    resolver = small_resolver()
    losses = fit_regression(
        resolver, data, pixel_mse, 150, batch_size=16, lr=1e-2, seed=0
    )
    assert losses.shape == (150,)
    out = super_resolve(resolver, data[:64])
    # G outputs the mean of the ±checkerboards: grey, |G| ≪ 1
    assert out.abs().mean() < 0.05 and out.abs().max() < 0.2
    assert pixel_mse(None, data[:64], out).item() == pytest.approx(1, abs=0.02)
    sample = two_sharp_images(4096)  # a posterior sample for each input
    mse_of_sampling = (sample - two_sharp_images(4096)).pow(2).mean()
    assert mse_of_sampling.item() == pytest.approx(2, abs=0.05)


def test_fit_regression_is_reproducible_and_checks_its_input():
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        resolver = small_resolver()
        fit_regression(resolver, images(32), pixel_mse, 3, batch_size=4)
        runs.append(resolver.state_dict())
    for key in runs[0]:
        torch.testing.assert_close(runs[0][key], runs[1][key])
    with pytest.raises(ValueError, match="non-negative"):
        fit_regression(small_resolver(), images(), pixel_mse, -1)


def test_regression_beats_bicubic_on_real_digits(data_root):
    """The tiny SRResNet: 200 steps of the MSE on 2,048 digits already
    beat bicubic interpolation's PSNR on held-out ones."""
    train = load_images("mnist", root=data_root, limit=2_048).images
    test = load_images("mnist", train=False, root=data_root, limit=256)
    resolver = small_resolver()
    fit_regression(resolver, train, pixel_mse, 200, lr=3e-3, seed=0)
    learned = psnr(super_resolve(resolver, test.images), test.images)
    baseline = psnr(bicubic(test.images), test.images)
    assert learned.mean() > baseline.mean() + 1.0  # dB


# --- the measures -----------------------------------------------------------


@pytest.fixture(scope="module")
def judge():
    torch.manual_seed(2)
    return SampleJudge(MNISTClassifier(), torch.rand(200, 1, 28, 28) * 2 - 1)


def test_measure_of_a_constant_offset(judge):
    targets = images(50).clamp(-0.8, 0.8)
    labels = torch.randint(0, 10, (50,))
    outputs = targets + 0.2
    got = measure(outputs, targets, labels, judge)
    # PSNR = 20 log10(2 / 0.2) = 20 dB; RMSE = 0.2
    assert got.psnr == pytest.approx(20.0, abs=1e-4)
    assert got.rmse == pytest.approx(0.2, abs=1e-6)
    # SSIM's luminance term punishes the shift: below 1
    assert got.ssim == pytest.approx(ssim(outputs, targets).mean().item())
    assert got.ssim < 0.5
    predicted = judge.classifier(outputs).argmax(1)
    expected = (predicted == labels).float().mean().item()
    assert got.accuracy == pytest.approx(expected)
    assert got.frechet == pytest.approx(
        judge.frechet_classifier_distance(outputs)
    )


def test_measure_of_the_targets_themselves(judge):
    targets = images(50)
    got = measure(targets, targets, torch.zeros(50, dtype=torch.long), judge)
    assert math.isinf(got.psnr) and got.ssim == pytest.approx(1.0)
    assert got.rmse == 0.0
    with pytest.raises(ValueError, match="one label per target"):
        measure(targets, targets, torch.zeros(49), judge)


def test_bicubic_is_the_baseline_round_trip():
    high = images()
    torch.testing.assert_close(
        bicubic(high), bicubic_upsample(downsample(high))
    )
    constant = torch.full((2, 1, 28, 28), 0.4)
    torch.testing.assert_close(bicubic(constant), constant)
