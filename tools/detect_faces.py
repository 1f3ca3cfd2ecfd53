"""Detect faces once over a whole dataset and fill the face-box cache that training reads.

    python tools/detect_faces.py CONFIG                 # every clip of the config's splits
    python tools/detect_faces.py data/DFEW              # a DFEW, FERV39k or MAFW release folder
    python tools/detect_faces.py VIDEO_DIR --cache-root BOXES   # any folder of videos
    python tools/detect_faces.py CONFIG --device cuda --workers 4   # one worker per GPU
    python tools/detect_faces.py CONFIG --detector mmdet --det-config FACE_DET.py \
        --det-checkpoint FACE_DET.pth --device cuda

CONFIG: e.g. configs/ous/ous_vit-l14_4xb4-60e_dfew-detected-faces.py (clips as videos or frame
folders); workers go round robin over the GPUs.

Every frame of a clip goes through the detector; the clip's subject is the track with the most
evidence among all its faces (ous_mm/datasets/face_track.py), and its box, score and landmarks
per frame are written (format 2, ous_mm/datasets/face_box_cache.py). The detector: --detector,
else the config's `face_detector`, else MTCNN (facenet-pytorch's weights, offline; boxes and
landmarks). Resumable: videos whose cache file exists are skipped, and files are written
atomically. Videos that cannot be decoded are listed at the end (and in
<cache root>/failed_videos.txt); the exit code is 1 when there are any.
"""
import argparse
import glob
import multiprocessing as mp
import os
import os.path as osp
import sys
from typing import Iterator, List, Tuple

import cv2
import numpy as np
from tqdm import tqdm

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')
RELEASES = (('Clip/original', 'face_boxes'), ('0_7_LabelClips', 'face_boxes'),
            ('data/clips', 'face_boxes'))  # DFEW, FERV39k, MAFW
DETECTORS = dict(mtcnn='MTCNNFaceDetector', opencv='OpenCVHaarFaceDetector',
                 yuface='YuFaceDetector')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('source',
                        help='an ous-mm config, a dataset release folder or a video folder')
    parser.add_argument('--detector', choices=tuple(DETECTORS) + ('mmdet', ),
                        help="default: the config's `face_detector`, else mtcnn")
    parser.add_argument('--det-config', help='mmdet config of a face detector')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint of a face detector')
    parser.add_argument('--score-thr', type=float, default=0.5, help='mmdet face score')
    parser.add_argument('--face-class', default='face', help='face class name of the detector')
    parser.add_argument('--device', help="'cpu' or 'cuda' (workers share the GPUs); default: "
                        'the GPU when there is one (MTCNN), else the CPU')
    parser.add_argument('--batch-size', type=int, default=16, help='frames per detector call')
    parser.add_argument('--workers', type=int, default=1, help='parallel processes')
    parser.add_argument('--cache-root', help='cache folder (default: the dataset\'s face_boxes)')
    parser.add_argument('--video-root', help='folder the cache keys are relative to')
    args = parser.parse_args()
    if args.detector == 'mmdet' and not args.det_config:
        parser.error('--detector mmdet needs --det-config (and --det-checkpoint)')
    return args


def videos_of_config(path: str) -> List[Tuple[str, str, str]]:
    """(video, video root, cache root) of every clip in the config's train/val/test splits."""
    from ous_mm.apis import load_config, split_dataset
    cfg = load_config(path)
    found = {}
    for split in ('train', 'val', 'test'):
        if cfg.get(f'{split}_dataloader') is None:
            continue
        dataset = split_dataset(cfg, split, pipeline='none')
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            clip = info.get('filename') or info['frame_dir']  # a video or a frame folder
            found[clip] = (clip, info['video_root'], info['face_box_root'])
    return sorted(found.values())


def videos_of_folder(root: str, cache_root: str, video_root: str) -> List[Tuple[str, str, str]]:
    for sub, cache in RELEASES:
        if video_root is None and osp.isdir(osp.join(root, sub)):
            video_root = osp.join(root, sub)
            cache_root = cache_root or osp.join(root, cache)
    video_root = video_root or root
    if cache_root is None:
        sys.exit(f'{root} is not a DFEW, FERV39k or MAFW release folder: give --cache-root')
    files = [f for f in glob.glob(osp.join(video_root, '**', '*'), recursive=True)
             if f.lower().endswith(VIDEO_EXTS)]
    return [(osp.abspath(f), osp.abspath(video_root), osp.abspath(cache_root))
            for f in sorted(files)]


def build_detector(args, worker: int):
    from ous_mm.apis import load_config
    from ous_mm.registry import FACE_DETECTORS
    device = args.device
    if device == 'cuda':  # workers go round robin over the GPUs
        import torch
        device = f'cuda:{worker % max(torch.cuda.device_count(), 1)}'
    cfg = None
    if args.detector is None and args.source.endswith('.py'):
        cfg = load_config(args.source).get('face_detector')  # the config picks the backend
    if cfg is None and args.detector == 'mmdet':
        cfg = dict(type='MMDetFaceDetector', config=args.det_config,
                   checkpoint=args.det_checkpoint, score_thr=args.score_thr,
                   batch_size=args.batch_size, face_class=args.face_class)
    if cfg is None:
        cfg = dict(type=DETECTORS[args.detector or 'mtcnn'])
    cfg = dict(cfg)
    if cfg['type'] in ('MMDetFaceDetector', 'MTCNNFaceDetector'):
        if device is not None:
            cfg['device'] = device
        cfg.setdefault('batch_size', args.batch_size)
    return FACE_DETECTORS.build(cfg)


_detector = None


def _init_worker(args, counter) -> None:
    global _detector
    with counter.get_lock():
        worker = counter.value
        counter.value += 1
    _detector = build_detector(args, worker)


def frame_chunks(clip: str, size: int = 64) -> Iterator[List[np.ndarray]]:
    """RGB frames of a video file (decord) or a folder of frame images, in chunks."""
    if osp.isdir(clip):
        names = sorted(n for n in os.listdir(clip) if n.lower().endswith(IMAGE_EXTS))
        for start in range(0, len(names), size):
            chunk = []
            for name in names[start:start + size]:
                image = cv2.imread(osp.join(clip, name))
                if image is None:
                    raise IOError(f'cannot read frame {osp.join(clip, name)}')
                chunk.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            yield chunk
        return
    import decord
    reader = decord.VideoReader(clip, num_threads=1)
    for start in range(0, len(reader), size):
        yield list(reader.get_batch(list(range(start, min(start + size, len(reader))))).asnumpy())


def detect_video(job: Tuple[str, str, str]) -> Tuple[str, str]:
    """Detect faces in every frame of one clip, keep its subject's track; (clip, error or '')."""
    from ous_mm.datasets.face_box_cache import video_key, write_boxes
    from ous_mm.datasets.face_track import select_track
    video, video_root, cache_root = job
    try:
        faces, height, width = [], 0, 0
        for frames in frame_chunks(video):
            height, width = frames[0].shape[:2]
            faces.extend(_detector(frames))
        if not faces:
            raise ValueError('the video has no frames')
    except Exception as err:  # a broken file must not stop the whole run
        return video, f'{type(err).__name__}: {str(err).splitlines()[0][:200]}'
    track, info = select_track(faces)
    found = np.isfinite(track[:, 0])
    write_boxes(cache_root, video_key(video, video_root),
                [row[:5] if ok else None for row, ok in zip(track, found)], (height, width),
                _detector.name, video=osp.relpath(video, video_root),
                landmarks=[row[5:] if ok else None for row, ok in zip(track, found)],
                track=info)
    return video, ''


def main() -> None:
    args = parse_args()
    if args.source.endswith('.py'):
        jobs = videos_of_config(args.source)
        if args.cache_root:
            jobs = [(v, r, osp.abspath(args.cache_root)) for v, r, _ in jobs]
    else:
        jobs = videos_of_folder(args.source, args.cache_root, args.video_root)
    from ous_mm.datasets.face_box_cache import box_file, video_key
    todo = [j for j in jobs if not osp.isfile(box_file(j[2], video_key(j[0], j[1])))]
    print(f'{len(jobs)} videos, {len(jobs) - len(todo)} already in the cache, {len(todo)} to do')
    failed = []
    counter = mp.Value('i', 0)
    if args.workers > 1:
        ctx = mp.get_context('spawn')
        counter = ctx.Value('i', 0)
        with ctx.Pool(args.workers, _init_worker, (args, counter)) as pool:
            results = pool.imap_unordered(detect_video, todo)
            failed = [r for r in tqdm(results, total=len(todo), unit='video') if r[1]]
    else:
        _init_worker(args, counter)
        failed = [r for r in (detect_video(j) for j in tqdm(todo, unit='video')) if r[1]]
    if failed:
        cache_root = todo[0][2]
        from ous_mm.fileio import AtomicLocalBackend
        AtomicLocalBackend().put_text(''.join(f'{v}\t{e}\n' for v, e in failed),
                                      osp.join(cache_root, 'failed_videos.txt'))
        print(f'{len(failed)} videos could not be read (listed in '
              f'{osp.join(cache_root, "failed_videos.txt")}):')
        for video, error in failed[:20]:
            print(f'  {video}: {error}')
        sys.exit(1)
    print('done')


if __name__ == '__main__':
    main()
