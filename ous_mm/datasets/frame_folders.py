"""Checking folders of extracted frames (the alternative to decoding the clips)."""
import os
import os.path as osp


def count_frames(frame_dir: str, filename_tmpl: str, start_index: int) -> int:
    """The number of frames in ``frame_dir``, named ``filename_tmpl`` from ``start_index``.

    Raises:
        FileNotFoundError: The folder is missing or empty.
        ValueError: The numbering has a gap (the error names the first missing file),
            since ``RawFrameDecode`` would read the wrong frames past it.
    """
    if not osp.isdir(frame_dir):
        raise FileNotFoundError(f'frame folder {frame_dir} does not exist')
    names = set(os.listdir(frame_dir))
    count = 0
    while filename_tmpl.format(start_index + count) in names:
        count += 1
    if count == 0:
        raise FileNotFoundError(f'frame folder {frame_dir} has no '
                                f'{filename_tmpl.format(start_index)} (frames named '
                                f'{filename_tmpl!r} from {start_index} expected)')
    ext = osp.splitext(filename_tmpl)[1]
    if sum(n.endswith(ext) for n in names) > count:
        raise ValueError(f'frame folder {frame_dir} has a gap: '
                         f'{filename_tmpl.format(start_index + count)} is missing but later '
                         'frames exist')
    return count
