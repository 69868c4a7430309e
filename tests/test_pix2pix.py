"""Chapter 13's set-up: pix2pix's costs, wiring and measures.

Each cost against a hand-computed value, the wiring of the pairs through
the book's trainer (D sees [x; y] and [x; G(x)], the L1 term's gradient
reaches the U-Net), the sharpness measure against its closed form and its
inequality under blur, and a small regression run that shows the blur the
chapter is about.
"""

import copy
import math

import pytest
import torch

from gan_lib.data.images import ImageData
from gan_lib.data.paired import PairedData, join_pair, split_pair
from gan_lib.evaluation import SampleJudge, load_reference_classifier
from gan_lib.experiments import pix2pix
from gan_lib.experiments.pix2pix import (
    LAMBDA_L1,
    PairGenerator,
    Pix2PixRecipe,
    cost_gradients,
    gaussian_blur,
    l1_cost,
    l1_distance,
    make_trainer,
    players,
    score_outputs,
    sharpness,
    train,
    train_l1_alone,
    translate,
)
from gan_lib.nn.patchgan import receptive_field
from gan_lib.nn.unet import UNetGenerator
from gan_lib.training import adam


def tiny_pairs(n: int = 64, seed: int = 0) -> PairedData:
    """Edge drawings → random blobs: 28×28 pairs, fast to build."""
    g = torch.Generator().manual_seed(seed)
    blobs = torch.rand(n, 1, 7, 7, generator=g)
    images = torch.nn.functional.interpolate(blobs, size=28) * 2 - 1
    labels = torch.randint(10, (n,), generator=g)
    return PairedData.edges_to_items(ImageData(images, labels))


def test_l1_distance_by_hand():
    targets = torch.tensor([[[[1.0, -1.0], [0.0, 0.5]]]])
    outputs = torch.tensor([[[[0.5, 0.0], [0.0, -0.5]]]])
    # |0.5| + |−1| + 0 + |1| over 4 pixels
    assert l1_distance(targets, outputs).item() == pytest.approx(2.5 / 4)
    with pytest.raises(ValueError, match="one shape"):
        l1_distance(targets, outputs[..., :1])


def test_the_l1_cost_reads_y_from_z_and_g_of_x_from_the_fake_pair():
    x, y, g = (torch.randn(3, 1, 4, 4) for _ in range(3))
    cost = l1_cost(10.0)
    expected = 10.0 * (y - g).abs().mean()
    value = cost(None, join_pair(x, y), join_pair(x, g))
    torch.testing.assert_close(value, expected)
    # the input halves do not enter the cost
    other = cost(None, join_pair(x + 5, y), join_pair(x - 5, g))
    torch.testing.assert_close(other, expected)
    with pytest.raises(ValueError, match="λ must be > 0"):
        l1_cost(0.0)


def test_the_pair_generator_keeps_x_and_never_reads_the_target():
    torch.manual_seed(0)
    unet = UNetGenerator(width=4, depth=2).eval()
    wrapped = PairGenerator(unet).eval()
    x, y = torch.randn(5, 1, 28, 28), torch.randn(5, 1, 28, 28)
    out = wrapped(join_pair(x, y))
    assert out.shape == (5, 2, 28, 28)
    kept, made = split_pair(out)
    assert torch.equal(kept, x)
    torch.testing.assert_close(made, unet(x))
    # another target, the same output: G sees x alone
    assert torch.equal(wrapped(join_pair(x, -y)), out)


def test_one_seed_gives_one_initial_g_whatever_the_objective():
    nets = {
        objective: players(Pix2PixRecipe(objective=objective, seed=3))
        for objective in pix2pix.OBJECTIVES
    }
    assert nets["L1"][1] is None  # no D without a game
    reference = nets["L1"][0].state_dict()
    for generator, _ in nets.values():
        for name, value in generator.state_dict().items():
            assert torch.equal(value, reference[name]), name


@pytest.mark.parametrize("preset, field", [("pixel", 1), ("patch", 8)])
def test_d_is_the_preset_of_the_recipe(preset, field):
    _, discriminator = players(Pix2PixRecipe(receptive_field=preset))
    assert receptive_field(discriminator) == field
    assert discriminator.in_channels == 2  # the pair


def test_the_image_preset_reads_the_whole_image():
    _, discriminator = players(Pix2PixRecipe(receptive_field="image"))
    assert receptive_field(discriminator) >= 28
    logits = discriminator(torch.randn(2, 2, 28, 28))
    assert logits.shape == (2, 1, 1, 1)


def recording_trainer(objective: str = "L1+cGAN"):
    """A tiny trainer whose D remembers the batches it is shown."""
    paired = tiny_pairs()
    recipe = Pix2PixRecipe(objective=objective, width=4, d_width=4, seed=1)
    trainer = make_trainer(recipe, paired, "cpu", log_every=1)
    seen = []
    trainer.discriminator.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach().clone())
    )
    return trainer, paired, seen


def test_d_sees_real_pairs_and_fake_pairs_with_the_same_kind_of_input():
    trainer, paired, seen = recording_trainer()
    unet = copy.deepcopy(trainer.generator.translator)  # G before the step
    torch.manual_seed(5)  # dropout's masks come from the global stream
    trainer.discriminator_step()
    real, fake = seen  # J⁽ᴰ⁾ shows D the data batch, then G's batch
    assert real.shape == fake.shape == (32, 2, 28, 28)
    pairs = join_pair(paired.inputs, paired.targets)
    # every real example is one of the data's pairs, as it was built
    assert all((pairs == r).all((1, 2, 3)).any() for r in real)
    # a fake pair is [x; G(x)] for an input x of the data
    x, made = split_pair(fake)
    assert all((paired.inputs == e).all((1, 2, 3)).any() for e in x)
    torch.manual_seed(5)
    with torch.no_grad():  # the same masks, the same batch statistics
        torch.testing.assert_close(made, unet(x))
    assert not torch.equal(made, split_pair(real)[1])


def test_the_generator_step_records_lambda_times_the_l1_of_its_batch():
    trainer, _, _ = recording_trainer()
    stream = torch.Generator().manual_seed(0)
    stream.set_state(trainer.rng.get_state())
    unet = copy.deepcopy(trainer.generator.translator)  # G before its step
    torch.manual_seed(5)  # dropout's masks come from the global stream
    stats = trainer.generator_step(record=True)
    # by hand: the same pairs, the same dropout masks, the same U-Net
    x, y = split_pair(trainer.noise(32, stream))
    torch.manual_seed(5)
    expected = LAMBDA_L1 * l1_distance(y, unet(x))
    torch.testing.assert_close(stats["g_extra"], expected.detach())
    assert stats["g_loss"] > stats["g_extra"]  # plus −log D(x, G(x)) > 0


def test_the_l1_terms_gradient_reaches_every_weight_of_g():
    torch.manual_seed(0)
    wrapped = PairGenerator(UNetGenerator(width=4, depth=2))
    z = join_pair(torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28))
    l1_cost(LAMBDA_L1)(wrapped, z, wrapped(z)).backward()
    for name, p in wrapped.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_cgan_alone_adds_no_extra_term_and_l1_alone_has_no_trainer():
    trainer, _, _ = recording_trainer("cGAN")
    assert trainer.extra_cost is None
    with pytest.raises(ValueError, match="train_l1_alone"):
        make_trainer(Pix2PixRecipe(objective="L1"), tiny_pairs())


def test_the_recipe_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="unknown objective"):
        Pix2PixRecipe(objective="L2")
    with pytest.raises(ValueError, match="objective='cGAN'"):
        Pix2PixRecipe(l1_weight=0.0)
    assert Pix2PixRecipe(objective="cGAN").effective_l1_weight == 0.0
    assert Pix2PixRecipe().effective_l1_weight == LAMBDA_L1


def test_sharpness_of_a_vertical_step_by_hand():
    # −1 left of column 4, +1 from it on, 8 × 8: Sobel G_x = (1 + 2 + 1)·2
    # on the two columns beside the step, 0 elsewhere; G_y = 0.
    step = -torch.ones(1, 1, 8, 8)
    step[..., 4:] = 1.0
    assert sharpness(step).item() == pytest.approx(2 * 8 * 8 / 64)
    assert sharpness(torch.zeros(2, 1, 8, 8)).tolist() == [0.0, 0.0]


def test_gaussian_blur_keeps_constants_and_lowers_sharpness():
    constant = torch.full((1, 1, 12, 12), 0.3)
    torch.testing.assert_close(gaussian_blur(constant, 1.0), constant)
    images = torch.rand(
        16, 1, 28, 28, generator=torch.Generator().manual_seed(0)
    )
    images = images * 2 - 1
    s = sharpness(images)
    previous = s
    for sigma in (0.5, 1.0, 2.0):
        blurred = sharpness(gaussian_blur(images, sigma))
        # |k ⋆ ∇u| ≤ k ⋆ |∇u|: a blur never adds gradient, and more blur
        # (a Gaussian of larger σ is a smaller one blurred again) less
        assert (blurred <= s + 1e-6).all()
        assert (blurred <= previous + 1e-6).all()
        previous = blurred
    with pytest.raises(ValueError, match="sigma"):
        gaussian_blur(images, 0.0)


def test_translate_measures_in_eval_mode_and_changes_nothing():
    torch.manual_seed(0)
    unet = UNetGenerator(width=4, depth=2).train()
    x = torch.randn(7, 1, 28, 28)
    buffers = {k: v.clone() for k, v in unet.state_dict().items()}
    out = translate(unet, x, batch_size=3)
    assert unet.training
    for k, v in unet.state_dict().items():
        assert torch.equal(v, buffers[k]), k
    with torch.no_grad():
        torch.testing.assert_close(out, unet.eval()(x))


def test_the_targets_score_zero_error_unit_sharpness_and_the_accuracy():
    classifier = load_reference_classifier(dataset="fashion_mnist")
    g = torch.Generator().manual_seed(0)
    real = torch.rand(200, 1, 28, 28, generator=g) * 2 - 1
    held = PairedData(
        -real[:100], real[:100], torch.randint(10, (100,), generator=g)
    )
    judge = SampleJudge(classifier, real[100:])
    scores = score_outputs(held.targets, held, judge)
    assert scores.l1_error == 0.0
    assert scores.sharpness == pytest.approx(1.0)
    with torch.no_grad():
        hits = classifier(held.targets).argmax(1) == held.labels
    assert scores.class_agreement == pytest.approx(hits.float().mean())
    blurred = score_outputs(gaussian_blur(held.targets, 1.0), held, judge)
    assert blurred.sharpness < 1.0 and blurred.l1_error > 0.0
    with pytest.raises(ValueError, match="one output per held-out pair"):
        score_outputs(held.targets[:5], held, judge)


def test_l1_regression_is_seeded_and_learns_a_determined_map():
    paired = tiny_pairs(n=32)
    # a map the input determines: target = −input (edges inverted)
    task = PairedData(paired.inputs, -paired.inputs, paired.labels)
    nets = []
    for _ in range(2):
        torch.manual_seed(0)
        unet = UNetGenerator(width=4, depth=2, dropout=0.0)
        before = l1_distance(task.targets, translate(unet, task.inputs))
        record = train_l1_alone(unet, task, 60, batch_size=16, lr=1e-2)
        nets.append(unet)
    after = l1_distance(task.targets, translate(unet, task.inputs))
    assert len(record["l1"]) == 6 and math.isfinite(record["l1"][-1])
    assert after < 0.3 * before  # measured: about 0.1 of the start
    for (name, a), b in zip(
        nets[0].state_dict().items(),
        nets[1].state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b), name


def bars_task(ambiguous: bool) -> tuple[PairedData, torch.Tensor]:
    """One fixed input; the target a bar on the left, or (if ambiguous)
    on the left or the right with probability 1/2 each. 8 × 8 images."""
    left, right = -torch.ones(1, 1, 8, 8), -torch.ones(1, 1, 8, 8)
    left[..., 1:3] = 1.0
    right[..., 5:7] = 1.0
    targets = torch.cat([left, right if ambiguous else left] * 16)
    g = torch.Generator().manual_seed(1)
    inputs = (torch.rand(1, 1, 8, 8, generator=g) * 2 - 1).expand(
        32, -1, -1, -1
    )
    labels = torch.zeros(32, dtype=torch.long)
    return PairedData(inputs.clone(), targets, labels), left


@pytest.mark.parametrize("ambiguous", [False, True])
def test_l1_alone_draws_what_the_input_decides_and_drops_the_rest(ambiguous):
    # Where the two targets differ, y = ±1 with probability 1/2, and every
    # G(x) in [−1, 1] has the same expected |y − G(x)| = 1: L1 does not
    # prefer either bar, and the 32 such pixels of 64 cost 0.5 per pixel
    # whatever G draws there.
    task, left = bars_task(ambiguous)
    torch.manual_seed(0)
    unet = UNetGenerator(width=4, depth=2, dropout=0.0)
    record = train_l1_alone(unet, task, 100, batch_size=16, lr=1e-2)
    out = translate(unet, task.inputs[:1])
    if not ambiguous:  # a determined target is learnt, edges and all
        assert record["l1"][-1] < 0.01
        assert sharpness(out) > 0.95 * sharpness(left)
    else:  # measured: neither bar is drawn, s about 0.02 of a target's
        assert record["l1"][-1] == pytest.approx(0.5, abs=0.02)
        assert sharpness(out) < 0.1 * sharpness(left)


def test_train_gives_each_objective_its_record():
    paired = tiny_pairs()
    small = dict(width=4, d_width=4, batch_size=8)
    runs = {
        objective: train(
            Pix2PixRecipe(objective=objective, **small), paired, 4, log_every=2
        )
        for objective in pix2pix.OBJECTIVES
    }
    assert runs["L1"].trainer is None and len(runs["L1"].l1) == 2
    assert len(runs["cGAN"].l1) == 0
    l1_gan = runs["L1+cGAN"]
    assert len(l1_gan.l1) == 2
    torch.testing.assert_close(
        torch.tensor(l1_gan.l1),
        torch.tensor(l1_gan.trainer.history["g_extra"]) / LAMBDA_L1,
    )
    assert l1_gan.generator is l1_gan.trainer.generator.translator


def test_cost_gradients_are_each_terms_gradient_and_change_nothing():
    trainer, _, _ = recording_trainer()
    trainer.train(3, progress=False)
    state = copy.deepcopy(trainer.generator.state_dict())
    rng = trainer.rng.get_state()
    measured = cost_gradients(trainer, m=16, seed=2)
    # nothing moved: weights, batch-norm buffers, the training stream
    for name, value in trainer.generator.state_dict().items():
        assert torch.equal(value, state[name]), name
    assert torch.equal(trainer.rng.get_state(), rng)
    # by hand, in eval mode, from the same pairs
    z = trainer.noise(16, torch.Generator().manual_seed(2))
    g, d = trainer.generator.eval(), trainer.discriminator.eval()
    fake = g(z)
    adversarial = torch.nn.functional.softplus(-d(fake)).mean()
    l1 = LAMBDA_L1 * l1_distance(split_pair(z)[1], split_pair(fake)[1])
    weights = list(g.parameters())
    norm = lambda grads: torch.cat([x.flatten() for x in grads]).norm()  # noqa: E731
    by_hand_adv = norm(
        torch.autograd.grad(adversarial, weights, retain_graph=True)
    )
    by_hand_l1 = norm(torch.autograd.grad(l1, weights))
    assert measured.adversarial == pytest.approx(by_hand_adv.item(), rel=1e-5)
    assert measured.l1 == pytest.approx(by_hand_l1.item(), rel=1e-5)
    assert measured.ratio == pytest.approx(measured.adversarial / measured.l1)
    assert -1.0 <= measured.cosine <= 1.0


def test_halving_a_loss_leaves_adams_steps_unchanged():
    # The paper halves D's objective; Adam divides each step by the root
    # of a running mean of squared gradients, so a constant factor on the
    # loss cancels (up to ε = 1e-8 against gradients far larger).
    def trained(scale: float) -> torch.Tensor:
        torch.manual_seed(0)
        layer = torch.nn.Linear(4, 1)
        optimizer = adam(2e-4, (0.5, 0.999))(layer.parameters())
        data = torch.randn(32, 4, generator=torch.Generator().manual_seed(1))
        for _ in range(20):
            loss = scale * torch.nn.functional.softplus(-layer(data)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return torch.cat([p.detach().flatten() for p in layer.parameters()])

    full, half = trained(1.0), trained(0.5)
    torch.testing.assert_close(full, half, atol=1e-7, rtol=0)
    assert not torch.equal(full, trained(0.0))  # and the steps are real


def test_an_average_of_images_is_never_sharper_than_they_are():
    # s(Σ w_j u_j) ≤ Σ w_j s(u_j): ∇ is linear and |·| a norm.
    g = torch.Generator().manual_seed(3)
    images = torch.rand(6, 1, 16, 16, generator=g) * 2 - 1
    weights = torch.rand(6, generator=g)
    weights = weights / weights.sum()
    blend = (weights[:, None, None, None] * images).sum(0, keepdim=True)
    assert sharpness(blend) <= (weights * sharpness(images)).sum() + 1e-6


def test_blur_keeps_a_single_edges_sharpness_and_takes_a_thin_lines():
    # s sums gradient magnitudes, so a monotone step keeps its s when
    # blurred (the profile rises by the same total, over more pixels) ...
    step = -torch.ones(1, 1, 12, 12)
    step[..., 4:] = 1.0
    torch.testing.assert_close(
        sharpness(gaussian_blur(step, 1.0)), sharpness(step)
    )
    # ... while a line one pixel wide loses a third of it: s measures the
    # detail a blur smears (lines, seams, prints), not an edge's slope.
    line = -torch.ones(1, 1, 12, 12)
    line[..., 5] = 1.0
    ratio = sharpness(gaussian_blur(line, 1.0)) / sharpness(line)
    assert 0.6 < ratio.item() < 0.7  # measured: 0.641
