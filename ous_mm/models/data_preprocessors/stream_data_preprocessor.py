"""Feeding one OUS stream to a stock MMAction2 recognizer."""
from typing import Dict, List, Tuple, Union

import torch
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS


@MODELS.register_module()
class StreamDataPreprocessor(ActionDataPreprocessor):
    """``ActionDataPreprocessor`` over one stream of OUS's inputs.

    With it, any MMAction2 recognizer (TSN, X3D, ...) trains on exactly what
    OUS's pipeline packs (``face_imgs``/``scene_imgs`` from ``FaceSceneSplit``,
    ``T x 3 x H x W`` per clip): same data, split, frames and crops, with
    the pipeline left untouched.

    Args:
        stream (str): ``'face'`` or ``'scene'``. Defaults to ``'face'``.
        format_shape (str): ``'NCHW'`` (2D recognizers: the T frames as
            segments) or ``'NCTHW'`` (3D recognizers: one clip of T frames).
        **kwargs: ``ActionDataPreprocessor`` arguments (``mean``, ``std`` ...).
    """

    def __init__(self, stream: str = 'face', format_shape: str = 'NCHW', **kwargs) -> None:
        if stream not in ('face', 'scene'):
            raise ValueError(f"stream must be 'face' or 'scene', got {stream!r}")
        if format_shape not in ('NCHW', 'NCTHW'):
            raise ValueError(f"format_shape must be 'NCHW' or 'NCTHW', got {format_shape!r}")
        super().__init__(format_shape=format_shape, **kwargs)
        self.key = f'{stream}_imgs'

    def preprocess(self, inputs: Union[Dict[str, List[torch.Tensor]], List[torch.Tensor]],
                   data_samples: List, training: bool = False) -> Tuple:
        if isinstance(inputs, dict):
            if self.key not in inputs:
                raise KeyError(f'inputs have {sorted(inputs)}, not {self.key!r}: the pipeline '
                               'needs FaceSceneSplit and PackActionInputs(collect_keys=...)')
            inputs = inputs[self.key]
        if self.format_shape == 'NCTHW':  # T x C x H x W -> 1 clip x C x T x H x W
            inputs = [x.transpose(0, 1).unsqueeze(0) for x in inputs]
        return super().preprocess(inputs, data_samples, training)
