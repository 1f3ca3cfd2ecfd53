"""Where MCFE's shared queries look, for one clip.

    python tools/analysis/attention_map.py CONFIG CHECKPOINT --index 0 --out attention.png

MCFE's keys and values are the polarity token, one token per face frame (Frames Encoder) and
the scene token (frame mean): the figure shows the face crops and scene frames of the clip, each
face frame framed and labelled with the attention the queries (averaged over queries and heads,
block 1) give to its token, and the share given to the scene and polarity tokens.
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402

from ous_mm.apis import init_model_and_split, model_split_parser  # noqa: E402
from ous_mm.fileio import atomic_path  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = model_split_parser(__doc__)
    parser.add_argument('--index', type=int, default=0, help='clip index in the split')
    parser.add_argument('--out', default='attention_map.png')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model, dataset = init_model_and_split(args)
    if getattr(model.neck, 'fusion', None) != 'mcfe':
        raise SystemExit('this model has no MCFE (fusion is not "mcfe")')
    item = dataset[args.index]
    batch = pseudo_collate([item])
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        out, _ = model.extract_feat(data['inputs'], return_attn=True)
        score = model.cls_head(out['fused']).softmax(-1)[0]
    weights = out['attn'][0].mean(0).cpu().numpy()  # over queries: one weight per token
    names = []
    if model.neck.use_polarity:
        names.append('polarity')
    t = model.num_frames
    if 'face' in model.streams:
        names += [f'face {i + 1}' for i in range(t)]
    if 'scene' in model.streams:
        names.append('scene')
    classes = dataset.metainfo['classes']
    label = classes[int(item['data_samples'].gt_label)]
    pred = classes[int(score.argmax())]

    rows = [k for k in ('face_imgs', 'scene_imgs') if k in item['inputs']]
    fig, axes = plt.subplots(len(rows), t, figsize=(1.6 * t, 1.9 * len(rows) + 0.8), dpi=100,
                             squeeze=False)
    face_w = {int(n.split()[1]) - 1: w for n, w in zip(names, weights) if n.startswith('face')}
    top = max(face_w.values()) if face_w else 1.0
    for r, key in enumerate(rows):
        frames = item['inputs'][key].numpy()
        for i in range(t):
            ax = axes[r][i]
            ax.imshow(frames[i].transpose(1, 2, 0))
            ax.set_xticks([])
            ax.set_yticks([])
            if key == 'face_imgs' and i in face_w:
                w = face_w[i]
                for side in ax.spines.values():
                    side.set_edgecolor(plt.get_cmap('Reds')(0.3 + 0.7 * w / top))
                    side.set_linewidth(1 + 5 * w / top)
                ax.set_title(f'{w:.3f}', fontsize=8)
    shares = ', '.join(f'{n} {w:.3f}' for n, w in zip(names, weights) if not n.startswith('face'))
    fig.suptitle(f'clip {args.index} ({label}; predicted {pred} {float(score.max()):.2f}): '
                 f'MCFE attention per face frame (top), {shares}', fontsize=9)
    fig.tight_layout()
    with atomic_path(args.out) as tmp:
        fig.savefig(tmp)
    print(f'{args.out}: ' + ', '.join(f'{n} {w:.3f}' for n, w in zip(names, weights)))


if __name__ == '__main__':
    main()
