from .model_loading import load_model, split_dataset

__all__ = ['load_model', 'split_dataset']
