"""FERV39k as released: original clips and the All_scenes split lists."""
import os.path as osp
from typing import Callable, List, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from .dfew_dataset import DFEW_CLASSES, stratified_holdout


@DATASETS.register_module()
class FERV39kDataset(BaseActionDataset):
    """FERV39k (Wang et al., CVPR 2022) read from its release folder.

    Layout (the release; the split format as read by e.g. MAE-DFER's
    ``preprocess/ferv39k.py``)::

        data_root/
          0_7_LabelClips/<Scene>/<Emotion>/<id>.mp4   original clips (both streams)
          4_setups/All_scenes/train_All.csv, test_All.csv

    Split lines: ``<Scene>/<Emotion>/<id> <Label>`` (space separated, no
    header), the label a word. Labels are mapped onto DFEW's class order
    (Happy, Sad, Neutral, Angry, Surprise, Disgust, Fear), the one order
    ous-mm uses for every dataset. ``subset='val'`` is a seeded,
    class-stratified hold-out of the training list.

    Args:
        data_root (str): The FERV39k release folder.
        pipeline (list): Data transforms.
        subset (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to ``'train'``.
        val_fraction (float): Share of the training list held out. Defaults to 0.1.
        val_seed (int): Seed of the hold-out. Defaults to 0.
        video_dir (str): Clip folder. Defaults to ``'0_7_LabelClips'``.
        split_dir (str): Split folder. Defaults to ``'4_setups/All_scenes'``.
        video_ext (str): Clip extension. Defaults to ``'.mp4'``.
        face_box_dir (str): Face-box cache folder. Defaults to ``'face_boxes'``.
        missing_video (str): ``'error'`` or ``'skip'`` (counted, logged).
        **kwargs: ``BaseActionDataset`` arguments.
    """

    METAINFO = dict(classes=DFEW_CLASSES)

    def __init__(self,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 subset: str = 'train',
                 val_fraction: float = 0.1,
                 val_seed: int = 0,
                 video_dir: str = '0_7_LabelClips',
                 split_dir: str = '4_setups/All_scenes',
                 video_ext: str = '.mp4',
                 face_box_dir: str = 'face_boxes',
                 missing_video: str = 'error',
                 **kwargs) -> None:
        if subset not in ('train', 'val', 'test'):
            raise ValueError(f"subset must be 'train', 'val' or 'test', got {subset!r}")
        if missing_video not in ('error', 'skip'):
            raise ValueError(f"missing_video must be 'error' or 'skip', got {missing_video!r}")
        self.subset, self.val_fraction, self.val_seed = subset, val_fraction, val_seed
        self.video_ext, self.missing_video = video_ext, missing_video
        self.face_box_root = osp.abspath(osp.join(data_root, face_box_dir))
        self.num_skipped = 0
        ann_file = osp.join(data_root, split_dir,
                            'test_All.csv' if subset == 'test' else 'train_All.csv')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'FERV39k split file not found: {ann_file} (expected the '
                                    'release layout, see FERV39kDataset)')
        super().__init__(osp.abspath(ann_file), pipeline=pipeline, data_root=data_root,
                         data_prefix=dict(video=osp.abspath(osp.join(data_root, video_dir))),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        words = {c.lower(): i for i, c in enumerate(DFEW_CLASSES)}
        data_list = []
        with open(self.ann_file) as f:
            lines = f.readlines()
        for lineno, line in enumerate(lines, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1].lower() not in words:
                raise ValueError(f'{self.ann_file}:{lineno}: expected "<Scene>/<Emotion>/<id> '
                                 f'<label>" with a label in {DFEW_CLASSES}, got {line.strip()!r}')
            filename = osp.join(self.data_prefix['video'], parts[0] + self.video_ext)
            if not osp.isfile(filename):
                if self.missing_video == 'error':
                    raise FileNotFoundError(f'{self.ann_file}:{lineno}: clip {filename} is '
                                            "missing (set missing_video='skip' to skip such lines)")
                self.num_skipped += 1
                continue
            data_list.append(dict(filename=filename, label=words[parts[1].lower()],
                                  video_root=self.data_prefix['video'],
                                  face_box_root=self.face_box_root))
        if self.num_skipped:
            MMLogger.get_current_instance().warning(
                f'FERV39k: skipped {self.num_skipped} lines of {self.ann_file} whose clip is missing')
        if self.subset == 'test':
            return data_list
        held = set(stratified_holdout([d['label'] for d in data_list], self.val_fraction,
                                      self.val_seed).tolist())
        keep_val = self.subset == 'val'
        return [d for i, d in enumerate(data_list) if (i in held) == keep_val]
