"""MAFW as released: whole-scene clips, aligned face frames and the 5-fold single-label splits."""
import os.path as osp
import re
from typing import Callable, List, Optional, Tuple, Union

from mmaction.registry import DATASETS

from .dfer_dataset import DFER_CLASSES, DFERDataset, read_split_file

# MAFW's label words, in the order of its ``Labels/single_set.xlsx`` (1..11, as MAE-DFER's
# preprocess/mafw.py and the OUS authors' data_prepro_mafw.py number them), mapped onto
# ous-mm's class order (DFER_CLASSES: DFEW's seven, then the four MAFW adds).
MAFW_WORDS = {
    'anger': 'Angry',
    'disgust': 'Disgust',
    'fear': 'Fear',
    'happiness': 'Happy',
    'neutral': 'Neutral',
    'sadness': 'Sad',
    'surprise': 'Surprise',
    'contempt': 'Contempt',
    'anxiety': 'Anxiety',
    'helplessness': 'Helplessness',
    'disappointment': 'Disappointment',
}
# A clip file name as the split files give it: ASCII digits and '.mp4' (e.g. 03747.mp4)
CLIP_NAME = re.compile(r'([0-9]+)\.mp4')


@DATASETS.register_module()
class MAFWDataset(DFERDataset):
    """MAFW (Liu et al., ACM MM 2022), the single-label set, read from its release folder.

    Layout (the release, as the public code that reads it shows: the split
    files as in MSA-LMC/S2D ``data/MAFW/anno/single/no_caption/``, the face
    frames as S2D's ``scripts/ft_mafw.sh`` reads them;
    docs/en/user_guides/prepare_datasets.md, "MAFW")::

        data_root/
          data/clips/00001.mp4 ...                      whole-scene clips (scene stream)
          data/frames/frames_crop_align_224/00001/*.png  aligned face frames (face stream)
          Train & Test Set/single/no_caption/set_1/train.txt, test.txt ... set_5/

    Split lines: ``<NNNNN>.mp4 <label word>``, space separated, CRLF line
    ends in the release (LF and extra spaces or tabs are accepted too), no
    header, UTF-8 (ASCII in the release; a byte-order mark is accepted). The
    label words (``anger`` ... ``disappointment``, any case) are mapped onto
    ous-mm's class order (``DFER_CLASSES``: Happy, Sad, Neutral, Angry,
    Surprise, Disgust, Fear, Contempt, Anxiety, Helplessness, Disappointment).
    Each clip once. Anything else is an error naming file and line: a line
    without exactly two fields, a name that is not ``<digits>.mp4``, an
    unknown or compound label (``anger_disgust``: the compound set), a clip
    listed twice, an undecodable file (the ``with_caption`` split files are
    GBK-encoded), an empty one. Frames extracted from the clips can replace
    them (``media='frames'``, ``video_dir`` the folder of ``NNNNN/`` frame
    folders).

    Args:
        data_root (str): The MAFW release folder.
        pipeline (list): Data transforms.
        fold (int): Official fold, 1-5. Defaults to 1.
        subset (str): ``'train'``, ``'val'`` (held out of the fold's training
            file) or ``'test'``. Defaults to ``'train'``.
        video_dir (str): Clip folder under ``data_root``. Defaults to
            ``'data/clips'``.
        split_dir (str): Folder of ``set_K/{train,test}.txt`` under
            ``data_root``. Defaults to ``'Train & Test Set/single/no_caption'``
            (the release's; MAE-DFER's scripts expect it renamed
            ``split/single/no_caption``: set this to where yours is).
        **kwargs: ``DFERDataset`` arguments (``val_fraction``, ``media``,
            ``face_crop_dir``, ``missing_video`` ...).
    """

    METAINFO = dict(classes=DFER_CLASSES)

    def __init__(self,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]],
                 fold: int = 1,
                 subset: str = 'train',
                 video_dir: str = 'data/clips',
                 split_dir: str = 'Train & Test Set/single/no_caption',
                 **kwargs) -> None:
        if fold not in range(1, 6):
            raise ValueError(f'MAFW has folds 1-5, got fold={fold}')
        self.fold = fold
        ann_file = osp.join(data_root, split_dir, f'set_{fold}',
                            'test.txt' if subset == 'test' else 'train.txt')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'MAFW split file not found: {ann_file} (expected the '
                                    'release layout, see MAFWDataset; set split_dir to the '
                                    'folder holding set_1 ... set_5)')
        self.split_dir = split_dir
        super().__init__(ann_file, data_root, pipeline, subset, video_dir, **kwargs)

    def test_split_file(self) -> Optional[str]:
        """The test split file of this fold."""
        return osp.join(self.data_root, self.split_dir, f'set_{self.fold}', 'test.txt')

    def read_split(self, path: Optional[str] = None) -> List[Tuple[str, int, str]]:
        path = path or self.ann_file
        try:
            text = read_split_file(path)
        except ValueError as err:
            if 'not UTF-8' not in str(err):
                raise
            raise ValueError(f'{err} (MAFW\'s with_caption split files are GBK-encoded, with '
                             'captions: use the single/no_caption files)') from None
        index = {word: DFER_CLASSES.index(name) for word, name in MAFW_WORDS.items()}
        out = []
        # split('\n'), then str.split(): CRLF, extra spaces and tabs all come apart alike
        for lineno, line in enumerate(text.split('\n'), start=1):
            parts = line.split()
            if not parts:
                continue
            where = f'{path}:{lineno}'
            name = CLIP_NAME.fullmatch(parts[0]) if len(parts) == 2 else None
            label = parts[-1].lower()
            if name is None or label not in index:
                hint = (' (a compound label: that is the compound set; use '
                        'single/no_caption)' if len(parts) == 2 and '_' in label else '')
                raise ValueError(f'{where}: expected "<NNNNN>.mp4 <label>" with a label in '
                                 f'{tuple(MAFW_WORDS)}, as in the release, got '
                                 f'{line.strip()!r}{hint}')
            out.append((name.group(1), index[label], where))
        return out
