"""Registers every ous-mm component when running from the repository root.

Use ``custom_imports = dict(imports=['projects_registry'])`` in a config when ous-mm is
not installed as a package but the repository root is on ``PYTHONPATH``.
"""
import ous_mm  # noqa: F401
