"""ModelConfig: the architecture of the repro-VAE, as the scripts' options or a checkpoint give it;
TrainConfig: how it is trained (the loss, the optimiser, the epochs).

The scripts build them from their options (`ModelConfig.from_options`, `TrainConfig.from_options`);
the library (models/training.py, models/encoding.py, the detection) takes them instead of the
command line. A checkpoint stores its own architecture, which wins over every field the user did
not type (`given`).
"""

from dataclasses import dataclass, fields
from typing import FrozenSet, Tuple

# The side of the square frames the model sees (the frame cache's size).
IMAGE_SIZE = 64
# The fields a checkpoint stores in its "model_config" and an option can contradict.
ARCHITECTURE_FIELDS = ("latent_dim", "hidden_dims", "activation")


@dataclass(frozen=True)
class ModelConfig:
    latent_dim: int
    hidden_dims: Tuple[int, ...]
    activation: str
    image_size: int = IMAGE_SIZE
    # the fields the user typed: a checkpoint that disagrees with one of them is refused
    given: FrozenSet[str] = frozenset()

    @classmethod
    def from_options(cls, opt) -> "ModelConfig":
        """The architecture the options describe (--latent_dim, --hidden-dims, --activation)."""
        return cls(latent_dim=int(opt.latent_dim), hidden_dims=tuple(int(d) for d in opt.hidden_dims),
                   activation=opt.activation,
                   given=frozenset(set(ARCHITECTURE_FIELDS) & set(getattr(opt, "explicit", ()))))

    def model_arguments(self) -> dict:
        """ReproVAE's keyword arguments."""
        return {"latent_dim": self.latent_dim, "hidden_dims": list(self.hidden_dims), "activation": self.activation,
                "image_size": self.image_size}


@dataclass(frozen=True)
class TrainConfig:
    """What training reads of main.py's options; their defaults are written once, in opts.py."""
    # the loss (ReproVAE.loss_function): H with tau > 0 is the repro-VAE, tau 0 the baseline VAE;
    # B pulls the KL towards a capacity rising to max_capacity over Capacity_max_iter steps
    loss_type: str
    beta: float
    tau: float
    gamma: float
    max_capacity: float
    Capacity_max_iter: float
    # Adam
    lr: float
    w_decay: float
    # the epochs: batches of bs frames, epoch_frames draws an epoch (0: one pass over the film),
    # at most max_iters epochs, stopping early after `patience` epochs without a min_delta gain
    bs: int
    seed: int
    epoch_frames: int
    max_iters: int
    patience: int
    min_delta: float
    precision: str  # --precision as typed (auto, fp32, bf16); utils.device.resolve_precision decides
    output_folder: str = ""  # the run's folder, named in the message of a run that diverged
    # the fields the user typed: a typed lr replaces the learning rate a resumed run saved
    given: FrozenSet[str] = frozenset()

    @classmethod
    def from_options(cls, opt) -> "TrainConfig":
        """The training main.py's options describe (after --resume adopted the run's own)."""
        names = [f.name for f in fields(cls) if f.name != "given"]
        return cls(**{name: getattr(opt, name) for name in names},
                   given=frozenset(set(names) & set(getattr(opt, "explicit", ()))))
