"""Recognise the emotion in a video of any length with OUS, and write an annotated copy.

    python tools/demo.py VIDEO CONFIG CHECKPOINT [--out annotated.mp4]

Faces are detected online in every frame (the config's `face_detector`, else OpenCV's Haar
cascade). The video is covered by sliding windows of --window seconds (half overlapping); from
each, T frames are sampled uniformly and classified; the scores are averaged over windows.
Prints the top emotions with their scores and the scene polarity; the output video has the face
box, the label and scores of the window around each frame drawn in.
"""
import argparse

import cv2
import decord
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate

from ous_mm.apis import load_model


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='demo_out.mp4', help='annotated video (mp4)')
    parser.add_argument('--window', type=float, default=2.0, help='window length in seconds')
    parser.add_argument('--top-k', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def windows(num_frames: int, length: int):
    """Half-overlapping windows ``(start, stop)`` covering every frame."""
    length = min(length, num_frames)
    step = max(1, length // 2)
    starts = list(range(0, max(num_frames - length, 0) + 1, step))
    if starts[-1] + length < num_frames:
        starts.append(num_frames - length)
    return [(s, s + length) for s in starts]


def uniform_indices(start: int, stop: int, t: int) -> np.ndarray:
    """The centres of ``t`` equal segments of ``[start, stop)`` (UniformSample's test mode)."""
    return (start + (np.arange(t) + 0.5) * (stop - start) / t).astype(int)


def main() -> None:
    args = parse_args()
    import ous_mm  # noqa: F401
    from ous_mm.registry import FACE_DETECTORS
    model, cfg = load_model(args.config, args.checkpoint, args.cfg_options, args.device)
    detector = FACE_DETECTORS.build(cfg.get('face_detector') or dict(type='OpenCVHaarFaceDetector'))
    try:
        reader = decord.VideoReader(args.video)
        frames = reader.get_batch(list(range(len(reader)))).asnumpy()
    except Exception as err:
        raise SystemExit(f'cannot decode video {args.video}: {err}')
    fps = reader.get_avg_fps() or 25.0
    found = detector(list(frames))
    boxes = np.array([b[:5] if b is not None else [np.nan] * 5 for b in found], np.float32)
    print(f'{args.video}: {len(frames)} frames at {fps:.1f} fps, a face in '
          f'{int((~np.isnan(boxes[:, 0])).sum())} of them ({detector.name})')

    split = next(t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'FaceSceneSplit')
    keys = tuple(f'{s}_imgs' for s in model.streams)
    pipeline = Compose([split, dict(type='PackActionInputs', collect_keys=keys)])
    classes = cfg.get('classes') or cfg.test_dataloader.dataset.get('metainfo', {}).get('classes')
    classes = classes or [str(i) for i in range(model.cls_head.num_classes)]
    polarity_names = getattr(model.polarity_head, 'polarity_names', None)
    t = model.num_frames
    results = []
    for start, stop in windows(len(frames), max(t, int(round(args.window * fps)))):
        inds = uniform_indices(start, stop, t)
        item = pipeline(dict(imgs=list(frames[inds]), frame_inds=inds, face_boxes=boxes))
        with torch.no_grad():
            sample = model.test_step(pseudo_collate([item]))[0]
        results.append((start, stop, sample.pred_score.cpu().numpy(),
                        sample.get('pred_polarity'), item))
    scores = np.mean([r[2] for r in results], axis=0)
    order = np.argsort(scores)[::-1][:args.top_k]
    print(f'{len(results)} windows of {results[0][1] - results[0][0]} frames; top emotions:')
    for k in order:
        print(f'  {classes[k]:<10} {scores[k]:.3f}')
    if polarity_names is not None:
        polarity = np.mean([r[3].cpu().numpy() for r in results], axis=0)
        print('scene polarity: ' + ', '.join(
            f'{n} {p:.3f}' for n, p in zip(polarity_names, polarity)))

    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    if not writer.isOpened():
        raise SystemExit(f'cannot write {args.out}')
    last = np.full(4, np.nan)
    for i, frame in enumerate(frames):
        start, stop, window_scores, _, _ = [r for r in results if r[0] <= i][-1]
        image = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        if not np.isnan(boxes[i, 0]):
            last = boxes[i, :4]
        if not np.isnan(last[0]):
            x1, y1, x2, y2 = last.astype(int)
            cv2.rectangle(image, (x1, y1), (x2, y2), (0, 255, 0), 2)
        top = np.argsort(window_scores)[::-1][:args.top_k]
        for line, k in enumerate(top):
            cv2.putText(image, f'{classes[k]} {window_scores[k]:.2f}', (5, 15 + 15 * line),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255) if line else (0, 255, 255),
                        1, cv2.LINE_AA)
        writer.write(image)
    writer.release()
    print(f'annotated video: {args.out} ({len(frames)} frames)')


if __name__ == '__main__':
    main()
