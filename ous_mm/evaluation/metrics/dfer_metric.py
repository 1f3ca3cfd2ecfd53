"""UAR, WAR, per-class recall and validation loss, as DFER papers report them."""
from collections import OrderedDict
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger


def confusion_matrix(preds: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``num_classes x num_classes`` counts, rows = true class, columns = prediction."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (labels, preds), 1)
    return cm


def dfer_scores(cm: np.ndarray) -> dict:
    """WAR, UAR and per-class recall (in %) from a confusion matrix.

    WAR is the overall accuracy; UAR the mean recall over the classes that
    HAVE samples in the split. A class without samples has an undefined
    recall: it is reported as NaN and left out of UAR (counting it as 0
    would penalise a split, not a model).
    """
    support = cm.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        recall = np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)
    war = np.diag(cm).sum() / max(cm.sum(), 1)
    return dict(WAR=100 * war, UAR=100 * np.nanmean(recall) if (support > 0).any() else np.nan,
                recall=100 * recall, support=support)


@METRICS.register_module()
class DFERMetric(BaseMetric):
    """UAR, WAR and per-class recall over the whole split, and the split's loss.

    Metrics (prefix ``dfer``): ``UAR`` and ``WAR`` in %, ``recall_<class>``
    for every class of the dataset, in its class order (ous-mm's order:
    ``DFER_CLASSES``; DFEW's seven as in Table 1 of the paper, MAFW's eleven),
    and ``nll``: the mean cross-entropy of the predicted class probabilities,
    the validation loss that the paper's learning-rate schedule and
    checkpoint choice watch.
    UAR is computed from the confusion matrix of the whole split, never
    averaged over batches.

    Args:
        collect_device (str): Device to collect results on. Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'dfer'``.
    """

    default_prefix = 'dfer'

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_score']
            score = score if isinstance(score, torch.Tensor) else torch.as_tensor(score)
            label = sample['gt_label']
            self.results.append(dict(
                score=score.detach().float().cpu().numpy(),
                label=int(label.item() if isinstance(label, torch.Tensor) else label)))

    def compute_metrics(self, results: List[dict]) -> dict:
        if not results:
            raise ValueError('DFERMetric: the split has no clips to evaluate (a validation '
                             'hold-out of a tiny training split can be empty: raise '
                             'val_fraction or use more clips)')
        scores = np.stack([r['score'] for r in results])
        labels = np.array([r['label'] for r in results])
        num_classes = scores.shape[1]
        if labels.max() >= num_classes:
            raise ValueError(f'label {labels.max()} but the model predicts {num_classes} classes')
        probs = scores
        if not np.allclose(scores.sum(1), 1, atol=1e-3) or (scores < 0).any():
            # scores are logits (average_clips='score' or None): turn them into probabilities
            shifted = scores - scores.max(1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(1, keepdims=True)
        cm = confusion_matrix(scores.argmax(1), labels, num_classes)
        res = dfer_scores(cm)
        classes = (self.dataset_meta or {}).get('classes') or [str(i) for i in range(num_classes)]
        if len(classes) != num_classes:  # zip would drop or misname recalls without a word
            raise ValueError(f'the model predicts {num_classes} classes but the dataset has '
                             f'{len(classes)} ({", ".join(map(str, classes))}); set '
                             f'model.cls_head.num_classes = {len(classes)} (and the class '
                             'names) in the config')
        out = OrderedDict()
        for name, recall in zip(classes, res['recall']):
            out[f'recall_{name}'] = float(recall)
        out['UAR'] = float(res['UAR'])
        out['WAR'] = float(res['WAR'])
        true = probs[np.arange(len(labels)), labels]
        out['nll'] = float(-np.log(np.clip(true, 1e-12, None)).mean())
        table = '  '.join(f'{n} {v:.2f}' for n, v in out.items())
        MMLogger.get_current_instance().info(f'DFER metrics ({len(labels)} clips): {table}')
        self.confusion = cm
        return out
