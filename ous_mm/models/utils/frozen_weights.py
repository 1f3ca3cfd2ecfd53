"""Keeping a frozen sub-module's weights out of checkpoints."""


class FrozenWeightsMixin:
    """For modules that hold a frozen child built from a weights file (a CLIP encoder).

    :meth:`exclude_frozen_weights` leaves the child's weights out of
    ``state_dict()`` (hundreds of MB per checkpoint for ViT-L/14) and lets a
    state dict without them load: the child keeps the weights it was built
    with, i.e. those of its configured ``pretrained`` file.
    """

    def exclude_frozen_weights(self, child: str) -> None:
        self._frozen_prefix = child + '.'
        self._register_state_dict_hook(self._drop_frozen_weights)
        self._register_load_state_dict_pre_hook(self._fill_frozen_weights)

    def _drop_frozen_weights(self, module, state_dict, prefix, local_metadata) -> None:
        for key in [k for k in state_dict if k.startswith(prefix + self._frozen_prefix)]:
            del state_dict[key]

    def _fill_frozen_weights(self, state_dict, prefix, *args) -> None:
        child = getattr(self, self._frozen_prefix[:-1])
        for name, value in child.state_dict().items():
            state_dict.setdefault(prefix + self._frozen_prefix + name, value)
