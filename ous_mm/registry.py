"""ous-mm's registries: the scope ``ous_mm``, one child of each MMAction2 registry.

ous-mm's components register in MMAction2's registries (``mmaction.registry``), so a config with
``default_scope = 'mmaction'`` and ``custom_imports = dict(imports=['ous_mm'])`` builds them.
The registries here give ous-mm a scope of its own, as mmyolo's and mmpretrain's do: MMEngine
builds everything a config inherits through ``_base_ = 'ous_mm::...'`` (which it reads after
``ous_mm.setup_env()``) with ``_scope_='ous_mm'``,
looks that scope up among the children of its root registries, searches the registry it finds
and then its parents (MMAction2's, then MMEngine's); ``locations`` import ous-mm's components the
first time one of these registries is searched. Face detectors are not models: they have a root
registry of their own.
"""
from typing import Any, Optional

from mmaction.registry import DATA_SAMPLERS as MMACTION_DATA_SAMPLERS
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import EVALUATOR as MMACTION_EVALUATOR
from mmaction.registry import FUNCTION as MMACTION_FUNCTION
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import INFERENCERS as MMACTION_INFERENCERS
from mmaction.registry import LOG_PROCESSORS as MMACTION_LOG_PROCESSORS
from mmaction.registry import LOOPS as MMACTION_LOOPS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODEL_WRAPPERS as MMACTION_MODEL_WRAPPERS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMACTION_OPTIM_WRAPPER_CONSTRUCTORS
from mmaction.registry import OPTIM_WRAPPERS as MMACTION_OPTIM_WRAPPERS
from mmaction.registry import OPTIMIZERS as MMACTION_OPTIMIZERS
from mmaction.registry import PARAM_SCHEDULERS as MMACTION_PARAM_SCHEDULERS
from mmaction.registry import RUNNER_CONSTRUCTORS as MMACTION_RUNNER_CONSTRUCTORS
from mmaction.registry import RUNNERS as MMACTION_RUNNERS
from mmaction.registry import TASK_UTILS as MMACTION_TASK_UTILS
from mmaction.registry import TOKENIZER as MMACTION_TOKENIZER
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISBACKENDS as MMACTION_VISBACKENDS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmaction.registry import WEIGHT_INITIALIZERS as MMACTION_WEIGHT_INITIALIZERS
from mmengine.registry import Registry, build_from_cfg

# runners, loops, hooks, optimizers, schedulers, log processors
RUNNERS = Registry('runner', parent=MMACTION_RUNNERS, locations=['ous_mm.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMACTION_RUNNER_CONSTRUCTORS, locations=['ous_mm.engine'])
LOOPS = Registry('loop', parent=MMACTION_LOOPS, locations=['ous_mm.engine'])
HOOKS = Registry('hook', parent=MMACTION_HOOKS, locations=['ous_mm.engine.hooks'])
OPTIMIZERS = Registry('optimizer', parent=MMACTION_OPTIMIZERS, locations=['ous_mm.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMACTION_OPTIM_WRAPPERS, locations=['ous_mm.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMACTION_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['ous_mm.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMACTION_PARAM_SCHEDULERS, locations=['ous_mm.engine'])
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMACTION_LOG_PROCESSORS, locations=['ous_mm.engine'])

# data
DATASETS = Registry('dataset', parent=MMACTION_DATASETS, locations=['ous_mm.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMACTION_DATA_SAMPLERS, locations=['ous_mm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMACTION_TRANSFORMS, locations=['ous_mm.datasets.transforms'])
FUNCTION = Registry('function', parent=MMACTION_FUNCTION, locations=['ous_mm.datasets'])

# models
MODELS = Registry('model', parent=MMACTION_MODELS, locations=['ous_mm.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMACTION_MODEL_WRAPPERS, locations=['ous_mm.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMACTION_WEIGHT_INITIALIZERS, locations=['ous_mm.models'])
TASK_UTILS = Registry('task util', parent=MMACTION_TASK_UTILS, locations=['ous_mm.models'])
TOKENIZER = Registry('tokenizer', parent=MMACTION_TOKENIZER, locations=['ous_mm.models'])

# evaluation, visualization, inference
METRICS = Registry('metric', parent=MMACTION_METRICS, locations=['ous_mm.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMACTION_EVALUATOR, locations=['ous_mm.evaluation'])
VISUALIZERS = Registry('visualizer', parent=MMACTION_VISUALIZERS, locations=['ous_mm.engine'])
VISBACKENDS = Registry('vis_backend', parent=MMACTION_VISBACKENDS, locations=['ous_mm.engine'])
INFERENCERS = Registry('inferencer', parent=MMACTION_INFERENCERS, locations=['ous_mm.apis'])


def build_in_own_scope(cfg: dict,
                       registry: Registry,
                       default_args: Optional[dict] = None) -> Any:
    """``build_from_cfg`` in the registry's own scope unless the config names one (``_scope_``).

    MMEngine looks a build's default scope up in the registry's tree; FACE_DETECTORS is the root
    of a tree with no ``mmaction`` node, so building it under the configs' ``default_scope =
    'mmaction'`` warned "Failed to search registry with scope" at every build.

    Args:
        cfg (dict): Config of the object, with ``type``.
        registry (Registry): The registry to build from.
        default_args (dict, optional): Default arguments of the object.

    Returns:
        The built object.
    """
    if '_scope_' not in cfg:
        cfg = dict(cfg, _scope_=registry.scope)
    return build_from_cfg(cfg, registry, default_args)


FACE_DETECTORS = Registry(
    'face detector', build_func=build_in_own_scope, locations=['ous_mm.face_detectors'])
