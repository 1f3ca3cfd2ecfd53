"""Base of the hooks that check a loop's dataset against the model before the loop runs."""
from abc import abstractmethod

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class LoopCheckHook(Hook):
    """Calls :meth:`check` before training, validation and test, with the unwrapped model.

    A loop that the run does not have (``None``) is not checked.
    """

    priority = 'VERY_HIGH'

    @abstractmethod
    def check(self, model: nn.Module, loop) -> None:
        """Raise an error naming what is wrong when ``loop``'s data does not fit ``model``."""

    def _check(self, runner, loop) -> None:
        if loop is not None:
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            self.check(model, loop)

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_loop)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop)
