from .stream_data_preprocessor import StreamDataPreprocessor

__all__ = ['StreamDataPreprocessor']
