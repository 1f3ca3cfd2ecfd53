"""FERV39k as released: original clips and the All_scenes split lists."""
import os.path as osp
import re
from typing import Callable, List, Optional, Tuple, Union

from mmaction.registry import DATASETS

from .dfer_dataset import DFEW_CLASSES, DFERDataset, read_split_file

# <Scene>/<Emotion>/<id>: three plain names (no '..', no absolute or Windows paths)
CLIP_PATH = re.compile(r'[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*){2}')


@DATASETS.register_module()
class FERV39kDataset(DFERDataset):
    """FERV39k (Wang et al., CVPR 2022) read from its release folder.

    Layout (the release; the split format as read by e.g. MAE-DFER's
    ``preprocess/ferv39k.py``)::

        data_root/
          0_7_LabelClips/<Scene>/<Emotion>/<id>.mp4   original clips (both streams)
          4_setups/All_scenes/train_All.csv, test_All.csv

    Split lines: ``<Scene>/<Emotion>/<id> <Label>`` (space separated, no
    header, UTF-8 with or without a byte-order mark), the label a word; each
    clip once; no other column; a training list shares no clip with
    ``test_All.csv``. Anything else is an error naming file and line. Labels are
    mapped onto DFEW's class order (Happy, Sad, Neutral, Angry, Surprise,
    Disgust, Fear), the one order ous-mm uses for every dataset.

    Args:
        data_root (str): The FERV39k release folder.
        pipeline (list): Data transforms.
        subset (str): ``'train'``, ``'val'`` (held out of the training list)
            or ``'test'``. Defaults to ``'train'``.
        video_dir (str): Clip folder. Defaults to ``'0_7_LabelClips'``.
        split_dir (str): Split folder. Defaults to ``'4_setups/All_scenes'``.
        **kwargs: ``DFERDataset`` arguments (``val_fraction``, ``media``,
            ``missing_video`` ...).
    """

    def __init__(self,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 subset: str = 'train',
                 video_dir: str = '0_7_LabelClips',
                 split_dir: str = '4_setups/All_scenes',
                 **kwargs) -> None:
        self.split_root = osp.join(data_root, split_dir)
        ann_file = osp.join(self.split_root,
                            'test_All.csv' if subset == 'test' else 'train_All.csv')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'FERV39k split file not found: {ann_file} (expected the '
                                    'release layout, see FERV39kDataset)')
        super().__init__(ann_file, data_root, pipeline, subset, video_dir, **kwargs)

    def test_split_file(self) -> Optional[str]:
        """``test_All.csv`` beside the training list."""
        return osp.join(self.split_root, 'test_All.csv')

    def read_split(self, path: Optional[str] = None) -> List[Tuple[str, int, str]]:
        path = path or self.ann_file
        words = {c.lower(): i for i, c in enumerate(DFEW_CLASSES)}
        out = []
        for lineno, line in enumerate(read_split_file(path).split('\n'), start=1):
            parts = line.split()
            if not parts:
                continue
            if (len(parts) != 2 or parts[1].lower() not in words
                    or not CLIP_PATH.fullmatch(parts[0])):
                raise ValueError(f'{path}:{lineno}: expected "<Scene>/<Emotion>/<id> <label>" '
                                 f'(two columns) with a label in {DFEW_CLASSES}, got '
                                 f'{line.strip()!r}')
            out.append((parts[0], words[parts[1].lower()], f'{path}:{lineno}'))
        return out
