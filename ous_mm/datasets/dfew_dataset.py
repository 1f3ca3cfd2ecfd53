"""DFEW as released: whole-scene clips and the official 5-fold split files."""
import csv
import io
import os.path as osp
import re
from typing import Callable, List, Optional, Tuple, Union

from mmaction.registry import DATASETS

from .dfer_dataset import DFEW_CLASSES, DFERDataset, read_split_file

SPLIT_DIRS = {
    'train': ('train(single-labeled)', 'train(single_labeled)'),
    'test': ('test(single-labeled)', 'test(single_labeled)'),
}


@DATASETS.register_module()
class DFEWDataset(DFERDataset):
    """DFEW (Jiang et al., ACM MM 2020) read from its release folder.

    Layout (the release; also read this way by e.g. MAE-DFER's ``preprocess/dfew.py``)::

        data_root/
          Clip/original/00001.mp4 ...          whole-scene clips (both streams)
          EmoLabel_DataSplit/
            train(single-labeled)/set_1.csv ... set_5.csv
            test(single-labeled)/set_1.csv ... set_5.csv

    Split files: UTF-8 (a byte-order mark is accepted), header
    ``video_name,label``; ``video_name`` an integer in ASCII digits
    (zero-padded to 5 digits on disk), ``label`` 1 Happy, 2 Sad, 3 Neutral,
    4 Angry, 5 Surprise, 6 Disgust, 7 Fear (stored here as 0..6); each clip
    once; no other column (empty trailing cells are ignored); a training
    list shares no clip with the fold's test list. Anything else is an error
    naming file and line. The folder
    spelling ``single_labeled`` is accepted too. Frames extracted from the
    clips can replace them (``media='frames'``, ``video_dir`` the folder of
    ``NNNNN/`` frame folders).

    Args:
        data_root (str): The DFEW release folder.
        pipeline (list): Data transforms.
        fold (int): Official fold, 1-5. Defaults to 1.
        subset (str): ``'train'``, ``'val'`` (held out of the fold's training
            file) or ``'test'``. Defaults to ``'train'``.
        video_dir (str): Clip folder under ``data_root``. Defaults to
            ``'Clip/original'``.
        **kwargs: ``DFERDataset`` arguments (``val_fraction``, ``media``,
            ``missing_video`` ...).
    """

    def __init__(self,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 fold: int = 1,
                 subset: str = 'train',
                 video_dir: str = 'Clip/original',
                 **kwargs) -> None:
        if fold not in range(1, 6):
            raise ValueError(f'DFEW has folds 1-5, got fold={fold}')
        self.fold = fold
        ann_file = self.split_file(data_root, 'test' if subset == 'test' else 'train', fold)
        super().__init__(ann_file, data_root, pipeline, subset, video_dir, **kwargs)

    @staticmethod
    def split_file(data_root: str, split: str, fold: int) -> str:
        """The release's split CSV of ``split`` ('train'/'test') and ``fold``."""
        for folder in SPLIT_DIRS[split]:
            path = osp.join(data_root, 'EmoLabel_DataSplit', folder, f'set_{fold}.csv')
            if osp.isfile(path):
                return path
        expected = osp.join(data_root, 'EmoLabel_DataSplit', SPLIT_DIRS[split][0],
                            f'set_{fold}.csv')
        raise FileNotFoundError(f'DFEW split file not found: {expected} (expected the release '
                                'layout, see DFEWDataset)')

    def test_split_file(self) -> Optional[str]:
        """The test split file of this fold (``None`` if the release folder lacks it)."""
        try:
            return self.split_file(self.data_root, 'test', self.fold)
        except FileNotFoundError:
            return None

    def read_split(self, path: Optional[str] = None) -> List[Tuple[str, int, str]]:
        path = path or self.ann_file
        rows = list(csv.reader(io.StringIO(read_split_file(path), newline='')))
        # trailing empty cells (a spreadsheet's "1,3,") are harmless; any other column is not
        # DFEW's and could mean the columns are not the ones read
        if (not rows or [c.strip().lower() for c in rows[0][:2]] != ['video_name', 'label']
                or any(c.strip() for c in rows[0][2:])):
            raise ValueError(f'{path}:1: expected the header "video_name,label", '
                             f'got {rows[0] if rows else "an empty file"}')
        out = []
        for lineno, row in enumerate(rows[1:], start=2):
            where = f'{path}:{lineno}'
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            # ASCII digits only: int() also reads '0_1' and full-width digits, other clips
            if (len(cells) < 2 or not all(re.fullmatch('[0-9]+', c) for c in cells[:2])
                    or any(cells[2:])):
                raise ValueError(f'{where}: expected "<video number>,<label 1-7>" (two columns) '
                                 f'in ASCII digits, as in the release, got {",".join(row)!r}')
            name, label = int(cells[0]), int(cells[1])
            if not 1 <= label <= len(DFEW_CLASSES):
                raise ValueError(f'{where}: label {label} is outside 1-7 '
                                 f'({", ".join(DFEW_CLASSES)})')
            out.append((f'{name:05d}', label - 1, where))
        return out
