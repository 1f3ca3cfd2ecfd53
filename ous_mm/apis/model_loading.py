"""A config's model with a checkpoint's weights, and its test (or other) split, for the tools."""
from typing import Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint


def load_model(config: str, checkpoint: str, cfg_options: Optional[dict] = None,
               device: str = 'cpu') -> Tuple[torch.nn.Module, Config]:
    """Build ``config``'s model, load ``checkpoint`` (frozen encoders from their configured
    weights), eval mode."""
    import ous_mm  # noqa: F401
    from mmaction.registry import MODELS
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device).eval(), cfg


def split_dataset(cfg: Config, split: str = 'test'):
    """The config's ``split`` dataset with its pipeline (``'train'`` uses the test pipeline)."""
    from mmaction.registry import DATASETS
    dataset = cfg[f'{split}_dataloader'].dataset
    return DATASETS.build(dict(dataset, pipeline=cfg.test_dataloader.dataset.pipeline))
