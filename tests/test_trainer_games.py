"""The trainer's two openings for games beyond noise → sample.

``noise=callable`` draws G's inputs by the caller's rule (pix2pix's input
images, SRGAN's low-resolution ones); ``generator_extra_cost`` adds terms to
J⁽ᴳ⁾ (pix2pix's L1, CycleGAN's cycle loss). Both go through the one
Algorithm 1 of ``Trainer``.
"""

import pytest
import torch
from torch import nn

from gan_lib.nn import MLPDiscriminator, MLPGenerator
from gan_lib.training import Trainer, sgd_momentum, stack_trainers
from gan_lib.training.checkpoint import CheckpointMismatchError
from gan_lib.training.losses import non_saturating_cost

INPUTS = torch.linspace(-1, 1, 40)[:, None]  # what G starts from


def conditioning(m: int, generator: torch.Generator) -> torch.Tensor:
    """m rows of INPUTS, drawn with the trainer's stream."""
    return INPUTS[torch.randint(len(INPUTS), (m,), generator=generator)]


def l1_to_twice(generator: nn.Module, z: torch.Tensor, fake: torch.Tensor):
    """λ‖2z − G(z)‖₁ with λ = 3: pulls G towards x ↦ 2x."""
    return 3.0 * (fake - 2 * z).abs().mean()


def trainer(seed: int = 0, **changes) -> Trainer:
    torch.manual_seed(seed)
    settings = dict(
        noise=conditioning,
        generator_extra_cost=l1_to_twice,
        batch_size=8,
        g_optimizer=sgd_momentum(0.1, momentum=0.0),
        d_optimizer=sgd_momentum(0.1, momentum=0.0),
        log_every=1,
        device="cpu",
        seed=seed,
    )
    return Trainer(
        MLPGenerator(1, 1, hidden=8),
        MLPDiscriminator(1, hidden=8),
        torch.randn(64, 1),
        **(settings | changes),
    )


def test_a_callable_noise_sets_gs_inputs_and_their_shape():
    run = trainer()
    assert run.latent_shape == (1,)
    z = run.noise_batch(5)
    assert z.shape == (5, 1)
    assert all((row == INPUTS).any() for row in z)
    # sample() draws from its own stream: the training stream is untouched
    state = run.rng.get_state()
    first = run.sample(6, seed=3)
    assert torch.equal(run.rng.get_state(), state)
    assert torch.equal(first, run.sample(6, seed=3))
    assert run.fixed_noise.shape == (512, 1)


def test_the_generator_step_descends_the_adversarial_cost_plus_the_extra():
    run = trainer()
    before = {
        n: p.detach().clone() for n, p in run.generator.named_parameters()
    }
    stream = torch.Generator().manual_seed(0)
    stream.set_state(run.rng.get_state())
    stats = run.generator_step(record=True)
    # by hand, from the same z: θ − η ∇(J_adv + extra), plain SGD
    z = conditioning(8, stream)
    model = MLPGenerator(1, 1, hidden=8)
    model.load_state_dict(before)
    fake = model(z)
    adversarial = non_saturating_cost(run.discriminator(fake))
    extra = l1_to_twice(model, z, fake)
    (adversarial + extra).backward()
    for name, p in model.named_parameters():
        torch.testing.assert_close(
            run.generator.state_dict()[name], before[name] - 0.1 * p.grad
        )
    torch.testing.assert_close(stats["g_extra"], extra.detach())
    torch.testing.assert_close(stats["g_loss"], (adversarial + extra).detach())


def test_the_extra_terms_are_recorded_and_pull_g_towards_their_target():
    def error(run: Trainer) -> float:  # mean |G(x) − 2x| over the inputs
        with torch.no_grad():
            return float((run.generator(INPUTS) - 2 * INPUTS).abs().mean())

    pulled, plain = trainer(), trainer(generator_extra_cost=None)
    pulled.train(200, progress=False)
    plain.train(200, progress=False)
    assert len(pulled.history["g_extra"]) == 200
    # measured: 0.54 with the L1 term against 1.15 without it
    assert error(pulled) < 0.5 * error(plain)
    with pytest.raises(KeyError, match="g_extra"):
        plain.history["g_extra"]  # no extra terms, no such column


def test_a_checkpoint_names_the_callables_and_refuses_other_ones(tmp_path):
    run = trainer()
    run.train(3, progress=False, checkpoint_path=tmp_path / "run.pt")
    config = run.config()
    assert config["noise"].endswith("conditioning")
    assert config["generator_extra_cost"].endswith("l1_to_twice")
    same = trainer()
    same.load_checkpoint(tmp_path / "run.pt")
    assert same.iteration == 3
    other = trainer(generator_extra_cost=lambda g, z, fake: fake.abs().mean())
    with pytest.raises(CheckpointMismatchError, match="generator_extra_cost"):
        other.load_checkpoint(tmp_path / "run.pt")


def test_an_unknown_prior_name_says_what_else_works():
    with pytest.raises(ValueError, match="or a callable"):
        trainer(noise="gaussian")


def test_an_ensemble_sums_each_seeds_extra_terms():
    seeds = (0, 1)
    ensemble = stack_trainers([trainer(s) for s in seeds])
    ensemble.train(10, progress=False)
    for i, seed in enumerate(seeds):
        alone = trainer(seed)
        alone.train(10, progress=False)
        for name, p in alone.generator.named_parameters():
            stacked = getattr(ensemble.generator, name.replace(".", "__"))
            torch.testing.assert_close(stacked[i], p, atol=1e-6, rtol=0)
