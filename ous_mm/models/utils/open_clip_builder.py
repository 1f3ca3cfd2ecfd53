"""Building the frozen open_clip model: real weights by tag or file, random only when asked."""
import logging
import os.path as osp
import pickle
import socket
import urllib.request
import zipfile
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional
from urllib.parse import urlparse

import open_clip
import torch
import torch.nn as nn
from mmengine.logging import MMLogger

from ...compat import weights_only_reason
from ...fileio.pickle_allow_list import DisallowedPickleError
from ...fileio.torchscript_archive import read_torchscript_tensors

RANDOM = 'random'
RANDOM_SEED = 0  # the seed of random weights unless the config's `clip.seed` says otherwise
DEFAULT_MODEL = 'ViT-L-14-quickgelu'  # the paper's: OpenAI's ViT-L/14, trained with QuickGELU


def weights_help(model_name: str, tag: str = 'openai') -> str:
    """How to get a weights file on a machine with a network, and where to set it."""
    file = f'checkpoints/{model_name}_{tag}.pth'
    return (f'On a machine with a network, save the weights once:\n'
            f'    python -c "import open_clip, torch; torch.save(open_clip.create_model('
            f"'{model_name}', pretrained='{tag}').state_dict(), '{file}')\"\n"
            f'copy {file} here and set the config key model.clip.weights (the one CLIP of both '
            f'frozen towers), e.g. --cfg-options model.clip.weights={file}. '
            f"OpenAI's own released archive (e.g. ViT-L-14.pt) is read too.")


class WeightsFileError(ValueError):
    """A weights file that is not one of the formats read without running code."""


# What ``torch.jit.save`` writes under the archive's one top-level folder (OpenAI's released
# CLIP files are such archives): all of these, and code/ with the TorchScript sources.
_TORCHSCRIPT_ENTRIES = ('data.pkl', 'constants.pkl')
_TORCHSCRIPT_VERSION = ('version', '.data/version')
# the types CLIP weights are released and trained in
WEIGHT_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
_EXPECTED = ('Expected the weights as a state dict saved with torch.save (see '
             'docs/en/user_guides/prepare_datasets.md, "The CLIP weights"), a .safetensors '
             'file, or OpenAI\'s released TorchScript archive (e.g. ViT-L-14.pt)')


def weights_file_kind(path: str) -> str:
    """What a weights file is, from its structure (no part of it is unpickled).

    Args:
        path (str): The file.

    Returns:
        str: ``'torchscript'`` (a TorchScript archive: one top-level folder
        holding ``data.pkl``, ``constants.pkl``, ``version`` and TorchScript
        sources under ``code/``), ``'torch'`` (a ``torch.save`` file: a zip
        archive with ``data.pkl`` and no code, or the legacy pickle format),
        ``'safetensors'`` or ``'numpy'`` (``.npz``/``.npy``, read by open_clip
        without pickle).

    Raises:
        WeightsFileError: Anything else, saying what the file is.
    """
    suffix = osp.splitext(path)[1].lower()
    if suffix == '.safetensors':
        return 'safetensors'
    if suffix in ('.npz', '.npy'):
        return 'numpy'
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            head = f.read(4)
        if head[:1] == b'\x80' and head[1:2] in (b'\x02', b'\x03', b'\x04', b'\x05'):
            return 'torch'  # torch.save's legacy format (a pickle): read weights-only
        if head == b'PK\x03\x04':
            raise WeightsFileError(f'{path} ({osp.getsize(path)} bytes) starts as a zip archive '
                                   'but has no zip directory at its end: a truncated or damaged '
                                   f'copy. Copy the file again. {_EXPECTED}')
        raise WeightsFileError(f'{path} is neither a zip archive nor a pickle (it starts with '
                               f'{head[:2]!r}): not a weights file. {_EXPECTED}')
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    roots = {n.split('/', 1)[0] for n in names}
    entries = {n.split('/', 1)[1] for n in names if '/' in n}
    if len(roots) != 1 or len(entries) != len(names):
        raise WeightsFileError(f'{path} is a zip archive with {len(roots)} top-level entries '
                               f'({", ".join(sorted(roots)[:5])}): not a torch.save file or a '
                               f'TorchScript archive (one top-level folder). {_EXPECTED}')
    code = any(n.startswith('code/') and n.endswith('.py') for n in entries)
    constants = 'constants.pkl' in entries
    if (all(n in entries for n in _TORCHSCRIPT_ENTRIES) and code
            and any(n in entries for n in _TORCHSCRIPT_VERSION)):
        return 'torchscript'
    if 'data.pkl' in entries and not code and not constants:
        return 'torch'
    present = [n for n, there in (('data.pkl', 'data.pkl' in entries),
                                  ('constants.pkl', constants), ('code/', code)) if there]
    missing = [n for n in ('data.pkl', 'constants.pkl', 'code/') if n not in present]
    raise WeightsFileError(
        f'{path} is a zip archive whose folder {roots.pop()}/ holds '
        f'{", ".join(present) or "none of data.pkl, constants.pkl, code/"}'
        f'{" but no " + ", ".join(missing) if present and missing else ""}: neither a '
        'TorchScript archive (data.pkl, constants.pkl, version and code/) nor a torch.save file '
        '(data.pkl without code); it was not loaded (its pickles could run code). ' + _EXPECTED)


def _refused(path: str, why: str, detail: str) -> WeightsFileError:
    return WeightsFileError(f'Refused to load {path}: {why}, and loading it could run code '
                            f'({detail}). {_EXPECTED}')


def _read_state_dict(path: str, kind: str) -> Dict[str, torch.Tensor]:
    """The tensors of a weights file, read without running any code it holds.

    A TorchScript archive is read as data (its code is never compiled), a
    ``torch.save`` file with torch's weights-only unpickler (asked for by name,
    whatever the installed torch's default), a safetensors file by safetensors.

    Args:
        path (str): The weights file.
        kind (str): What it is (:func:`weights_file_kind`).

    Returns:
        dict[str, torch.Tensor]: The state dict, every entry a tensor.
    """
    try:
        if kind == 'torchscript':
            checkpoint = read_torchscript_tensors(path)
        elif kind == 'safetensors':
            from safetensors import SafetensorError
            from safetensors.torch import load_file
            try:
                checkpoint = load_file(path, device='cpu')
            except (SafetensorError, OSError) as err:
                raise WeightsFileError(f'{path} is not a readable safetensors file '
                                       f'({str(err).strip()[:300]}): empty, truncated or of '
                                       f'another format. {_EXPECTED}') from None
        else:
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except DisallowedPickleError as err:
        raise _refused(path, 'it is a TorchScript archive whose data.pkl holds more than weights '
                       '(read as data: its code is never run)', str(err)) from None
    except pickle.UnpicklingError as err:
        raise _refused(path, 'it holds a pickled object that torch\'s weights-only loader does '
                       'not admit', weights_only_reason(err)) from None
    except MemoryError:
        raise WeightsFileError(f'{path} declares tensors larger than this machine\'s memory: '
                               f'not a CLIP weights file. {_EXPECTED}') from None
    except RuntimeError as err:  # torch's zip reader: a damaged archive
        raise WeightsFileError(f'{path} cannot be read by torch.load '
                               f'({str(err).strip().splitlines()[0][:300]}). {_EXPECTED}') from None
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = checkpoint['state_dict']  # a training checkpoint: its model
    if not isinstance(checkpoint, dict) or not checkpoint:
        raise WeightsFileError(f'{path} holds a {type(checkpoint).__name__}'
                               f'{" (empty)" if isinstance(checkpoint, dict) else ""}, not a '
                               f'state dict of tensors. {_EXPECTED}')
    for key, value in checkpoint.items():
        if not isinstance(value, torch.Tensor):
            raise WeightsFileError(f'{path}: its entry {key!r} is a {type(value).__name__}, not a '
                                   f'tensor. {_EXPECTED}')
    # DistributedDataParallel's prefix, as open_clip's reader strips it
    return {k[7:] if k.startswith('module.') else k: v for k, v in checkpoint.items()}


def _fit_state_dict(path: str, kind: str, state_dict: Dict[str, torch.Tensor],
                    model: nn.Module) -> Dict[str, torch.Tensor]:
    """``state_dict`` without what open_clip's model does not keep; its types checked."""
    if kind == 'torchscript':
        # OpenAI's archives hold scalars that open_clip's model does not keep (open_clip drops
        # them too), and buffers the model keeps out of its state dict (the attention mask)
        not_saved = {n for n, _ in model.named_buffers()} - set(model.state_dict())
        drop = {'input_resolution', 'context_length', 'vocab_size', *not_saved}
        state_dict = {k: v for k, v in state_dict.items() if k not in drop}
    own = {k: v.dtype for k, v in model.state_dict().items()}
    for key, value in state_dict.items():
        if value.dtype not in WEIGHT_DTYPES and value.dtype != own.get(key):
            raise WeightsFileError(
                f'{path}: its tensor {key!r} is {value.dtype}; CLIP weights are '
                f'{", ".join(str(d) for d in WEIGHT_DTYPES)} (a file converted to another type '
                f'is not the released model). {_EXPECTED}')
    return state_dict


@contextmanager
def _open_clip_reads(read: Callable[[str], Dict[str, torch.Tensor]]) -> Iterator[None]:
    """open_clip's loading (``load_checkpoint``, ``create_model``) with ``read`` as its reader.

    open_clip's own reader retries a weights-only ``torch.load`` that raised
    ``TypeError`` without ``weights_only`` (a full unpickling where torch's
    default is False), and reads no TorchScript archive; its conversions of
    release formats and its position-embedding resizing are kept.
    """
    from open_clip import factory
    own = factory.load_state_dict
    factory.load_state_dict = lambda checkpoint_path, *args, **kwargs: read(str(checkpoint_path))
    try:
        yield
    finally:
        factory.load_state_dict = own


def _safe_read(path: str) -> Dict[str, torch.Tensor]:
    """A weights file open_clip downloaded, read as :func:`_read_state_dict` reads any."""
    return _read_state_dict(path, weights_file_kind(path))


def _load_file(model: nn.Module, path: str, kind: str,
               state_dict: Optional[Dict[str, torch.Tensor]], name: str) -> None:
    """Load the weights ``state_dict`` read from ``path`` into ``model`` through open_clip's
    conversions; big_vision's ``.npz`` (SigLIP) through open_clip's NumPy reader, which
    unpickles nothing."""
    if kind == 'numpy' and not hasattr(getattr(model, 'visual', None), 'trunk'):
        raise WeightsFileError(f'{path} is a NumPy file: open_clip reads those as big_vision '
                               f'(SigLIP) checkpoints into its timm-based SigLIP models only, and '
                               f'{name} is not one. {_EXPECTED}')
    try:
        if kind == 'numpy':
            open_clip.load_checkpoint(model, path, strict=True)
            return
        fitted = _fit_state_dict(path, kind, state_dict, model)
        with _open_clip_reads(lambda _: fitted):
            open_clip.load_checkpoint(model, path, strict=True)
    except WeightsFileError:
        raise
    except (RuntimeError, KeyError, ValueError) as err:  # missing, unexpected, mis-sized keys
        raise WeightsFileError(f'{path} does not fit {name}: {str(err).strip()[:1000]}\n'
                               'Choose the model the weights were saved from '
                               '(model_name or model_cfg).') from err


def _hub_unreachable() -> bool:
    """Whether open_clip's downloads would only retry: offline mode, or no route to the hub."""
    from huggingface_hub import constants
    if constants.is_offline_mode():
        return True
    if urllib.request.getproxies().get('https'):
        return False  # a proxy may reach it: let huggingface_hub try
    try:
        socket.create_connection((urlparse(constants.ENDPOINT).hostname, 443), timeout=3).close()
    except OSError:
        return True
    return False


@contextmanager
def _hub_offline(offline: bool) -> Iterator[None]:
    """huggingface_hub's offline mode for this block: its cache only, no retries."""
    from huggingface_hub import constants
    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = before or offline
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


@contextmanager
def _without_random_init_warning() -> Iterator[None]:
    """open_clip logs that a model built without ``pretrained`` is "initialized randomly"."""

    def keep(record: logging.LogRecord) -> bool:
        return 'initialized randomly' not in record.getMessage()

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)


class NoImageTower(nn.Module):
    """What stands for open_clip's image tower in a CLIP built without it: no weights."""

    def forward(self, *args, **kwargs):
        raise RuntimeError('this CLIP was built without its image tower (build_open_clip('
                           'image_tower=False), e.g. for a model trained from cached features): '
                           'build it with image_tower=True to encode images')


@contextmanager
def _image_tower(build: bool, own_stream: bool) -> Iterator[None]:
    """open_clip's CLIP built with its image tower, or with :class:`NoImageTower` instead.

    Args:
        build (bool): Build the image tower.
        own_stream (bool): Draw its random weights from a fork of the random
            stream, so that the text tower's random weights are the same with
            or without it.
    """
    from open_clip import model as clip_module
    own = clip_module._build_vision_tower

    def vision_tower(*args, **kwargs) -> nn.Module:
        if not build:
            return NoImageTower()
        with torch.random.fork_rng(devices=[], enabled=own_stream):
            return own(*args, **kwargs)

    clip_module._build_vision_tower = vision_tower
    try:
        yield
    finally:
        clip_module._build_vision_tower = own


def _text_only(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """A CLIP state dict without the image tower's weights."""
    return {k: v for k, v in state_dict.items() if not k.startswith('visual.')}


def build_open_clip(model_name: str = DEFAULT_MODEL,
                    weights: Optional[str] = None,
                    model_cfg: Optional[dict] = None,
                    seed: Optional[int] = RANDOM_SEED,
                    image_tower: bool = True) -> nn.Module:
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
        seed (int, optional): The seed of random weights (``weights='random'``):
            drawn from their own generator seeded with it, so that every process
            builds the same random CLIP for the same config (an extraction and
            the training that reads its cache) and the caller's random stream is
            left as it was. ``None``: drawn from torch's global generator, so
            the process's seed (the Runner's ``randomness.seed``) decides them.
            Ignored for real weights. Defaults to ``RANDOM_SEED`` (0).
        image_tower (bool): Build the image tower. ``False``: a
            :class:`NoImageTower` stands in its place and its weights are
            neither drawn nor loaded (a model that reads cached image features
            runs only the text tower); the text tower is the same as with it.
            Defaults to True.

    Returns:
        nn.Module: The open_clip model, in eval mode.
    """
    if model_cfg is not None:
        gelu = bool(model_cfg.get('quick_gelu'))
        name = f'the custom open_clip model (model_cfg, quick_gelu={gelu})'
        fix = 'set model_cfg.quick_gelu=True'
    else:
        name = repr(model_name)
        fix = f'use the "-quickgelu" model ({model_name.replace("-quickgelu", "")}-quickgelu)'
    if weights is None:
        raise ValueError(f'no weights given for the frozen CLIP ({name}): set `weights` to a '
                         "file or an open_clip tag, or to 'random' for a demo.\n" +
                         weights_help(model_name))
    if model_cfg is None and model_name not in open_clip.list_models():
        raise ValueError(f'unknown open_clip model {model_name!r}; choose one of '
                         'open_clip.list_models() or give model_cfg')
    quick_gelu = bool((model_cfg if model_cfg is not None else
                       open_clip.get_model_config(model_name)).get('quick_gelu', False))
    if weights == RANDOM:
        MMLogger.get_current_instance().warning(
            f"the frozen CLIP ({name}) has RANDOM weights (weights='random'): fine for the "
            'demo and the tests, meaningless for real data')
        # with a seed, its own generator: the same weights in every process, whatever the
        # process's seed (a config without randomness.seed gets a random one per process), and
        # the image tower's draws on a fork of it: the same text tower without the image tower.
        # Without a seed, the global stream draws both in open_clip's order, so the text tower
        # depends on the image tower's draws: that is drawn even when it is not kept.
        with torch.random.fork_rng(devices=[], enabled=seed is not None), _image_tower(
                image_tower or seed is None, own_stream=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            model = (open_clip.CLIP(**model_cfg) if model_cfg is not None else
                     open_clip.create_model(model_name))
        if not image_tower:
            model.visual = NoImageTower()
        return model.eval()
    with _image_tower(image_tower, own_stream=False):
        model = open_clip.CLIP(**model_cfg) if model_cfg is not None else None
    if osp.isfile(weights):
        # the file is read and checked before the model is built: a bad file fails at once
        kind = weights_file_kind(weights)
        if kind == 'torchscript' and not quick_gelu:
            raise WeightsFileError(f'{weights} is an OpenAI CLIP archive, trained with QuickGELU, '
                                   f'but {name} uses GELU: {fix}')
        if kind == 'numpy' and not image_tower:  # open_clip reads those into a whole model
            raise WeightsFileError(f'{weights} is a NumPy (big_vision) file, which is read into '
                                   'a whole CLIP only: build it with its image tower '
                                   '(image_tower=True)')
        state_dict = _read_state_dict(weights, kind) if kind != 'numpy' else None
        if model is None:
            # the file's weights replace them next
            with _without_random_init_warning(), _image_tower(image_tower, own_stream=False):
                model = open_clip.create_model(model_name)
        if state_dict is not None and not image_tower:
            state_dict = _text_only(state_dict)
        _load_file(model, weights, kind, state_dict, name)
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
    offline = _hub_unreachable()
    try:
        # offline: open_clip's cache, or an error at once; the file read as any other
        read = _safe_read if image_tower else lambda path: _text_only(_safe_read(path))
        with _hub_offline(offline), _open_clip_reads(read), _image_tower(image_tower, False):
            return open_clip.create_model(model_name, pretrained=weights).eval()
    except RuntimeError as err:
        why = ('no network reaches the Hugging Face hub (or HF_HUB_OFFLINE is set) and they '
               "are not in open_clip's cache" if offline else 'no network?')
        raise RuntimeError(f'cannot get the {weights!r} weights of {model_name!r} from open_clip '
                           f'({why}): {err}\n' + weights_help(model_name, weights)) from err
