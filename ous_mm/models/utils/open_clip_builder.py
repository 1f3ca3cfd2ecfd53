"""Building the frozen open_clip model: real weights by tag or file, random only when asked."""
import os.path as osp
import warnings
import zipfile
from typing import Optional

import open_clip
import torch.nn as nn
from mmengine.logging import MMLogger

RANDOM = 'random'


def weights_help(model_name: str, tag: str = 'openai') -> str:
    """How to get a weights file on a machine with a network, and where to set it."""
    file = f'checkpoints/{model_name}_{tag}.pth'
    return (f'On a machine with a network, save the weights once:\n'
            f'    python -c "import open_clip, torch; torch.save(open_clip.create_model('
            f"'{model_name}', pretrained='{tag}').state_dict(), '{file}')\"\n"
            f'copy {file} here and set the config key model.backbone.weights (the prompt '
            f'learner takes the same weights), e.g. --cfg-options model.backbone.weights={file}. '
            f"OpenAI's own released archive (e.g. ViT-L-14.pt) is read too.")


def _is_torchscript(path: str) -> bool:
    """OpenAI's released CLIP files are TorchScript archives (``<name>/code/`` inside the zip)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.split('/')[1:2] == ['code'] for n in archive.namelist())


def _load_file(model: nn.Module, model_name: str, path: str, quick_gelu: bool) -> None:
    """open_clip's own loader ('state_dict' wrappers, position embedding resizing ...)."""
    torchscript = _is_torchscript(path)
    if torchscript and not quick_gelu:
        raise ValueError(f'{path} is an OpenAI CLIP archive, trained with QuickGELU, but '
                         f'{model_name!r} uses GELU: use the "-quickgelu" model '
                         '(e.g. ViT-L-14-quickgelu)')
    # weights_only: a pickled state dict cannot run code; a TorchScript archive is no pickle
    # (torch.load hands it to torch.jit.load)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='.*looks like a TorchScript archive')
        open_clip.load_checkpoint(model, path, strict=True, weights_only=not torchscript)


def build_open_clip(model_name: str = 'ViT-L-14-quickgelu',
                    weights: Optional[str] = None,
                    model_cfg: Optional[dict] = None) -> nn.Module:
    """Build an open_clip ``CLIP`` model with real weights, or random ones when asked by name.

    Args:
        model_name (str): open_clip model name (``open_clip.list_models()``).
            OpenAI's CLIP weights were trained with QuickGELU: use the
            ``-quickgelu`` names for them. Ignored when ``model_cfg`` is given.
            Defaults to ``'ViT-L-14-quickgelu'``.
        weights (str): Where the weights come from: a local file (a state dict
            saved from open_clip, an open_clip release file or OpenAI's
            TorchScript archive), an open_clip pretrained tag such as
            ``'openai'`` (downloaded once into open_clip's cache; needs a
            network the first time), or ``'random'`` for a randomly
            initialised model (demo and tests only; a warning is logged).
        model_cfg (dict, optional): Keyword arguments of ``open_clip.CLIP``
            (``embed_dim``, ``vision_cfg``, ``text_cfg``, ``quick_gelu``) for
            a custom model, e.g. a tiny one for tests; weights then come from
            a file or ``'random'``.

    Returns:
        nn.Module: The open_clip model, in eval mode.
    """
    name = 'a custom open_clip model' if model_cfg is not None else repr(model_name)
    if weights is None:
        raise ValueError(f'no weights given for the frozen CLIP ({name}): set `weights` to a '
                         "file or an open_clip tag, or to 'random' for a demo.\n" +
                         weights_help(model_name))
    if model_cfg is None and model_name not in open_clip.list_models():
        raise ValueError(f'unknown open_clip model {model_name!r}; choose one of '
                         'open_clip.list_models() or give model_cfg')
    quick_gelu = bool((model_cfg if model_cfg is not None else
                       open_clip.get_model_config(model_name)).get('quick_gelu', False))
    model = open_clip.CLIP(**model_cfg) if model_cfg is not None else None
    if weights == RANDOM:
        MMLogger.get_current_instance().warning(
            f"the frozen CLIP ({name}) has RANDOM weights (weights='random'): fine for the "
            'demo and the tests, meaningless for real data')
        return (model or open_clip.create_model(model_name)).eval()
    if osp.isfile(weights):
        model = model or open_clip.create_model(model_name)
        _load_file(model, model_name, weights, quick_gelu)
        return model.eval()
    tag = model is None and open_clip.get_pretrained_cfg(model_name, weights)
    if not tag:
        tags = open_clip.list_pretrained_tags_by_model(model_name) if model is None else []
        raise FileNotFoundError(
            f'CLIP weights {weights!r} for {name} are neither a file nor an open_clip tag '
            f'(tags: {tags or "none"}).\n' + weights_help(model_name))
    if bool(tag.get('quick_gelu', False)) != quick_gelu:
        trained, built = ('QuickGELU', 'GELU') if quick_gelu is False else ('GELU', 'QuickGELU')
        other = (model_name + '-quickgelu' if tag.get('quick_gelu') else
                 model_name.replace('-quickgelu', ''))
        raise ValueError(f"open_clip's {weights!r} weights for {model_name!r} were trained with "
                         f'{trained}, but the model uses {built}: use {other!r}')
    try:
        return open_clip.create_model(model_name, pretrained=weights).eval()
    except RuntimeError as err:
        raise RuntimeError(f'cannot get the {weights!r} weights of {model_name!r} from open_clip '
                           f'(no network?): {err}\n' + weights_help(model_name, weights)) from err
