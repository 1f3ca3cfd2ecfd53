from .ous_recognizer import OUSRecognizer

__all__ = ['OUSRecognizer']
