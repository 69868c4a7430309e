"""The shared training code: the costs, the book's one trainer, checkpoints.

- ``losses``: J⁽ᴰ⁾ and the three generator costs J⁽ᴳ⁾, on logits, never
  taking log(0).
- ``trainer``: :class:`Trainer`, Algorithm 1 of Goodfellow et al. (2014) for
  any pair of players and any data sampler; history, snapshots, exact
  resume, the NaN guard.
- ``checkpoint``: atomic writes, architecture signatures, random states, and
  the model files the book ships (``save_model``, ``load_into``).
- ``precision``: the autocast type that fits the card (bfloat16, or float16
  with a loss scaler).
- ``distributed``: the trainer on several GPUs under torchrun (DDP, one
  process per device, SyncBatchNorm, rank-0 checkpoints).
- ``ensemble``: the seeds of one configuration trained as one batched
  model (:func:`stack_trainers`), with the separate runs' numbers.
"""

from gan_lib.training import (
    checkpoint,
    distributed,
    ensemble,
    losses,
    precision,
    trainer,
)
from gan_lib.training.checkpoint import (
    MODEL_FILE_FORMAT,
    CheckpointMismatchError,
    atomic_torch_save,
    check_global_rng_states,
    global_rng_states,
    load_checked,
    load_into,
    model_signature,
    read_checkpoint,
    save_model,
    set_global_rng_states,
    signature_mismatch,
)
from gan_lib.training.distributed import (
    DistributedTrainer,
    Process,
    init_distributed,
    launched_by_torchrun,
    process_group,
    rank_seed,
)
from gan_lib.training.ensemble import SeedEnsemble, stack_trainers
from gan_lib.training.losses import (
    GENERATOR_COSTS,
    GeneratorCost,
    discriminator_loss,
    generator_cost,
    maximum_likelihood_cost,
    minimax_cost,
    non_saturating_cost,
)
from gan_lib.training.precision import (
    BF16_MIN_CAPABILITY,
    autocast_dtype,
    grad_scaler,
)
from gan_lib.training.trainer import (
    CHECKPOINT_FORMAT,
    HISTORY_KEYS,
    DataSampler,
    History,
    NonFiniteLossError,
    OptimizerFactory,
    Probe,
    Snapshot,
    Trainer,
    adam,
    frozen,
    sgd_momentum,
)

__all__ = [
    "precision",
    "BF16_MIN_CAPABILITY",
    "autocast_dtype",
    "grad_scaler",
    "losses",
    "trainer",
    "checkpoint",
    "GeneratorCost",
    "discriminator_loss",
    "minimax_cost",
    "non_saturating_cost",
    "maximum_likelihood_cost",
    "GENERATOR_COSTS",
    "generator_cost",
    "CHECKPOINT_FORMAT",
    "HISTORY_KEYS",
    "OptimizerFactory",
    "Probe",
    "DataSampler",
    "NonFiniteLossError",
    "sgd_momentum",
    "adam",
    "Snapshot",
    "History",
    "Trainer",
    "frozen",
    "MODEL_FILE_FORMAT",
    "model_signature",
    "signature_mismatch",
    "global_rng_states",
    "check_global_rng_states",
    "set_global_rng_states",
    "atomic_torch_save",
    "load_checked",
    "CheckpointMismatchError",
    "save_model",
    "read_checkpoint",
    "load_into",
    "distributed",
    "Process",
    "launched_by_torchrun",
    "init_distributed",
    "rank_seed",
    "DistributedTrainer",
    "process_group",
    "ensemble",
    "SeedEnsemble",
    "stack_trainers",
]
