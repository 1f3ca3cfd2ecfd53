"""Time a config's training data pipeline on generated DFEW-like clips, per stage and per core.

    python tools/benchmark_pipeline.py configs/ous_dfew.py [--size 1280x720] [--clips 16]
        [--decord-threads 1] [--workers 1 2] [--mfu 0.4]

Writes a DFEW-like release (--data-root, else a temporary folder): whole-scene videos of
--size at --fps for --seconds (real photographs under a panning camera, H.264 like the
releases' mp4 files) and a folder of 224 px face crops per clip, then runs the config's training
pipeline over them in one process with one thread (as a dataloader worker runs it) and prints:

- per stage (open video: reading the file and its index; decode: the sampled frames; sample:
  choosing the frames; face crops: reading the release's crops; faces: face boxes; scene: the
  scene images; pack: to tensors; collate: batching), the CPU time per clip (all threads of
  the process: what one core spends, however loaded the machine), its share, and the clips
  per second of one core;
- with --workers: clips per second through a real DataLoader with that many worker processes;
- the frozen encoder's clips per second on a GPU, computed from its FLOPs (--encoder-gmacs per
  frame, 2 x T frames a clip, --gpu-tflops peak at --mfu utilisation), and the CPU cores that
  keep it fed.
"""
import argparse
import os
import tempfile
import time
from collections import defaultdict
from typing import Dict, List

import cv2
import torch
from mmaction.registry import DATASETS
from mmengine.config import DictAction
from mmengine.dataset import Compose, pseudo_collate
from torch.utils.data import DataLoader, Dataset

from ous_mm.apis import load_config
from ous_mm.testing.release_like_dataset import make_release_like_dataset

STAGES = dict(CheckedDecordInit='open video', DecordInit='open video', CheckedDecordDecode='decode',
              DecordDecode='decode', UniformSample='sample', SampleFrames='sample',
              LoadReleasedFaceCrops='face crops', LoadFaceBoxes='faces',
              FaceSceneSplit='scene (and face) images', StreamsSideBySide='pack',
              PackActionInputs='pack')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--data-root', help='where to write the clips (default: a temp folder)')
    parser.add_argument('--clips', type=int, default=16)
    parser.add_argument('--size', default='1280x720', help='video width x height')
    parser.add_argument('--seconds', type=float, default=2.5)
    parser.add_argument('--fps', type=float, default=25.0)
    parser.add_argument('--codec', default='h264', choices=('h264', 'mp4v'))
    parser.add_argument('--passes', type=int, default=2, help='timed passes over the clips')
    parser.add_argument('--decord-threads', type=int, default=1)
    parser.add_argument('--workers', type=int, nargs='*', default=[],
                        help='also time a DataLoader with these numbers of workers')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--encoder-gmacs', type=float, default=81.0,
                        help='frozen encoder GMACs per frame (ViT-L/14 at 224 px: about 81)')
    parser.add_argument('--gpu-tflops', type=float, default=989.0,
                        help='GPU peak (H100 SXM dense bf16: 989)')
    parser.add_argument('--mfu', type=float, default=0.4, help='assumed utilisation of the peak')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


class PipelineDataset(Dataset):
    """The data infos of a split through a pipeline (what a dataloader worker runs)."""

    def __init__(self, infos: List[dict], pipeline: Compose) -> None:
        self.infos, self.pipeline = infos, pipeline

    def __len__(self) -> int:
        return len(self.infos)

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(self.infos[index]))


def time_stages(infos: List[dict], pipeline: Compose, passes: int,
                batch_size: int) -> Dict[str, float]:
    """CPU seconds per clip of each stage, run transform by transform in this process.

    CPU time (of every thread of the process), not wall time: what one core spends, whatever
    else the machine runs.
    """
    seconds = defaultdict(float)
    for _ in range(passes):
        samples = []
        for info in infos:
            results = dict(info)
            for transform in pipeline.transforms:
                name = STAGES.get(type(transform).__name__, type(transform).__name__)
                start = time.process_time()
                results = transform(results)
                seconds[name] += time.process_time() - start
            samples.append(results)
        for i in range(0, len(samples), batch_size):
            start = time.process_time()
            pseudo_collate(samples[i:i + batch_size])
            seconds['collate'] += time.process_time() - start
    return {name: value / (passes * len(infos)) for name, value in seconds.items()}


def time_loader(infos: List[dict], pipeline: Compose, workers: int, batch_size: int,
                passes: int) -> float:
    """Clips per second through a DataLoader with ``workers`` worker processes."""
    loader = DataLoader(PipelineDataset(infos, pipeline), batch_size=batch_size,
                        num_workers=workers, collate_fn=pseudo_collate,
                        persistent_workers=workers > 0)
    next(iter(loader))  # workers started, files in the page cache
    start = time.perf_counter()
    for _ in range(passes):
        for _ in loader:
            pass
    return passes * len(infos) / (time.perf_counter() - start)


def describe(video: str) -> str:
    """``W x H, N frames at F fps (codec)`` of a video, as OpenCV reads its header."""
    capture = cv2.VideoCapture(video)
    try:
        width, height, count, fps, fourcc = (capture.get(p) for p in (
            cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT, cv2.CAP_PROP_FRAME_COUNT,
            cv2.CAP_PROP_FPS, cv2.CAP_PROP_FOURCC))
    finally:
        capture.release()
    codec = int(fourcc).to_bytes(4, 'little').decode('ascii', 'replace')
    return f'{int(width)}x{int(height)}, {int(count)} frames at {fps:g} fps ({codec})'


def main() -> None:
    args = parse_args()
    # as in a dataloader worker: one thread for OpenCV and torch (MMEngine's runner sets this)
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    cfg = load_config(args.config, args.cfg_options)
    width, height = (int(v) for v in args.size.lower().split('x'))
    root = args.data_root or tempfile.mkdtemp(prefix='pipeline_benchmark_')
    if not os.path.isdir(os.path.join(root, 'Clip', 'original')):
        make_release_like_dataset(root, args.clips, (width, height), args.seconds, args.fps,
                                  args.codec)
    pipeline_cfg = cfg.train_dataloader.dataset.pipeline
    # the clips are DFEW-like whatever the config's dataset; faces from the release's crops
    # where the pipeline reads them, else from its face boxes (detected online: none cached)
    crops = any(t['type'] == 'LoadReleasedFaceCrops' for t in pipeline_cfg)
    dataset = DATASETS.build(dict(type='DFEWDataset', data_root=root, subset='train',
                                  val_fraction=0, pipeline=[],
                                  face_crop_dir='Clip/clip_224x224' if crops else None))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    clips = describe(infos[0]['filename'])
    for transform in pipeline_cfg:
        if transform['type'] in ('CheckedDecordInit', 'DecordInit'):
            transform['num_threads'] = args.decord_threads
    pipeline = Compose(pipeline_cfg)
    time_stages(infos[:2], pipeline, 1, args.batch_size)  # warm-up: page cache, allocations
    stages = time_stages(infos, pipeline, args.passes, args.batch_size)
    total = sum(stages.values())
    frames = cfg.model.neck.num_frames
    stride = cfg.model.get('scene_stride', 1)
    streams = cfg.model.neck.get('streams', ('face', 'scene'))
    frames_per_clip = frames * ('face' in streams) + frames // stride * ('scene' in streams)
    load = os.getloadavg()
    print(f'\n{args.config}: training pipeline, T = {frames}, on {len(infos)} clips of '
          f'{clips} in {root}{" with face-crop folders" if crops else ""}; 1 process, 1 '
          f'thread, decord threads {args.decord_threads}; load average {load[0]:.1f} on '
          f'{os.cpu_count()} CPUs')
    print('\n| stage | CPU ms / clip | share | clips/s/core (this stage alone) |\n'
          '|---|---:|---:|---:|')
    for name, value in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f'| {name} | {1e3 * value:.2f} | {100 * value / total:.1f} % | {1 / value:.1f} |')
    per_core = 1 / total
    print(f'| all | {1e3 * total:.2f} | 100 % | {per_core:.2f} |')
    for workers in args.workers:
        rate = time_loader(infos, pipeline, workers, args.batch_size, args.passes)
        print(f'DataLoader, {workers} workers: {rate:.2f} clips/s '
              f'({rate / max(workers, 1):.2f} per worker)')
    flops = 2 * args.encoder_gmacs * 1e9 * frames_per_clip
    encoder = args.gpu_tflops * 1e12 * args.mfu / flops
    print(f'\nencoder on the GPU (computed): {args.encoder_gmacs} GMACs x {frames_per_clip} '
          f'frames = {flops / 1e12:.2f} TFLOPs a clip; at {args.mfu:.0%} of {args.gpu_tflops} '
          f'TFLOPs: {encoder:.1f} clips/s')
    print(f'CPU cores to keep it fed: {encoder:.1f} / {per_core:.2f} = {encoder / per_core:.1f}')


if __name__ == '__main__':
    main()
