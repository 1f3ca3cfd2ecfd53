"""Decord loading that names the file when a video cannot be read."""
import os.path as osp

from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS


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

    Same arguments as ``DecordDecode``.
    """

    def transform(self, results: dict) -> dict:
        try:
            return super().transform(results)
        except Exception as err:
            raise IOError(f'cannot decode frames {list(results.get("frame_inds", []))} of '
                          f'video {results.get("filename")} (corrupt or truncated?): '
                          f'{str(err).splitlines()[0][:200]}') from err
