from .dump_results import UnsafeDumpError, dump_predictions, dump_scores, load_dump
from .loading import init_model, load_config, split_dataset
from .video_inference import WindowResult, inference_video, sliding_windows, uniform_indices

__all__ = [
    'UnsafeDumpError', 'WindowResult', 'dump_predictions', 'dump_scores', 'inference_video',
    'init_model', 'load_config', 'load_dump', 'sliding_windows', 'split_dataset', 'uniform_indices'
]
