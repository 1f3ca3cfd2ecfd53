"""What the DFER datasets share: clips or frame folders, hold-out validation, skips."""
import os.path as osp
from abc import abstractmethod
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmengine.logging import MMLogger

from .frame_folders import count_frames

# DFEW's label order (1 Happy ... 7 Fear); ous-mm uses it for every dataset.
DFEW_CLASSES = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear')


def stratified_holdout(labels: Sequence[int], fraction: float, seed: int) -> np.ndarray:
    """Indices of a seeded, class-stratified hold-out of ``fraction`` of the samples.

    Every class with at least two samples gives ``round(fraction * n)`` of
    them (at least one), so rare classes (DFEW's Disgust) are validated too.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        if len(idx) < 2 or fraction <= 0:
            continue
        k = min(max(1, int(round(fraction * len(idx)))), len(idx) - 1)
        held.extend(rng.permutation(idx)[:k].tolist())
    return np.sort(np.asarray(held, dtype=int))


class DFERDataset(BaseActionDataset):
    """Base of the released DFER datasets: subclasses parse their split files.

    Each clip is a video file (``media='video'``, decoded with decord) or a
    folder of extracted frames (``media='frames'``, read by
    ``RawFrameDecode``; frames named ``frame_tmpl`` from ``start_index``, a gap
    in the numbering is an error naming the missing file). Every data info
    carries ``video_root`` and ``face_box_root`` for ``LoadFaceBoxes``.

    ``subset='train'``/``'val'`` split the training list into a training part
    and a seeded, class-stratified validation part (``val_fraction``), so the
    schedule and the checkpoint choice never see the test split.

    Args:
        ann_file (str): The split file.
        data_root (str): The release folder.
        pipeline (list): Data transforms.
        subset (str): ``'train'``, ``'val'`` or ``'test'``.
        video_dir (str): Clip folder under ``data_root``.
        val_fraction (float): Share of the training list held out. Defaults to 0.1.
        val_seed (int): Seed of the hold-out. Defaults to 0.
        media (str): ``'video'`` or ``'frames'``. Defaults to ``'video'``.
        video_ext (str): Clip extension for videos. Defaults to ``'.mp4'``.
        frame_tmpl (str): Frame file names for frame folders. Defaults to
            ``'{:05d}.jpg'`` (ffmpeg's ``%05d.jpg``).
        face_box_dir (str): Face-box cache folder. Defaults to ``'face_boxes'``.
        face_crop_dir (str, optional): The release's face-crop folder (DFEW
            ``'Clip/clip_224x224'``, FERV39k ``'2_ClipsforFaceCrop'``), given to
            ``LoadReleasedFaceCrops`` for an optional face stream from the
            released crops; the scene stream always comes from ``video_dir``.
        missing_video (str): ``'error'``: a split line whose clip is absent
            raises an error naming file and line; ``'skip'``: it is skipped,
            counted (``num_skipped``) and logged. Defaults to ``'error'``.
        **kwargs: ``BaseActionDataset`` arguments (``test_mode``,
            ``start_index`` (1 by default for frame folders) ...).
    """

    METAINFO = dict(classes=DFEW_CLASSES)

    def __init__(self,
                 ann_file: str,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 subset: str,
                 video_dir: str,
                 val_fraction: float = 0.1,
                 val_seed: int = 0,
                 media: str = 'video',
                 video_ext: str = '.mp4',
                 frame_tmpl: str = '{:05d}.jpg',
                 face_box_dir: str = 'face_boxes',
                 face_crop_dir: Optional[str] = None,
                 missing_video: str = 'error',
                 **kwargs) -> None:
        for name, value, allowed in (('subset', subset, ('train', 'val', 'test')),
                                     ('media', media, ('video', 'frames')),
                                     ('missing_video', missing_video, ('error', 'skip'))):
            if value not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got {value!r}')
        self.subset, self.val_fraction, self.val_seed = subset, val_fraction, val_seed
        self.media, self.video_ext, self.frame_tmpl = media, video_ext, frame_tmpl
        self.missing_video = missing_video
        self.face_box_root = osp.abspath(osp.join(data_root, face_box_dir))
        self.face_crop_root = (osp.abspath(osp.join(data_root, face_crop_dir))
                               if face_crop_dir else None)
        self.num_skipped = 0
        if media == 'frames':
            kwargs.setdefault('start_index', 1)
        # absolute paths: BaseDataset would join relative ones with data_root once more
        super().__init__(osp.abspath(ann_file), pipeline=pipeline, data_root=data_root,
                         data_prefix=dict(video=osp.abspath(osp.join(data_root, video_dir))),
                         **kwargs)

    @abstractmethod
    def read_split(self) -> List[Tuple[str, int, str]]:
        """``(clip path under video_dir without extension, label, 'file:line')`` per line."""

    def clip_info(self, clip: str, label: int, where: str) -> Optional[dict]:
        """The data info of one clip; ``None`` when it is missing and skipped."""
        root = self.data_prefix['video']
        info = dict(label=label, video_root=root, face_box_root=self.face_box_root)
        path = osp.join(root, clip)
        try:
            if self.media == 'video':
                info['filename'] = path + self.video_ext
                if not osp.isfile(info['filename']):
                    raise FileNotFoundError(f'clip {info["filename"]} is missing')
            else:
                info.update(frame_dir=path, filename_tmpl=self.frame_tmpl,
                            total_frames=count_frames(path, self.frame_tmpl, self.start_index))
        except FileNotFoundError as err:
            if self.missing_video == 'error':
                raise FileNotFoundError(
                    f"{where}: {err} (set missing_video='skip' to skip such lines)") from None
            self.num_skipped += 1
            return None
        except ValueError as err:
            raise ValueError(f'{where}: {err}') from None
        if self.face_crop_root:
            info['face_crop_dir'] = osp.join(self.face_crop_root, clip)
        return info

    def load_data_list(self) -> List[dict]:
        data_list = [info for info in (self.clip_info(*row) for row in self.read_split())
                     if info is not None]
        if self.num_skipped:
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: skipped {self.num_skipped} lines of {self.ann_file} '
                'whose clip is missing')
        if self.subset == 'test':
            return data_list
        held = set(stratified_holdout([d['label'] for d in data_list], self.val_fraction,
                                      self.val_seed).tolist())
        keep_val = self.subset == 'val'
        return [d for i, d in enumerate(data_list) if (i in held) == keep_val]
