"""ModelConfig: the architecture of the repro-VAE, as the scripts' options or a checkpoint give it.

The scripts build it from their options (`ModelConfig.from_options`); the library
(models/encoding.py, the detection) takes it instead of the command line. A checkpoint stores
its own architecture, which wins over every field the user did not type (`given`).
"""

from dataclasses import dataclass
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
