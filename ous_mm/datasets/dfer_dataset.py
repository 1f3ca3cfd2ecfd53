"""What the DFER datasets share: clips or frame folders, hold-out validation, skips."""
import os.path as osp
from abc import abstractmethod
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmengine.logging import MMLogger

from .frame_folders import count_frames

# DFEW's label order (1 Happy ... 7 Fear).
DFEW_CLASSES = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear')
# ous-mm's one class order: DFEW's seven, then MAFW's four other classes. Every dataset's
# classes are its first N (DFEW, FERV39k: 7; MAFW: 11), so a label means the same emotion in
# every dataset, config and result, and DFEW-trained models stay as they are.
DFER_CLASSES = DFEW_CLASSES + ('Contempt', 'Anxiety', 'Helplessness', 'Disappointment')
# The polarity of each class of that order (0 positive, 1 neutral, 2 negative): the paper names no
# mapping. PolarityHead's default, and the scene looks of the demo data's classes; a dataset with
# fewer classes (DFEW, FERV39k: the first 7) uses the first entries.
# Happy, Surprise -> positive; Neutral -> neutral; Sad, Angry, Disgust, Fear -> negative.
# MAFW's four others, each an unpleasant emotion -> negative (compound counts: MAFW's compound
# set, its 8,996 clips):
#   Contempt: disapproval of another, felt as superiority; a hostility emotion with anger and
#     disgust (its compound labels pair it with them in 226 clips, with happiness in 52).
#   Anxiety: apprehension of a threat not yet come; fear's family.
#   Helplessness: no control over a bad outcome; sadness's family (paired with sadness in 640
#     compound clips).
#   Disappointment: an expected good that did not come; sadness's family (its compound labels
#     pair it only with sadness, helplessness, anxiety or disgust).
DFER_POLARITY = (0, 2, 1, 2, 0, 2, 2, 2, 2, 2, 2)


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


def read_split_file(path: str) -> str:
    """The text of a split file: UTF-8, with or without a byte-order mark.

    Raises:
        ValueError: The file is not UTF-8 text (naming the file and the line
            of the first undecodable byte) or is empty.
    """
    with open(path, 'rb') as f:
        data = f.read()
    try:
        # utf-8-sig: spreadsheet programs save CSV files with a BOM
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b'\n') + 1
        raise ValueError(f'{path}:{line}: not UTF-8 text (byte {data[err.start]:#04x} at '
                         f'offset {err.start}); save the split file as UTF-8') from None
    if not text.strip():
        raise ValueError(f'{path}: the split file is empty; use the release\'s split file')
    return text


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
            ``'Clip/clip_224x224'``, FERV39k ``'2_ClipsforFaceCrop'``: the paper
            configs' face stream, read by ``LoadReleasedFaceCrops``); a clip
            without its crop folder is handled like a missing clip. The scene
            stream always comes from ``video_dir``. ``None``: no crops.
        missing_video (str): ``'error'``: a split line whose clip (or its
            face crops) is absent raises an error naming file and line; ``'skip'``: it is skipped,
            counted (``num_skipped``) and logged. Defaults to ``'error'``.
        allow_test_overlap (bool): For ``'train'``/``'val'``: whether the
            training list may list clips that the release's test split file
            of the same fold (:meth:`test_split_file`) lists too. Such a list
            is an error by default: training or validating on test clips
            makes the test numbers meaningless. Defaults to False.
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
                 allow_test_overlap: bool = False,
                 **kwargs) -> None:
        for name, value, allowed in (('subset', subset, ('train', 'val', 'test')),
                                     ('media', media, ('video', 'frames')),
                                     ('missing_video', missing_video, ('error', 'skip'))):
            if value not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got {value!r}')
        self.subset, self.val_fraction, self.val_seed = subset, val_fraction, val_seed
        self.media, self.video_ext, self.frame_tmpl = media, video_ext, frame_tmpl
        self.missing_video = missing_video
        self.allow_test_overlap = allow_test_overlap
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
    def read_split(self, path: Optional[str] = None) -> List[Tuple[str, int, str]]:
        """``(clip path under video_dir without extension, label, 'file:line')`` per line.

        Args:
            path (str, optional): The split file. Defaults to ``self.ann_file``.
        """

    def test_split_file(self) -> Optional[str]:
        """The release's test split file that a training list must not overlap, if any."""
        return None

    def check_test_overlap(self, rows: List[Tuple[str, int, str]]) -> None:
        """An error when the training list shares clips with the test split file."""
        test_file = self.test_split_file()
        if (self.subset == 'test' or self.allow_test_overlap or test_file is None
                or not osp.isfile(test_file) or osp.abspath(test_file) == self.ann_file):
            return
        test = {clip for clip, _, _ in self.read_split(test_file)}
        shared = [f'line {where.rsplit(":", 1)[1]} ({clip})' for clip, _, where in rows
                  if clip in test]
        if shared:
            raise ValueError(
                f'{self.ann_file}: {len(shared)} of its {len(rows)} clips are in the test split '
                f'{test_file} too ({", ".join(shared[:3])}{", ..." * (len(shared) > 3)}); '
                'training or validating on test clips makes the test numbers meaningless. Use '
                'the training and test files of one fold of the release (or set '
                'allow_test_overlap=True if this is meant).')

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
            if self.face_crop_root:
                info['face_crop_dir'] = osp.join(self.face_crop_root, clip)
                if not osp.isdir(info['face_crop_dir']):
                    raise FileNotFoundError(f'face crops {info["face_crop_dir"]} are missing')
        except FileNotFoundError as err:
            if self.missing_video == 'error':
                raise FileNotFoundError(
                    f"{where}: {err} (set missing_video='skip' to skip such lines)") from None
            self.num_skipped += 1
            return None
        except ValueError as err:
            raise ValueError(f'{where}: {err}') from None
        return info

    def check_rows(self, rows: List[Tuple[str, int, str]]) -> None:
        """An error naming the file when it lists no clip, or one clip twice.

        A repeated clip would be counted twice in the test split, could carry
        two labels, and in a training list could land in both the training
        part and the held-out validation part.
        """
        if not rows:
            raise ValueError(f'{self.ann_file}: the split file lists no clips (a header '
                             'only?); use the release\'s split file')
        classes = self.metainfo['classes']
        first = {}
        for clip, label, where in rows:
            if clip not in first:
                first[clip] = (label, where)
                continue
            label0, where0 = first[clip]
            what = ('twice' if label == label0 else
                    f'twice with different labels ({classes[label0]}, then {classes[label]})')
            raise ValueError(f'{where0} and {where}: clip {clip!r} is listed {what}; each clip '
                             'must appear once in a split file: remove the repeated line')

    def load_data_list(self) -> List[dict]:
        rows = self.read_split()
        self.check_rows(rows)
        self.check_test_overlap(rows)
        data_list = [info for info in (self.clip_info(*row) for row in rows) if info is not None]
        if not data_list:
            raise FileNotFoundError(
                f'{self.ann_file}: none of the {len(rows)} clips it lists exists under '
                f'{self.data_prefix["video"]} (all skipped); check data_root and video_dir')
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
