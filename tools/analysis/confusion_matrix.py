"""Row-normalised confusion matrix (as in the paper's Fig. 4) from a test dump.

    python tools/test.py CONFIG CKPT --dump results.pkl
    python tools/analysis/confusion_matrix.py results.pkl --out confusion.png
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ous_mm.apis import dump_scores  # noqa: E402
from ous_mm.datasets import DFER_CLASSES  # noqa: E402
from ous_mm.fileio import atomic_path  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dump', help='the pickle written by tools/test.py --dump')
    parser.add_argument('--out', default='confusion_matrix.png')
    parser.add_argument('--classes', nargs='+',
                        help='class names in label order (default: ous-mm\'s class order, '
                        'DFER_CLASSES, as many as the dump has scores: DFEW 7, MAFW 11)')
    parser.add_argument('--title', default=None)
    return parser.parse_args()


def plot(cm: np.ndarray, classes, title: str, out: str) -> None:
    support = cm.sum(1, keepdims=True)
    rates = np.divide(cm, support, out=np.zeros(cm.shape), where=support > 0) * 100
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    image = ax.imshow(rates, cmap='Blues', vmin=0, vmax=100)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f'{rates[i, j]:.1f}', ha='center', va='center', fontsize=8,
                    color='white' if rates[i, j] > 60 else 'black')
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha='right')
    ax.set_yticks(range(len(classes)), [f'{c} ({n})' for c, n in zip(classes, support[:, 0])])
    ax.set_xlabel('predicted')
    ax.set_ylabel('true (clips)')
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label='% of the true class')
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    scores = dump_scores(args.dump, len(args.classes) if args.classes else None)
    num_classes = len(scores['confusion'])
    classes = args.classes or list(DFER_CLASSES[:num_classes])
    if len(classes) != num_classes:
        raise SystemExit(f'{args.dump} has scores over {num_classes} classes, more than '
                         'ous-mm\'s class order names: give their names with --classes')
    title = args.title or (f'UAR {scores["UAR"]:.2f}  WAR {scores["WAR"]:.2f}  '
                           f'({len(scores["labels"])} clips)')
    plot(scores['confusion'], classes, title, args.out)
    print(f'{args.out}: {title}')


if __name__ == '__main__':
    main()
