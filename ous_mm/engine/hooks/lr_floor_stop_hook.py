"""Stop training once the learning rate has fallen below a floor (the paper's rule)."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class LRFloorStopHook(Hook):
    """End training when every parameter group's lr is below ``min_lr``.

    OUS ("Training Details"): "training was considered converged when the
    rate fell below 1e-7". Checked after each validation, when
    ``ReduceOnPlateauLR`` has just stepped.

    Args:
        min_lr (float): The floor. Defaults to 1e-7.
    """

    priority = 'LOW'

    def __init__(self, min_lr: float = 1e-7) -> None:
        self.min_lr = min_lr

    def after_val_epoch(self, runner, metrics=None) -> None:
        lrs = [g['lr'] for g in runner.optim_wrapper.param_groups]
        if max(lrs) < self.min_lr:
            runner.logger.info(f'lr {max(lrs):.3g} < {self.min_lr:g}: training has converged, '
                               'stopping')
            runner.train_loop.stop_training = True
