from .cross_validation import cross_validate, fold_statistics, train_and_test
from .dump_results import UnsafeDumpError, dump_predictions, dump_scores, load_dump
from .loading import (init_model, init_model_and_split, load_config, model_split_parser,
                      parse_cfg_options, split_dataset)
from .runner import run_test, run_train
from .video_inference import (UnreadableFramesError, VideoFaceTracks, VideoFrames, WindowResult,
                              inference_video, sliding_windows, uniform_indices, video_face_tracks)

__all__ = [
    'UnreadableFramesError', 'UnsafeDumpError', 'WindowResult', 'cross_validate',
    'VideoFrames', 'dump_predictions', 'dump_scores', 'fold_statistics', 'inference_video',
    'init_model', 'init_model_and_split', 'load_config', 'load_dump', 'model_split_parser',
    'parse_cfg_options', 'run_test', 'run_train', 'sliding_windows', 'split_dataset',
    'train_and_test', 'uniform_indices', 'VideoFaceTracks', 'video_face_tracks'
]
