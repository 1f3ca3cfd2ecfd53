"""How long the feature cache's per-clip content check takes at a dataset's size.

Writes ``--clips`` video-sized files of random bytes (DFEW: 11,697 single-labelled clips) into a
temporary folder and times, over all of them, what ``tools/extract_features.py`` and every
cached run's start do (``ous_mm/datasets/feature_cache_fingerprint.py``):

- ``record``: ``clip_content`` at extraction (a ``stat`` and a hash of the whole file);
- ``check, unchanged``: ``content_change`` on files as recorded (a ``stat`` each, nothing read);
- ``check, stat moved``: the same after every file's change time moved (what a copied dataset
  looks like; each file is read whole);
- ``check, one replaced``: one file replaced by other bytes of the same size, its time stamp
  restored (``cp -p``): found.

Usage: ``python tools/reliability/cache_check_time.py [--clips 11697] [--size-kib 1024]``
"""
import argparse
import os
import os.path as osp
import tempfile
import time

from tqdm import tqdm

from ous_mm.datasets.feature_cache_fingerprint import clip_content, content_change


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', type=int, default=11697, help='number of files')
    parser.add_argument('--size-kib', type=int, default=1024, help='size of each file (KiB)')
    parser.add_argument('--dir', help='where to write them (default: a temporary folder)')
    return parser.parse_args()


def timed(label: str, infos: list, step) -> list:
    start = time.perf_counter()
    out = [step(i, info) for i, info in enumerate(tqdm(infos, desc=label, leave=False))]
    seconds = time.perf_counter() - start
    print(f'{label}: {seconds:.2f} s for {len(infos)} clips ({1000 * seconds / len(infos):.3f} '
          'ms a clip)')
    return out


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as root:
        infos = []
        for i in tqdm(range(args.clips), desc='write'):
            path = osp.join(root, f'{i + 1:05d}.mp4')
            with open(path, 'wb') as f:
                f.write(os.urandom(args.size_kib * 1024))
            infos.append(dict(filename=path, video_root=root, face_crop_dir=None,
                              face_box_root=osp.join(root, 'face_boxes')))
        print(f'{args.clips} files of {args.size_kib} KiB in {root}')
        records = timed('record', infos, lambda i, info: clip_content(info))
        changes = timed('check, unchanged', infos,
                        lambda i, info: content_change(records[i], info))
        assert not any(changes)
        for info, record in zip(infos, records):  # same times: only the change time moves
            os.utime(info['filename'], ns=(record['video'][1], record['video'][1]))
        changes = timed('check, stat moved', infos,
                        lambda i, info: content_change(records[i], info))
        assert not any(changes)
        victim = infos[len(infos) // 2]['filename']
        with open(victim, 'wb') as f:
            f.write(os.urandom(args.size_kib * 1024))
        mtime = records[len(infos) // 2]['video'][1]
        os.utime(victim, ns=(mtime, mtime))
        changes = timed('check, one replaced', infos,
                        lambda i, info: content_change(records[i], info))
        found = [c for c in changes if c]
        assert len(found) == 1 and victim in found[0], found
        print(f'found: {found[0]}')


if __name__ == '__main__':
    main()
