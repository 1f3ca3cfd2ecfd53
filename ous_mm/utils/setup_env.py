"""What ous-mm needs of the stack where it runs, set up once per process."""
from .. import compat


def setup_env() -> None:
    """Let this process read ``ous_mm::`` configs and load MMEngine checkpoints safely.

    ``import ous_mm`` changes nothing outside ous-mm beyond what its components
    need in order to import; this adds, for the whole process:

    - ``ous_mm`` to MMEngine's ``MODULE2PACKAGE``, so that configs inheriting
      ``ous_mm::folder/file.py`` parse (MMEngine checks that table when it
      reads a config, before the config's ``custom_imports`` run);
    - the globals MMEngine checkpoints reference to torch's ``weights_only``
      allow-list, and MMEngine's local checkpoint loader wrapped so that a
      refused file raises ``UnsafeCheckpointError`` naming it
      (:func:`ous_mm.compat.patch_checkpoint_loading`).

    ous-mm's tools, ``ous_mm.apis`` (``load_config``, ``init_model``, ``run_train``,
    ``run_test``, ``cross_validate``) and ``SafeCheckpointHook`` (before the Runner
    loads a checkpoint: MMAction2's own tools on ous-mm's configs) call it. Call it in
    your own code before reading an ``ous_mm::`` config or loading a checkpoint
    outside a Runner (e.g. ``mmaction.apis.init_recognizer``). Calling it again
    changes nothing.
    """
    compat.register_config_package()
    compat.patch_checkpoint_loading()
