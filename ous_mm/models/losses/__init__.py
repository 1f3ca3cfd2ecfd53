from .cosine_similarity_loss import CosineSimilarityLoss
from .info_nce_loss import InfoNCELoss

__all__ = ['CosineSimilarityLoss', 'InfoNCELoss']
