"""A config, its model and its splits, as ous-mm's tools (and MMAction2's runners) see them."""
import argparse
from typing import Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmaction.apis import init_recognizer
from mmengine.config import Config, DictAction
from mmengine.dataset import BaseDataset
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

from ..utils import setup_env


def load_config(config: Union[str, Config], cfg_options: Optional[dict] = None) -> Config:
    """A config file (or object) with ``--cfg-options`` merged in and its default scope set.

    Sets up the process first (:func:`ous_mm.setup_env`): ``ous_mm::`` configs
    read, checkpoints load safely.

    Args:
        config (str | Config): Config file or object (copied, not changed).
        cfg_options (dict, optional): Options as ``DictAction`` parses them.

    Returns:
        Config: The config.
    """
    setup_env()
    cfg = Config.fromfile(config) if isinstance(config, str) else config.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return cfg


def parse_cfg_options(options: Sequence[str]) -> dict:
    """``key=value`` strings as ``--cfg-options`` (MMEngine's ``DictAction``) parses them.

    Args:
        options (Sequence[str]): e.g. ``['train_cfg.max_epochs=2', 'a.b=[1,2]']``.

    Returns:
        dict: For ``Config.merge_from_dict`` (empty for no options).
    """
    if not options:
        return {}
    parser = argparse.ArgumentParser(prog='cfg-options')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """The config's model, as MMAction2's ``init_recognizer`` builds it, in eval mode.

    The global random seed is set first as MMEngine's Runner sets it
    (``randomness``), so a randomly initialised frozen encoder (the demo's)
    gets the weights it had in training.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Weights to load (frozen encoders come from
            their configured weights). Defaults to None.
        device (str): Device. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Options to merge into the config.

    Returns:
        nn.Module: The model, with its config as ``model.cfg``.
    """
    cfg = load_config(config, cfg_options)
    randomness = cfg.get('randomness') or {}
    if randomness.get('seed') is not None:
        set_random_seed(randomness['seed'], deterministic=randomness.get('deterministic', False))
    return init_recognizer(cfg, checkpoint, device=device)


def split_dataset(cfg: Config, split: str = 'test', pipeline: str = 'test') -> BaseDataset:
    """The config's ``split`` dataset (``'train'``, ``'val'``, ``'test'``).

    Args:
        cfg (Config): A loaded config.
        split (str): Which dataloader's dataset. Defaults to ``'test'``.
        pipeline (str): ``'test'``: the test pipeline whatever the split (fixed
            frames, for analysis); ``'own'``: the split's own pipeline;
            ``'none'``: no transforms (the data list only).

    Returns:
        BaseDataset: The built dataset.
    """
    from mmaction.registry import DATASETS
    dataset = cfg[f'{split}_dataloader'].dataset
    transforms = dict(test=cfg.test_dataloader.dataset.get('pipeline', []),
                      own=dataset.get('pipeline', []), none=[])[pipeline]
    return DATASETS.build(dict(dataset, pipeline=transforms))


def model_split_parser(description: str) -> argparse.ArgumentParser:
    """The command line of a tool that runs a trained model over a split.

    ``CONFIG CHECKPOINT [--split {train,val,test}] [--device D] [--cfg-options ...]``;
    the tool adds its own arguments.

    Args:
        description (str): The tool's description (its docstring).

    Returns:
        argparse.ArgumentParser: The parser.
    """
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'))
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser


def init_model_and_split(args: argparse.Namespace) -> Tuple[nn.Module, BaseDataset]:
    """The model and split (test pipeline) that ``model_split_parser``'s arguments name."""
    model = init_model(args.config, args.checkpoint, args.device, args.cfg_options)
    return model, split_dataset(model.cfg, args.split)
