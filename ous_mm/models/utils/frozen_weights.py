"""Keeping a frozen sub-module's weights out of checkpoints, and checking them on load."""
import hashlib
from typing import Dict, Optional

import torch
import torch.nn as nn


def weights_fingerprint(module: nn.Module) -> str:
    """SHA-256 (hex, first 16 digits) of every tensor of ``module.state_dict()``.

    Names, shapes, dtypes and bytes all count, so another weights file,
    another random seed or another architecture gives another fingerprint.
    """
    return state_fingerprint(module.state_dict())


def state_fingerprint(state_dict: Dict[str, torch.Tensor]) -> str:
    """:func:`weights_fingerprint` of a module whose ``state_dict()`` is ``state_dict``."""
    digest = hashlib.sha256()
    for name, tensor in state_dict.items():
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f'{name}:{tuple(tensor.shape)}:{tensor.dtype};'.encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())  # no copy
    return digest.hexdigest()[:16]


class FrozenWeightsMixin:
    """For modules that hold a frozen child built from a weights file (a CLIP encoder).

    With ``save=False`` (:meth:`track_frozen_weights`) the child's weights are
    left out of ``state_dict()`` (hundreds of MB per checkpoint for ViT-L/14)
    and a fingerprint of them takes their place (``<prefix>frozen_fingerprint``).
    Loading a state dict without the weights keeps the ones the child was
    built with (its configured weights file), after checking that they are the
    ones the checkpoint was trained with: another file, or a random encoder,
    is an error instead of a model that silently predicts garbage. A state
    dict that brings the weights itself (random encoders are saved) sets them.
    """

    _frozen_fingerprint: Optional[str] = None

    def track_frozen_weights(self, child: str, save: bool) -> None:
        """Check the frozen ``child`` on load; leave its weights out of ``state_dict()``
        unless ``save``."""
        self._frozen_prefix = child + '.'
        if not save:
            self._register_state_dict_hook(self._drop_frozen_weights)
        self._register_load_state_dict_pre_hook(self._fill_frozen_weights)

    @property
    def frozen_fingerprint(self) -> str:
        """Fingerprint of the frozen child's weights (computed once: they never change)."""
        if self._frozen_fingerprint is None:
            self._frozen_fingerprint = weights_fingerprint(
                getattr(self, self._frozen_prefix[:-1]))
        return self._frozen_fingerprint

    def _drop_frozen_weights(self, module, state_dict, prefix, local_metadata) -> None:
        for key in [k for k in state_dict if k.startswith(prefix + self._frozen_prefix)]:
            del state_dict[key]
        state_dict[prefix + 'frozen_fingerprint'] = torch.tensor(
            list(bytes.fromhex(self.frozen_fingerprint)), dtype=torch.uint8)

    def _fill_frozen_weights(self, state_dict, prefix, *args) -> None:
        saved = state_dict.pop(prefix + 'frozen_fingerprint', None)
        child = getattr(self, self._frozen_prefix[:-1])
        with_weights = any(k.startswith(prefix + self._frozen_prefix) for k in state_dict)
        if with_weights:  # the state dict brings the frozen weights itself
            self._frozen_fingerprint = None
        elif saved is not None and bytes(saved.tolist()).hex() != self.frozen_fingerprint:
            raise RuntimeError(
                f'{type(self).__name__} ({prefix or "top level"}): the checkpoint was trained '
                f'with frozen weights {bytes(saved.tolist()).hex()}, but this model was built '
                f'with {self.frozen_fingerprint} ({getattr(self, "weights", "?")!r}). Build it '
                'with the weights the checkpoint was trained with (its `clip` config\'s '
                '`weights`: model.clip.weights in ous-mm\'s configs).')
        for name, value in child.state_dict().items():
            state_dict.setdefault(prefix + self._frozen_prefix + name, value)
