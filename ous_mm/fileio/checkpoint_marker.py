"""ous-mm's mark on the checkpoints it writes, by which it knows the files it may remove.

A checkpoint is a zip archive (``torch.save``); the mark is the archive's comment, which zip
readers (torch's included) skip. It travels with the file's content: a copied run folder is
still ous-mm's, while a file a user put there (another format, a plain MMEngine checkpoint, a
name that happens to match) is not, whatever its name.
"""
import os

MARKER = b'checkpoint written by ous-mm'
# the end of central directory record without a comment: signature, 16 bytes, comment length 0
_EOCD = b'PK\x05\x06'
_EOCD_SIZE = 22


def mark_checkpoint(data: bytes) -> bytes:
    """``data`` with ous-mm's mark as its zip comment; anything but a zip archive unchanged.

    Args:
        data (bytes): A whole ``torch.save`` file.

    Returns:
        bytes: The marked file.
    """
    if (len(data) < _EOCD_SIZE or data[-_EOCD_SIZE:-_EOCD_SIZE + 4] != _EOCD
            or data[-2:] != b'\x00\x00'):
        return data  # not a zip archive ending in a comment-less directory record
    return data[:-2] + len(MARKER).to_bytes(2, 'little') + MARKER


def is_marked_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole file that ous-mm wrote with :func:`mark_checkpoint`.

    Args:
        path (str): A file.

    Returns:
        bool: False for a missing, truncated, unmarked or other file.
    """
    tail = _EOCD_SIZE + len(MARKER)
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            if f.tell() < tail:
                return False
            f.seek(-tail, os.SEEK_END)
            end = f.read(tail)
    except OSError:  # missing, a folder, unreadable
        return False
    return (end[:4] == _EOCD and end[_EOCD_SIZE - 2:_EOCD_SIZE] == len(MARKER).to_bytes(2, 'little')
            and end[_EOCD_SIZE:] == MARKER)
