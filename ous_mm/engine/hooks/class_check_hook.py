"""Refusing to run when the model's classes and the dataset's classes disagree."""
import torch.nn as nn
from mmaction.registry import HOOKS

from .loop_check_hook import LoopCheckHook


@HOOKS.register_module()
class ClassCheckHook(LoopCheckHook):
    """Check, before training, validation and test, that the classifier fits the dataset.

    The head's ``num_classes`` must equal the number of classes in the
    dataset's metainfo, and class names given to the prompt learner must be
    the dataset's, in the same order (a different order would silently swap
    the prompts). Raises ``ValueError`` naming both sides and the fix.
    """

    def check(self, model: nn.Module, loop) -> None:
        head = getattr(model, 'cls_head', None)
        classes = loop.dataloader.dataset.metainfo.get('classes')
        if head is None or not classes:
            return
        where = type(loop.dataloader.dataset).__name__
        if head.num_classes != len(classes):
            raise ValueError(
                f'the model predicts {head.num_classes} classes but {where} has '
                f'{len(classes)} ({", ".join(map(str, classes))}); set model.cls_head.'
                f'num_classes = {len(classes)} (and the class names) in the config')
        learner = getattr(head, 'prompt_learner', None)
        if learner is not None:
            names = [n.lower() for n in learner.class_names]
            wanted = [str(c).replace('_', ' ').lower() for c in classes]
            if names != wanted:
                raise ValueError(f'the prompt class names {learner.class_names} differ from '
                                 f'{where}\'s classes {tuple(classes)}: set model.cls_head.'
                                 'prompt_learner.class_names to the dataset\'s classes, in order')
