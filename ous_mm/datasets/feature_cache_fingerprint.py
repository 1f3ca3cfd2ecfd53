"""What cached features depend on, and how a cache is compared with it.

Three parts, each checked where it can be computed:

- the encoder (:func:`encoder_fingerprint`): the frozen encoder's weights by
  content and its settings, computed from the built model;
- the settings (pipelines, views, seed, clips, labels): compared key by key
  with :func:`check_fingerprint`;
- each clip's content (:func:`clip_content`): cheap enough to check every time
  training starts: the video file's size, its modification and change times and
  inode (a ``stat``), and a hash of its whole content, read only when the
  ``stat`` differs (a copied dataset, a replaced file whatever its size and
  preserved time: the change time cannot be set back); the face-crop folder's
  listing or the face-box file's hash.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Any, List, Optional

import torch.nn as nn

from .face_box_cache import box_file, video_key

# Encoder settings (the backbone's and the CLIP's) left out of the fingerprint: the weights
# (and the seed of random ones) count by their content instead (a moved file is the same
# encoder; another file or random draw is not); the others do not change the features.
NOT_FEATURE_KEYS = ('weights', 'seed', 'save_weights', 'init_cfg')


def jsonable(obj: Any) -> Any:
    """``obj`` as it reads back from JSON (tuples as lists, configs as dicts)."""
    return json.loads(json.dumps(obj, default=str))


def encoder_fingerprint(model: nn.Module, model_cfg: dict,
                        record: Optional[dict] = None) -> dict:
    """What the cached features depend on in the model.

    Args:
        model (nn.Module): The built ``OUSRecognizer`` (weights loaded).
        model_cfg (dict): Its config (the CLIP's and the backbone's settings).
        record (dict, optional): A cache's record of its encoder (``meta.json``'s
            ``encoder``), for a model without its image encoder
            (``CachedFeatureEncoder``): the encoder's settings are then the
            record's but for the CLIP's (``model.clip``: its text tower is built
            from them), and its weights the fingerprint of a checkpoint loaded
            into the model, else the record's.

    Returns:
        dict: ``weights`` (the backbone's ``frozen_fingerprint``: computed once
        per model, as checkpoints record it), ``text_weights`` (the prompt
        learner's: the text tower of the same CLIP, which a model without its
        image encoder is checked by), ``backbone`` (the CLIP's settings,
        ``model.clip``, and the backbone's config in one dict, as caches have
        always recorded them; less ``NOT_FEATURE_KEYS``), ``num_frames``,
        ``scene_stride`` and ``streams``.
    """
    prompt_learner = getattr(getattr(model, 'cls_head', None), 'prompt_learner', None)
    if record is None:
        settings = {**model_cfg.get('clip', {}), **model_cfg['backbone']}
        weights = model.backbone.frozen_fingerprint
    else:
        settings = {**record['backbone'], **model_cfg.get('clip', {})}
        weights = model.backbone.frozen_fingerprint or record['weights']
    backbone = {k: v for k, v in settings.items() if k not in NOT_FEATURE_KEYS}
    return jsonable(dict(
        weights=weights,
        text_weights=prompt_learner.frozen_fingerprint if prompt_learner is not None else None,
        backbone=backbone, num_frames=model.num_frames, scene_stride=model.scene_stride,
        streams=list(model.streams)))


def feature_shapes(model: nn.Module) -> dict:
    """The shape of one view's features: ``face`` ``T x C``, ``scene`` ``T/s x C``, ``early``
    ``T/s x E`` (the streams the model has), and ``frames`` ``T`` (the sampled frame indices)."""
    t, s = model.num_frames, model.scene_stride
    channels, early = model.backbone.out_channels, model.backbone.early_channels
    shapes = dict(face=[t, channels]) if 'face' in model.streams else {}
    if 'scene' in model.streams:
        shapes.update(scene=[t // s, channels], early=[t // s, early])
    return dict(shapes, frames=[t])


def clip_key(info: dict) -> str:
    """A clip's key: its path under the dataset's video folder, without extension."""
    return video_key(info.get('filename') or info['frame_dir'], info['video_root'])


def _content_hash(path: str) -> str:
    """A hash of the whole file."""
    with open(path, 'rb') as f:
        return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _stat(path: str) -> List[int]:
    """What changes whenever the file's content may have: size, modification and change times,
    inode. ``cp -p``, ``rsync -t`` and archives restore the modification time, but a write or a
    new file always sets the change time (``ctime``), which no user can set back."""
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _listing(folder: str) -> str:
    """A hash of a folder's sorted file names."""
    names = sorted(os.listdir(folder)) if osp.isdir(folder) else None
    return hashlib.blake2b(json.dumps(names).encode(), digest_size=8).hexdigest()


def _file_hash(path: str) -> Optional[str]:
    if not osp.isfile(path):
        return None
    with open(path, 'rb') as f:
        return hashlib.blake2b(f.read(), digest_size=8).hexdigest()


def _faces(info: dict) -> list:
    """What the face stream is read from: the release's crop folder, else the face-box file."""
    if info.get('face_crop_dir'):
        return ['crops', _listing(info['face_crop_dir'])]
    return ['boxes', _file_hash(box_file(info['face_box_root'], clip_key(info)))]


def clip_content(info: dict) -> dict:
    """The content fingerprint of one clip (a data info of ous-mm's datasets).

    Returns:
        dict: ``video``: ``[size, mtime_ns, ctime_ns, inode, content hash]``
        of the video file (or ``['frames', listing hash]`` of a frame folder);
        ``faces``: the crop folder's listing hash or the face-box file's content
        hash (``None``: no box file, the faces are detected online).
    """
    if info.get('filename'):
        video = [*_stat(info['filename']), _content_hash(info['filename'])]
    else:
        video = ['frames', _listing(info['frame_dir'])]
    return dict(video=video, faces=_faces(info))


def stat_is_current(cached: dict, info: dict) -> bool:
    """Whether a clip's video still has the ``stat`` recorded in ``cached`` (a frame folder:
    always), so that :func:`content_change` reads nothing of it."""
    return not info.get('filename') or (osp.isfile(info['filename'])
                                        and _stat(info['filename']) == cached['video'][:4])


def content_change(cached: dict, info: dict) -> Optional[str]:
    """How a clip changed since ``cached`` (:func:`clip_content`) was taken; ``None``: unchanged.

    A video whose ``stat`` (size, times, inode) is unchanged is not read; any
    other of the same size is read whole and compared by content (a copied
    dataset is unchanged; a replaced clip is found, whatever its time stamps).
    """
    path = info.get('filename') or info['frame_dir']
    if info.get('filename'):
        if not osp.isfile(path):
            return f'{path} is missing'
        stat, (size, *_, digest) = _stat(path), cached['video']
        if stat[0] != size:
            return f'{path} has {stat[0]} bytes, {size} when cached'
        if stat != cached['video'][:4] and _content_hash(path) != digest:
            return f'{path} has other content (same size, replaced or modified since)'
    elif ['frames', _listing(path)] != cached['video']:
        return f'the frames listed in {path} differ'
    faces = _faces(info)
    if faces != cached['faces']:
        where = info.get('face_crop_dir') or box_file(info['face_box_root'], clip_key(info))
        what = ('the file names in the face-crop folder' if faces[0] == 'crops' else
                'the face-box file' if cached['faces'][1] and faces[1] else
                'whether a face-box file exists')
        return f'{what} {where} changed'
    return None


def _differences(name: str, cached: Any, live: Any, where: str) -> List[str]:
    """Where ``cached`` and ``live`` differ: differing keys, the first differing entry."""
    if cached == live:
        return []
    # configs of one type: the keys that differ; of another type: the whole config
    if isinstance(cached, dict) and isinstance(live, dict) and (
            cached.get('type') == live.get('type')):
        return [d for key in sorted(set(cached) | set(live))
                for d in _differences(f'{name}.{key}', cached.get(key), live.get(key), where)]
    if isinstance(cached, list) and isinstance(live, list):
        counts = ([f'{name}: {len(cached)} entries in the cache, {len(live)} {where}']
                  if len(cached) != len(live) else [])
        first = next((i for i, (a, b) in enumerate(zip(cached, live)) if a != b), None)
        return counts + ([] if first is None else _differences(
            f'{name}[{first}]', cached[first], live[first], where))
    return [f'{name}: {cached!r} in the cache, {live!r} {where}']


def fingerprint_differences(cached: dict, live: dict, where: str) -> List[str]:
    """Every difference between ``cached`` and ``live`` on the keys of ``live``.

    Args:
        cached (dict): The cache's ``meta.json`` (or parts of it).
        live (dict): Parts of the fingerprint computed now.
        where (str): What ``live`` comes from (e.g. ``'in this config'``).

    Returns:
        list[str]: One line per difference.
    """
    return [d for key, value in jsonable(live).items()
            for d in _differences(key, cached.get(key), value, where)]
