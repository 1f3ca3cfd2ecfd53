"""Decord loading that names the file when a video cannot be read."""
import io
import os.path as osp
from typing import Optional

import cv2
import decord
from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS
from mmengine.fileio import FileClient

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

    Args:
        io_backend (str): As for ``DecordInit``. Defaults to ``'disk'``.
        num_threads (int): Decoding threads (as for ``DecordInit``). Defaults to 1.
        scene_size (int, optional): For a clip whose faces come from the
            release's face crops (``face_crop_dir`` in the results, read by
            ``LoadReleasedFaceCrops``), the frames feed only the scene stream:
            the whole frame resized to a square (``FaceSceneSplit``). Such
            clips are decoded at ``scene_size x scene_size`` directly: decord
            resizes inside the decoder (ffmpeg's bicubic scaler), which saves
            converting full-size frames to RGB (over half the decoding time of
            720p H.264: docs/en/benchmarks.md) and the second resize. Other
            clips (faces cropped from their frames) are decoded at full size.
            ``None``: every clip at full size. Defaults to None.
        **kwargs: File client arguments, as for ``DecordInit``.
    """

    def __init__(self,
                 io_backend: str = 'disk',
                 num_threads: int = 1,
                 scene_size: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(io_backend=io_backend, num_threads=num_threads, **kwargs)
        self.scene_size = scene_size

    def _get_video_reader(self, filename: str, size: Optional[int] = None) -> object:
        if not osp.isfile(filename):
            raise FileNotFoundError(f'video {filename} does not exist')
        if osp.getsize(filename) == 0:
            raise IOError(f'video {filename} is an empty (zero-byte) file')
        try:
            if size is None:
                reader = super()._get_video_reader(filename)
            else:
                if self.file_client is None:
                    self.file_client = FileClient(self.io_backend, **self.kwargs)
                reader = decord.VideoReader(io.BytesIO(self.file_client.get(filename)),
                                            num_threads=self.num_threads, width=size,
                                            height=size)
        except Exception as err:
            raise IOError(f'cannot decode video {filename} (corrupt or truncated?): '
                          f'{str(err).splitlines()[0][:200]}') from err
        if len(reader) == 0:
            raise IOError(f'video {filename} has no frames')
        return reader

    def transform(self, results: dict) -> dict:
        size = self.scene_size if results.get('face_crop_dir') else None
        reader = self._get_video_reader(results['filename'], size)
        results.update(video_reader=reader, total_frames=len(reader),
                       avg_fps=reader.get_avg_fps())
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(io_backend={self.io_backend!r}, '
                f'num_threads={self.num_threads}, scene_size={self.scene_size})')


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
