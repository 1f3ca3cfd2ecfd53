"""Decord loading that names the file when a video cannot be read."""
import os.path as osp
from typing import Optional

import cv2
from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS

# decord 0.6 pads the rows of some frames narrower than this and then fails to copy them
DECORD_MIN_WIDTH = 64


def frame_width(filename: str) -> Optional[int]:
    """The frame width OpenCV reads from a video's header, ``None`` if it cannot."""
    capture = cv2.VideoCapture(filename)
    try:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) if capture.isOpened() else 0
    finally:
        capture.release()
    return width or None


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """``DecordInit`` whose errors name the video and say what is wrong with it.

    A missing, zero-byte, truncated or corrupt file raises ``IOError`` naming
    the file (decord's own message does not, as MMAction2 hands it bytes).
    Same arguments as ``DecordInit``.
    """

    def _get_video_reader(self, filename: str) -> object:
        if not osp.isfile(filename):
            raise FileNotFoundError(f'video {filename} does not exist')
        if osp.getsize(filename) == 0:
            raise IOError(f'video {filename} is an empty (zero-byte) file')
        try:
            reader = super()._get_video_reader(filename)
        except Exception as err:
            raise IOError(f'cannot decode video {filename} (corrupt or truncated?): '
                          f'{str(err).splitlines()[0][:200]}') from err
        if len(reader) == 0:
            raise IOError(f'video {filename} has no frames')
        return reader


@TRANSFORMS.register_module()
class CheckedDecordDecode(DecordDecode):
    """``DecordDecode`` whose errors name the video (e.g. frames past a truncation).

    A valid video narrower than 64 px that decord 0.6 cannot decode is
    reported as such, with the fix, not as a damaged file. Same arguments as
    ``DecordDecode``.
    """

    def transform(self, results: dict) -> dict:
        try:
            return super().transform(results)
        except Exception as err:
            filename = results.get('filename')
            detail = str(err).splitlines()[0][:200]
            width = frame_width(filename) if filename else None
            if width is not None and width < DECORD_MIN_WIDTH:
                raise IOError(
                    f'cannot decode video {filename}: its frames are {width} px wide, and '
                    f'decord 0.6 cannot decode some videos narrower than {DECORD_MIN_WIDTH} '
                    'px (a decord limitation, not a damaged file); re-encode it wider, e.g. '
                    f'`ffmpeg -i IN -vf scale={DECORD_MIN_WIDTH}:-2 OUT`: {detail}') from err
            raise IOError(f'cannot decode frames {list(results.get("frame_inds", []))} of '
                          f'video {filename} (corrupt or truncated?): {detail}') from err
