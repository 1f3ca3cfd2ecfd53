from .dfer_metric import DFERMetric, confusion_matrix, dfer_scores

__all__ = ['DFERMetric', 'confusion_matrix', 'dfer_scores']
