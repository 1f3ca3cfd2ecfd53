"""t-SNE of the feature space at several stages of OUS (as in the paper's Fig. 5).

    python tools/analysis/feature_tsne.py CONFIG CHECKPOINT --out tsne.png [--split test]

Stages: the face stream (Frames Encoder, aligned), the scene stream (frame mean, aligned) and
the fused feature after MCFE; the stages a model lacks (face-only, scene-only) are left out.
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ous_mm.apis import init_model_and_split, model_split_parser  # noqa: E402
from ous_mm.fileio import atomic_path  # noqa: E402

STAGES = (('face', 'face stream (Frames Encoder)'), ('scene', 'scene stream (frame mean)'),
          ('fused', 'after MCFE (fused)'))


def parse_args() -> argparse.Namespace:
    parser = model_split_parser(__doc__)
    parser.add_argument('--out', default='feature_tsne.png')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model, dataset = init_model_and_split(args)
    feats, labels = {}, []
    for start in tqdm(range(0, len(dataset), args.batch_size), unit='batch'):
        batch = pseudo_collate([dataset[i] for i in
                                range(start, min(start + args.batch_size, len(dataset)))])
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            out, _ = model.extract_feat(data['inputs'])
        for key, _ in STAGES:
            if key in out:
                feats.setdefault(key, []).append(out[key].cpu().numpy())
        labels += [int(s.gt_label) for s in data['data_samples']]
    labels = np.array(labels)
    classes = dataset.metainfo['classes']
    stages = [(k, title) for k, title in STAGES if k in feats]
    # a stage whose features are the same for every clip has nothing to place (and crashes
    # Barnes-Hut t-SNE's tree): said and left out
    same = [k for k, _ in stages if np.concatenate(feats[k]).std(0).max() < 1e-6]
    for key in same:
        print(f'warning: the {key} features of all {len(labels)} clips are the same: not '
              'plotted (nothing to embed)')
    stages = [(k, title) for k, title in stages if k not in same]
    if not stages:
        raise SystemExit('error: every stage\'s features are the same for all clips: '
                         'nothing to embed')
    fig, axes = plt.subplots(1, len(stages), figsize=(4.5 * len(stages), 4.6), dpi=100,
                             squeeze=False)
    # tab10 gives an 11th class (MAFW's Disappointment) the 10th class's colour
    colours = plt.get_cmap('tab10' if len(classes) <= 10 else 'tab20')
    for ax, (key, title) in zip(axes[0], stages):
        x = np.concatenate(feats[key])
        xy = TSNE(n_components=2, perplexity=min(30, max(2, len(x) // 4)), init='pca',
                  random_state=args.seed).fit_transform(x)
        for c, name in enumerate(classes):
            ax.scatter(*xy[labels == c].T, s=12, color=colours(c), label=name)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][-1].legend(loc='center left', bbox_to_anchor=(1, 0.5), fontsize=8)
    fig.suptitle(f't-SNE of {len(labels)} {args.split} clips')
    fig.tight_layout()
    with atomic_path(args.out) as tmp:
        fig.savefig(tmp)
    print(f'{args.out}: {", ".join(k for k, _ in stages)} of {len(labels)} clips')


if __name__ == '__main__':
    main()
