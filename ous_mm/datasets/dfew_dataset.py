"""DFEW as released: whole-scene clips and the official 5-fold split files."""
import csv
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

# DFEW's label order (1 Happy ... 7 Fear); ous-mm uses it for every dataset.
DFEW_CLASSES = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear')
SPLIT_DIRS = {
    'train': ('train(single-labeled)', 'train(single_labeled)'),
    'test': ('test(single-labeled)', 'test(single_labeled)'),
}


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


@DATASETS.register_module()
class DFEWDataset(BaseActionDataset):
    """DFEW (Jiang et al., ACM MM 2020) read from its release folder.

    Layout (the release; also used by e.g. MAE-DFER's ``preprocess/dfew.py``)::

        data_root/
          Clip/original/00001.mp4 ...          whole-scene clips (both streams)
          EmoLabel_DataSplit/
            train(single-labeled)/set_1.csv ... set_5.csv
            test(single-labeled)/set_1.csv ... set_5.csv

    Split files: header ``video_name,label``; ``video_name`` an integer
    (zero-padded to 5 digits on disk), ``label`` 1 Happy, 2 Sad, 3 Neutral,
    4 Angry, 5 Surprise, 6 Disgust, 7 Fear (stored here as 0..6). The folder
    spelling ``single_labeled`` is accepted too.

    ``subset='train'`` and ``'val'`` split the fold's TRAINING file into a
    training part and a seeded, class-stratified validation part
    (``val_fraction``), so the schedule and checkpoint choice never see the
    test split; ``subset='test'`` reads the fold's test file.

    Args:
        data_root (str): The DFEW release folder.
        pipeline (list): Data transforms.
        fold (int): Official fold, 1-5. Defaults to 1.
        subset (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to ``'train'``.
        val_fraction (float): Share of the training file held out for
            validation. Defaults to 0.1.
        val_seed (int): Seed of the hold-out. Defaults to 0.
        video_dir (str): Clip folder under ``data_root``. Defaults to
            ``'Clip/original'``.
        video_ext (str): Clip extension. Defaults to ``'.mp4'``.
        face_box_dir (str): Face-box cache folder under ``data_root``, given
            to ``LoadFaceBoxes`` through each sample. Defaults to ``'face_boxes'``.
        missing_video (str): ``'error'`` (default) or ``'skip'``: a split line
            whose clip is absent raises an error naming file and line, or is
            skipped, counted and logged.
        **kwargs: ``BaseActionDataset`` arguments (``test_mode`` ...).
    """

    METAINFO = dict(classes=DFEW_CLASSES)

    def __init__(self,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 fold: int = 1,
                 subset: str = 'train',
                 val_fraction: float = 0.1,
                 val_seed: int = 0,
                 video_dir: str = 'Clip/original',
                 video_ext: str = '.mp4',
                 face_box_dir: str = 'face_boxes',
                 missing_video: str = 'error',
                 **kwargs) -> None:
        if fold not in range(1, 6):
            raise ValueError(f'DFEW has folds 1-5, got fold={fold}')
        if subset not in ('train', 'val', 'test'):
            raise ValueError(f"subset must be 'train', 'val' or 'test', got {subset!r}")
        if missing_video not in ('error', 'skip'):
            raise ValueError(f"missing_video must be 'error' or 'skip', got {missing_video!r}")
        self.fold, self.subset = fold, subset
        self.val_fraction, self.val_seed = val_fraction, val_seed
        self.video_dir, self.video_ext = video_dir, video_ext
        self.face_box_root = osp.abspath(osp.join(data_root, face_box_dir))
        self.missing_video = missing_video
        self.num_skipped = 0
        split = 'test' if subset == 'test' else 'train'
        ann_file = self.split_file(data_root, split, fold)
        # absolute paths: BaseDataset would join relative ones with data_root once more
        super().__init__(osp.abspath(ann_file), pipeline=pipeline, data_root=data_root,
                         data_prefix=dict(video=osp.abspath(osp.join(data_root, video_dir))),
                         **kwargs)

    @staticmethod
    def split_file(data_root: str, split: str, fold: int) -> str:
        """The release's split CSV of ``split`` ('train'/'test') and ``fold``."""
        for folder in SPLIT_DIRS[split]:
            path = osp.join(data_root, 'EmoLabel_DataSplit', folder, f'set_{fold}.csv')
            if osp.isfile(path):
                return path
        raise FileNotFoundError(
            f'DFEW split file not found: {osp.join(data_root, "EmoLabel_DataSplit", SPLIT_DIRS[split][0], f"set_{fold}.csv")} '
            f'(data_root={data_root!r}; expected the release layout, see DFEWDataset)')

    def read_split(self) -> List[dict]:
        """Parse the split CSV; every bad line raises an error naming file and line."""
        data_list = []
        with open(self.ann_file, newline='') as f:
            rows = list(csv.reader(f))
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ['video_name', 'label']:
            raise ValueError(f'{self.ann_file}:1: expected the header "video_name,label", '
                             f'got {rows[0] if rows else "an empty file"}')
        for lineno, row in enumerate(rows[1:], start=2):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            try:
                name, label = int(cells[0]), int(cells[1])
            except (ValueError, IndexError):
                raise ValueError(f'{self.ann_file}:{lineno}: expected "<video number>,'
                                 f'<label 1-7>", got {",".join(row)!r}') from None
            if not 1 <= label <= len(DFEW_CLASSES):
                raise ValueError(f'{self.ann_file}:{lineno}: label {label} is outside 1-7 '
                                 f'({", ".join(DFEW_CLASSES)})')
            filename = osp.join(self.data_prefix['video'], f'{name:05d}{self.video_ext}')
            if not osp.isfile(filename):
                if self.missing_video == 'error':
                    raise FileNotFoundError(f'{self.ann_file}:{lineno}: clip {filename} is '
                                            "missing (set missing_video='skip' to skip such lines)")
                self.num_skipped += 1
                continue
            data_list.append(dict(filename=filename, label=label - 1,
                                  video_root=self.data_prefix['video'],
                                  face_box_root=self.face_box_root))
        return data_list

    def load_data_list(self) -> List[dict]:
        data_list = self.read_split()
        if self.num_skipped:
            MMLogger.get_current_instance().warning(
                f'DFEW fold {self.fold}: skipped {self.num_skipped} lines of '
                f'{self.ann_file} whose clip is missing')
        if self.subset == 'test':
            return data_list
        held = set(stratified_holdout([d['label'] for d in data_list], self.val_fraction,
                                      self.val_seed).tolist())
        keep_val = self.subset == 'val'
        return [d for i, d in enumerate(data_list) if (i in held) == keep_val]
