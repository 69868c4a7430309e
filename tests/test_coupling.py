"""The coupling ratio against closed forms; measuring leaves the model alone;
training with reference refresh."""

import numpy as np
import pytest
import torch
from torch import nn

from gan_lib.evaluation.coupling import (
    batch_coupling,
    coupling_ratio,
    generated_batches,
    preserved_state,
    statistics_drift,
    train_with_reference_refresh,
)
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.normalization import (
    VirtualBatchNorm2d,
    reference_norm_layers,
    replace_batch_norm,
)
from gan_lib.training.trainer import Trainer


def brute_force(features: np.ndarray) -> tuple[float, float]:
    """W and A by looping over every pair: the definition, term by term."""
    batches, m, _ = features.shape
    within, across, n_within, n_across = 0.0, 0.0, 0, 0
    flat = features.reshape(batches * m, -1)
    owner = np.repeat(np.arange(batches), m)
    for i in range(len(flat)):
        for j in range(len(flat)):
            if i == j:
                continue
            d = ((flat[i] - flat[j]) ** 2).sum()
            if owner[i] == owner[j]:
                within, n_within = within + d, n_within + 1
            else:
                across, n_across = across + d, n_across + 1
    return within / n_within, across / n_across


def test_matches_the_definition_pair_by_pair():
    features = np.random.default_rng(0).normal(size=(5, 4, 3))
    coupling = coupling_ratio(features)
    within, across = brute_force(features)
    assert coupling.within == pytest.approx(within, rel=1e-12)
    assert coupling.across == pytest.approx(across, rel=1e-12)
    assert coupling.ratio == pytest.approx(within / across, rel=1e-12)


def test_jackknife_matches_leaving_each_batch_out_by_hand():
    features = np.random.default_rng(1).normal(size=(6, 3, 2))
    leave_out = []
    for b in range(6):
        within, across = brute_force(np.delete(features, b, axis=0))
        leave_out.append(within / across)
    leave_out = np.array(leave_out)
    # The jackknife: √((B − 1)/B · Σ_b (ρ_(b) − ρ̄)²) with B = 6 batches.
    expected = np.sqrt(5 / 6 * ((leave_out - leave_out.mean()) ** 2).sum())
    standard_error = coupling_ratio(features).standard_error
    assert standard_error == pytest.approx(expected, rel=1e-10)


def test_independent_samples_give_one():
    # E W = E A = 2 tr Σ exactly; with 400 batches of 8 the ratio is within a
    # few hundredths of 1.
    rng = np.random.default_rng(2)
    coupling = coupling_ratio(rng.normal(size=(400, 8, 3)) * [1.0, 2.0, 0.5])
    assert coupling.ratio == pytest.approx(
        1.0, abs=4 * coupling.standard_error
    )
    assert coupling.standard_error < 0.02


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
def test_a_shared_batch_offset_gives_sigma2_over_sigma2_plus_tau2(tau):
    # f = c_b + e: W = 2σ², A = 2(σ² + τ²) in expectation, so ρ → σ²/(σ² + τ²).
    rng = np.random.default_rng(3)
    batches, m, sigma = 2000, 6, 1.0
    offsets = tau * rng.normal(size=(batches, 1, 2))  # c_b, one per batch
    features = offsets + sigma * rng.normal(size=(batches, m, 2))
    coupling = coupling_ratio(features)
    expected = sigma**2 / (sigma**2 + tau**2)
    assert coupling.ratio == pytest.approx(
        expected, abs=4 * coupling.standard_error
    )
    # Two dimensions, 2σ² each.
    assert coupling.within == pytest.approx(2 * 2 * sigma**2, rel=0.03)


@pytest.mark.parametrize("m", [2, 4, 16])
def test_centring_each_batch_gives_m_over_m_minus_one(m):
    # Batch norm's centring: f_i = e_i − ē. W = 2σ² still, but
    # Var f_i = σ²(1 − 1/m), so A = 2σ²(1 − 1/m) and ρ = m/(m − 1): members of
    # one batch are pushed apart.
    rng = np.random.default_rng(4)
    e = rng.normal(size=(3000, m, 1))
    coupling = coupling_ratio(e - e.mean(axis=1, keepdims=True))
    assert coupling.ratio == pytest.approx(
        m / (m - 1), abs=4 * coupling.standard_error
    )


def test_jackknife_standard_error_is_calibrated():
    # Over repeated experiments the spread of ρ matches the jackknife's
    # estimate (tolerance measured: ±25%).
    rng = np.random.default_rng(5)
    runs = [
        coupling_ratio(
            0.7 * rng.normal(size=(40, 1, 1)) + rng.normal(size=(40, 4, 1))
        )
        for _ in range(300)
    ]
    spread = np.std([r.ratio for r in runs])
    estimate = np.mean([r.standard_error for r in runs])
    assert estimate == pytest.approx(spread, rel=0.25)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="batch size >= 2"):
        coupling_ratio(np.zeros((4, 1, 3)))
    with pytest.raises(ValueError, match="batches >= 3"):
        coupling_ratio(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="same features"):
        coupling_ratio(np.ones((4, 3)))


def small_generator(seed: int = 0) -> DCGANGenerator:
    torch.manual_seed(seed)
    return DCGANGenerator(image_size=28, latent_dim=8, width=4)


def test_measuring_leaves_buffers_and_mode_untouched():
    generator = small_generator().eval()
    before = {name: b.clone() for name, b in generator.named_buffers()}
    result = batch_coupling(
        generator,
        {"ink": lambda x: x.mean((1, 2, 3))},
        batch_size=4,
        batches=8,
    )
    assert not generator.training
    for name, buffer in generator.named_buffers():
        assert torch.equal(buffer, before[name]), name
    assert set(result) == {"ink"}
    assert result["ink"].batch_size == 4
    assert result["ink"].batches == 8


def test_preserved_state_restores_even_after_an_error():
    generator = small_generator().train()
    before = {name: b.clone() for name, b in generator.named_buffers()}
    with pytest.raises(RuntimeError):
        with preserved_state(generator, train=True):
            generator(torch.randn(4, 8))
            raise RuntimeError("boom")
    assert generator.training
    assert all(torch.equal(b, before[n]) for n, b in generator.named_buffers())


def test_train_mode_uses_batch_statistics_and_eval_mode_does_not():
    # In eval mode a sample does not depend on its batch: the same z gives the
    # same image alone or in a batch. In train mode (m = 2) batch norm centres
    # each channel over the pair, which changes the image.
    generator = small_generator()
    eval_batches = generated_batches(generator, 2, 3, seed=1, train=False)
    z = torch.randn(6, 8, generator=torch.Generator().manual_seed(1))
    generator.eval()
    with torch.no_grad():
        alone = torch.stack([generator(z[i : i + 1])[0] for i in range(6)])
    assert torch.allclose(eval_batches.flatten(0, 1), alone, atol=1e-6)
    train_batches = generated_batches(generator, 2, 3, seed=1, train=True)
    assert not torch.allclose(train_batches, eval_batches, atol=1e-3)


def test_statistics_drift_closed_form():
    old = [(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 4.0]))]
    new = [(torch.tensor([0.5, 1.0]), torch.tensor([4.0, 4.0]))]
    # |0.5 − 0| / √4 = 0.25 in channel 0, 0 in channel 1.
    assert statistics_drift(old, new, eps=0.0) == pytest.approx(0.25)


def vbn_trainer(seed: int = 0) -> Trainer:
    torch.manual_seed(seed)
    generator = replace_batch_norm(
        DCGANGenerator(image_size=28, latent_dim=8, width=4),
        VirtualBatchNorm2d,
    )
    discriminator = DCGANDiscriminator(image_size=28, width=4)
    data = torch.rand(64, 1, 28, 28) * 2 - 1
    return Trainer(
        generator, discriminator, data, batch_size=8, device="cpu", seed=seed
    )


def test_refresh_trains_the_asked_iterations_and_reports_each_replacement():
    trainer = vbn_trainer()
    reference_z = torch.randn(
        16, 8, generator=torch.Generator().manual_seed(7)
    )
    drifts = train_with_reference_refresh(trainer, 7, reference_z, every=3)
    assert trainer.iteration == 7
    # Refreshes before iterations 1, 4 and 7; the first replaces nothing.
    assert len(drifts) == 2
    # The weights moved, so the statistics did.
    assert all(d > 0 for d in drifts)
    assert all(
        layer.reference_size == 16
        for layer in reference_norm_layers(trainer.generator)
    )


def test_refresh_every_iteration_is_a_fresh_reference_pass_before_each_step():
    # Doing it by hand (set_reference_batch, then one step) gives
    # bit-identical weights.
    from gan_lib.nn.normalization import set_reference_batch

    reference_z = torch.randn(
        16, 8, generator=torch.Generator().manual_seed(7)
    )
    helper, by_hand = vbn_trainer(), vbn_trainer()
    train_with_reference_refresh(helper, 4, reference_z, every=1)
    for _ in range(4):
        set_reference_batch(by_hand.generator, reference_z)
        by_hand.train(1, progress=False)
    for a, b in zip(
        helper.generator.state_dict().values(),
        by_hand.generator.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)


def test_refresh_refuses_bad_arguments():
    trainer = vbn_trainer()
    z = torch.randn(4, 8)
    with pytest.raises(ValueError, match="every"):
        train_with_reference_refresh(trainer, 2, z, every=0)
    with pytest.raises(ValueError, match="iterations"):
        train_with_reference_refresh(trainer, -1, z)
    plain = Trainer(
        nn.Sequential(nn.Linear(8, 2)),
        nn.Linear(2, 1),
        torch.randn(10, 2),
        latent_shape=(8,),
        device="cpu",
    )
    with pytest.raises(ValueError, match="no ReferenceBatchNorm2d"):
        train_with_reference_refresh(plain, 1, z)


def test_vbn_swapped_in_after_the_trainer_trains_gamma_and_beta():
    # The order of lab 12: the trainer (and G's Adam) first, then the swap.
    # γ and β must still be in the optimizer and move; a swap that made new
    # Parameters would leave them at their initial values (the old bug).
    torch.manual_seed(0)
    trainer = Trainer(
        DCGANGenerator(image_size=28, latent_dim=8, width=4),
        DCGANDiscriminator(image_size=28, width=4),
        torch.rand(64, 1, 28, 28) * 2 - 1,
        batch_size=8,
        device="cpu",
        seed=0,
    )
    replace_batch_norm(trainer.generator, VirtualBatchNorm2d)
    layers = reference_norm_layers(trainer.generator)
    before = [
        (layer.weight.detach().clone(), layer.bias.detach().clone())
        for layer in layers
    ]
    reference_z = torch.randn(
        16, 8, generator=torch.Generator().manual_seed(7)
    )
    train_with_reference_refresh(trainer, 3, reference_z, every=1)
    for layer, (gamma, beta) in zip(layers, before, strict=True):
        assert not torch.equal(layer.weight, gamma)
        assert not torch.equal(layer.bias, beta)


def test_refresh_in_blocks_matches_the_old_loop_and_starts_mid_run():
    """The hook refreshes before each block of ``every`` iterations counted
    from where the call starts, as the train(block) loop it replaced did —
    bit for bit, also for a trainer that has trained already."""
    from gan_lib.nn.normalization import set_reference_batch

    reference_z = torch.randn(
        16, 8, generator=torch.Generator().manual_seed(7)
    )
    helper, by_hand = vbn_trainer(), vbn_trainer()
    for trainer in (helper, by_hand):
        set_reference_batch(trainer.generator, reference_z)
        trainer.train(2, progress=False)  # iteration 2: not a multiple of 3
    train_with_reference_refresh(helper, 7, reference_z, every=3)
    for block in (3, 3, 1):
        set_reference_batch(by_hand.generator, reference_z)
        by_hand.train(block, progress=False)
    for a, b in zip(
        helper.generator.state_dict().values(),
        by_hand.generator.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)
