"""Bad inputs on the data path: each a clear error naming the file, or a documented fallback."""
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.datasets import DFEWDataset
from ous_mm.testing import make_demo_dataset, write_video
from conftest import DEMO_CONFIG
from conftest import TINY_QUICKGELU as TINY
from conftest import locked_temp_writer, openai_archive, run, run_here, tiny_quickgelu_clip

init_default_scope('mmaction')
PIPELINE = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=32, scene_size=64),
]


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo'))
    make_demo_dataset(root, clips_per_class=2, num_frames=12, size=64, num_folds=2)
    return root


def _first_clip(root):
    ds = DFEWDataset(root, PIPELINE, fold=1, subset='test')
    return ds, ds.get_data_info(0)['filename']


def test_good_clip_goes_through(demo):
    ds, _ = _first_clip(demo)
    out = ds[0]
    assert out['face_imgs'].shape == (8, 3, 32, 32) and out['face_fallback'] is False


@pytest.mark.parametrize('damage,message', [
    ('empty', 'is an empty \\(zero-byte\\) file'),
    ('garbage', 'cannot decode video .* \\(corrupt or truncated\\?\\)'),
    ('truncated', 'cannot decode'),
])
def test_broken_videos_name_the_file(demo, tmp_path, damage, message):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write({'empty': b'', 'garbage': os.urandom(2000), 'truncated': data[:len(data) // 3]}[
            damage])
    with pytest.raises(IOError, match=message) as err:
        ds[0]
    assert osp.basename(path) in str(err.value)


def test_clip_shorter_than_t_repeats_frames(tmp_path):
    """Documented fallback: UniformSample repeats frames of a clip shorter than T."""
    video = str(tmp_path / 'v' / 'short.mp4')
    write_video(video, [np.full((64, 64, 3), 40 * i, np.uint8) for i in range(3)])
    from ous_mm.datasets.face_box_cache import write_boxes
    write_boxes(str(tmp_path / 'b'), 'short', [[10, 10, 40, 40, 1]] * 3, (64, 64), 'test')
    out = Compose(PIPELINE)(dict(filename=video, video_root=str(tmp_path / 'v'),
                                 face_box_root=str(tmp_path / 'b'), start_index=0,
                                 modality='RGB'))
    assert list(out['frame_inds']) == [0, 0, 0, 1, 1, 1, 2, 2]
    assert out['scene_imgs'].shape[0] == 8


def test_video_missing_from_the_cache_is_detected_online_or_named(demo, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    key = osp.splitext(osp.basename(path))[0]
    os.remove(osp.join(root, 'face_boxes', key + '.json'))
    # without a detector: an error naming the missing file and both fixes
    with pytest.raises(FileNotFoundError,
                       match=rf'{key}.json is missing.*detect_faces.py.*detector'):
        ds[0]
    # with one (as in ous-mm's configs), the sampled frames' faces are found online
    online = [dict(t, detector=dict(type='OpenCVHaarFaceDetector'))
              if t['type'] == 'LoadFaceBoxes' else t for t in PIPELINE]
    out = DFEWDataset(root, online, fold=1, subset='test')[0]
    assert out['face_detected_online'] and out['face_boxes'].shape == (12, 5)
    assert out['face_imgs'].shape == (8, 3, 32, 32)
    # only the 8 sampled frames went through the detector
    assert np.isnan(out['face_boxes'][np.setdiff1d(np.arange(12), out['frame_inds'])]).all()


def _extract_frames(root):
    """Frames of every demo clip as ffmpeg would write them: Clip/frames/NNNNN/00001.jpg ..."""
    import decord
    src = osp.join(root, 'Clip', 'original')
    for name in sorted(os.listdir(src)):
        out = osp.join(root, 'Clip', 'frames', osp.splitext(name)[0])
        os.makedirs(out)
        for i, frame in enumerate(decord.VideoReader(osp.join(src, name)).get_batch(
                list(range(12))).asnumpy()):
            cv2.imwrite(osp.join(out, f'{i + 1:05d}.jpg'), frame[..., ::-1])


def test_frame_folders_instead_of_clips_and_a_gap(demo, tmp_path, capsys):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    _extract_frames(root)
    pipeline = [dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
                dict(type='RawFrameDecode'), *PIPELINE[3:]]
    ds = DFEWDataset(root, pipeline, subset='test', media='frames', video_dir='Clip/frames')
    info = ds.get_data_info(0)
    assert info['total_frames'] == 12 and info['start_index'] == 1
    out = ds[0]
    assert out['face_imgs'].shape == (8, 3, 32, 32) and out['face_fallback'] is False
    os.remove(osp.join(info['frame_dir'], '00005.jpg'))
    with pytest.raises(ValueError, match=r'set_1.csv:\d+: frame folder .* has a gap: 00005.jpg'):
        DFEWDataset(root, pipeline, subset='test', media='frames', video_dir='Clip/frames')
    # tools/detect_faces.py reads frame folders too (the config path, fed by the dataset)
    cfg = tmp_path / 'frames_cfg.py'
    cfg.write_text(
        "test_dataloader = dict(dataset=dict(type='DFEWDataset', data_root=%r, subset='test', "
        "media='frames', video_dir='Clip/frames', fold=2, pipeline=[]))\n" % root)
    run_here('tools/detect_faces.py', str(cfg), '--cache-root', str(tmp_path / 'boxes'))
    assert 'to do' in capsys.readouterr().out and len(os.listdir(tmp_path / 'boxes')) > 0


def test_valid_video_narrower_than_64_px_is_not_called_corrupt(tmp_path):
    # write_video refuses such sizes, so OpenCV writes this one directly
    path = str(tmp_path / 'narrow.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 8, (48, 48))
    for i in range(10):
        writer.write(np.full((48, 48, 3), 20 * i, np.uint8))
    writer.release()
    ok, frame = cv2.VideoCapture(path).read()
    assert ok and frame.shape == (48, 48, 3)  # a valid video
    pipeline = Compose(PIPELINE[:3])
    with pytest.raises(IOError, match=r'narrow.mp4: its frames are 48 px wide, and decord 0.6 '
                       r'cannot decode .* narrower than 64 px .* scale=64:-2') as err:
        pipeline(dict(filename=path, start_index=0, modality='RGB'))
    assert 'corrupt' not in str(err.value)


def _with_boxes(demo, tmp_path, edit):
    """A copy of the demo set whose first test clip's box file is changed by `edit(data)`."""
    import json
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    box_path = osp.join(root, 'face_boxes', osp.splitext(osp.basename(path))[0] + '.json')
    with open(box_path) as f:
        data = json.load(f)
    data = edit(data)
    with open(box_path, 'w') as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    return ds, box_path


@pytest.mark.parametrize('box', [
    [-1e9, -1e9, 1e9, 1e9, 1],  # huge: clipped to the whole frame, a usable box
    ['Infinity', 10, 20, 30, 1],  # not finite
    [5000, 5000, 6000, 6000, 1],  # far outside the frame
    [30, 30, 10, 10, 1],  # inverted
    [10, 10, 10, 40, 1],  # zero area
])
def test_unusable_boxes_count_as_missing_faces(demo, tmp_path, box):
    def every_box(data):
        data['boxes'] = [box] * len(data['boxes'])
        return json_with_infinity(data)
    ds, _ = _with_boxes(demo, tmp_path, every_box)
    out = ds[0]
    if box[0] == -1e9:  # clipped, not dropped: the crop is the frame
        assert out['face_invalid'] == 0 and not out['face_fallback']
        assert np.allclose(out['face_boxes'][0, :4], [0, 0, 64, 64])
    else:
        assert out['face_invalid'] == 12 and out['face_fallback'] and out['face_missing'] == 8
    assert out['face_imgs'].std() > 0  # never an all-black face stream


def json_with_infinity(data) -> str:
    import json
    return json.dumps(data).replace('"Infinity"', 'Infinity')


@pytest.mark.parametrize('edit,message', [
    (lambda d: dict(d, video='00042.mp4'), "holds the boxes of video '00042.mp4'"),
    (lambda d: dict(d, boxes=d['boxes'][:5], num_frames=5), '5 entries for a video of 12'),
    (lambda d: dict(d, frame_size=[480, 640]), 'made on frames of [480, 640]'),
    (lambda d: dict(d, num_frames=99), '"num_frames" is 99 but it holds 12 boxes'),
    (lambda d: [d['boxes']], 'expected an object with a "boxes" list'),
    (lambda d: {k: v for k, v in d.items() if k != 'boxes'}, 'expected an object'),
    (lambda d: dict(d, boxes=None), 'expected an object'),
    (lambda d: dict(d, boxes=['x'] * 12), "entry 0 is 'x'"),
    (lambda d: '{"boxes": [', 'not valid JSON'),
])
def test_box_file_that_does_not_fit_its_video_is_an_error_naming_it(demo, tmp_path, edit, message):
    ds, box_path = _with_boxes(demo, tmp_path, edit)
    with pytest.raises(ValueError) as err:
        ds[0]
    assert box_path in str(err.value) and message in str(err.value)
    assert 'detect_faces.py' in str(err.value)


# ---- weights files: never unpickled as code (ous_mm/models/utils/open_clip_builder.py) ----
class RunsCode:
    """Unpickling it runs ``os.system``: what a hostile weights file does."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _rezip(src: str, dst: str, replace: dict = None, add: dict = None) -> None:
    """Copy the zip archive ``src`` with some entries (under its folder) replaced or added."""
    import zipfile
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w') as b:
        root = a.namelist()[0].split('/')[0]
        for name in a.namelist():
            b.writestr(name, replace.get(name.split('/', 1)[1], a.read(name)))
        for name, data in add.items():
            b.writestr(f'{root}/{name}', data)


def _payload_pickle(path: str, marker: str) -> bytes:
    """The data.pkl of a torch.save zip whose unpickling runs code."""
    import zipfile

    import torch
    torch.save({'visual.proj': RunsCode(marker)}, path)
    with zipfile.ZipFile(path) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith('/data.pkl')))


@pytest.fixture(scope='module')
def tiny_openai_archive(tmp_path_factory) -> str:
    """A real TorchScript archive of a tiny CLIP, made as OpenAI's released files are."""
    path = str(tmp_path_factory.mktemp('weights') / 'ViT-tiny.pt')
    openai_archive(tiny_quickgelu_clip(), path)
    return path


def _build_backbone(weights: str, **model_cfg):
    from mmaction.registry import MODELS
    return MODELS.build(dict(type='FrozenCLIPVision', early_block=1,
                             clip=dict(model_cfg=dict(TINY, **model_cfg), weights=weights)))


def test_zip_with_code_but_no_torchscript_constants_is_refused_unread(tmp_path):
    """The issue's file: data.pkl calls os.system, code/ in the zip, no constants.pkl."""
    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'ViT-L-14.pt')
    _payload_pickle(str(tmp_path / 'payload.pth'), marker)
    _rezip(str(tmp_path / 'payload.pth'), path, add={'code/__torch__/model.py': 'x = 1\n'})
    for quick_gelu in (True, False):  # the demo's model settings, then QuickGELU
        with pytest.raises(WeightsFileError) as err:
            _build_backbone(path, quick_gelu=quick_gelu)
        text = str(err.value)
        assert path in text and 'holds data.pkl, code/ but no constants.pkl' in text
        assert 'Expected the weights as a state dict saved with torch.save' in text
        assert 'GELU' not in text  # no misleading activation message
    assert not osp.exists(marker)


def test_torchscript_archive_with_a_code_payload_is_refused_unrun(tiny_openai_archive, tmp_path):
    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'ViT-tiny-evil.pt')
    _rezip(tiny_openai_archive, path,
           replace={'data.pkl': _payload_pickle(str(tmp_path / 'payload.pth'), marker)})
    with pytest.raises(WeightsFileError, match=re.escape(
            f'Refused to load {path}: it is a TorchScript archive whose data.pkl holds more '
            'than weights (read as data: its code is never run), and loading it could run code '
            '(it references posix.system')):
        _build_backbone(path)
    assert not osp.exists(marker)


EVIL_SCRIPT = """
import sys
from typing import Tuple

import torch


class Evil(torch.nn.Module):
    \"\"\"What a hostile archive's code does when TorchScript loads it: writes a file.\"\"\"

    def __init__(self, path: str):
        super().__init__()
        self.proj = torch.nn.Parameter(torch.ones(2))
        self.path = path

    def forward(self, x):
        return x * self.proj + torch.from_file(self.path, True, 2).fill_(1.0).sum()

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, bool, str]:
        return (self.proj, self.training, self.path)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool, str]) -> None:
        written = torch.from_file(state[2], True, 2).fill_(1.0)  # creates or overwrites
        self.proj = state[0] + written.sum() * 0
        self.training = state[1]
        self.path = state[2]


class Holder(torch.nn.Module):
    \"\"\"A CLIP-like state dict beside a sub-module whose code runs at load: attributes.\"\"\"

    def __init__(self, path: str):
        super().__init__()
        self.proj = torch.nn.Parameter(torch.ones(2))
        self.evil = Evil(path)

    def forward(self, x):
        return self.evil(x) * self.proj


kind, victim, out = sys.argv[1:]
torch.jit.save(torch.jit.script(Evil(victim) if kind == 'setstate' else Holder(victim)), out)
"""


@pytest.fixture(scope='module')
def hostile_archives(tmp_path_factory) -> dict:
    """TorchScript archives whose code writes ``victim`` (``torch.from_file``) when
    ``torch.jit.load`` runs it: in a class's ``__setstate__``, in a sub-module attribute's, and
    in ``forward``; made by a separate process (scripting compiles code into this one)."""
    folder = tmp_path_factory.mktemp('hostile')
    script = folder / 'make.py'
    script.write_text(EVIL_SCRIPT)
    victim = folder / 'victim.txt'
    archives = {}
    for kind in ('setstate', 'attribute'):
        archives[kind] = str(folder / f'{kind}.pt')
        run(['python', str(script), kind, str(victim), archives[kind]])
    return dict(victim=str(victim), **archives)


def test_hostile_torchscript_archives_run_no_code_on_any_weights_path(hostile_archives, tmp_path):
    import torch

    from ous_mm.apis import init_model
    from ous_mm.models import build_open_clip
    from ous_mm.models.utils.open_clip_builder import WeightsFileError, weights_file_kind
    victim = hostile_archives['victim']
    for kind in ('setstate', 'attribute'):
        path = hostile_archives[kind]
        assert weights_file_kind(path) == 'torchscript'
        with open(victim, 'w') as f:
            f.write('content-of-victim')
        paths = [  # every door that takes weights, the paper config's own model name included
            lambda: _build_backbone(path),
            lambda: build_open_clip('ViT-L-14-quickgelu', path),
            lambda: init_model(DEMO_CONFIG, cfg_options={'model.clip.weights': path,
                                                         'model.clip.model_cfg.quick_gelu': True}),
            lambda: run_here('tools/train.py', DEMO_CONFIG, '--work-dir', str(tmp_path / kind),
                             '--cfg-options', f'model.clip.weights={path}',
                             'model.clip.model_cfg.quick_gelu=True'),
        ]
        for build in paths:
            with pytest.raises(WeightsFileError, match=re.escape(path)):
                build()
        with open(victim, 'rb') as f:
            data = f.read()
        assert data == b'content-of-victim', (kind, data)
    # the check can fail: TorchScript itself runs the archives' code
    torch.jit.load(hostile_archives['setstate'])
    assert open(victim, 'rb').read().startswith(b'\x00\x00\x80?'), 'no code ran: no test'


def test_mmaction_init_recognizer_runs_no_archive_code(hostile_archives, safe_loading):
    from mmaction.apis import init_recognizer
    from mmengine.config import Config

    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    victim = hostile_archives['victim']
    with open(victim, 'w') as f:
        f.write('content-of-victim')
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.clip.weights = hostile_archives['setstate']
    cfg.model.clip.model_cfg.quick_gelu = True  # OpenAI's activation: the archive is read
    with pytest.raises(WeightsFileError, match='holds a dict \\(empty\\), not a state dict'):
        init_recognizer(cfg, device='cpu')
    with open(victim, 'rb') as f:
        assert f.read() == b'content-of-victim'


def test_openai_archive_is_read_as_data_equal_to_torchscripts_own_reading(tiny_openai_archive):
    import torch

    from ous_mm.fileio.torchscript_archive import read_torchscript_tensors
    ours = read_torchscript_tensors(tiny_openai_archive)
    theirs = torch.jit.load(tiny_openai_archive).state_dict()
    assert sorted(ours) == sorted(theirs)
    assert all(torch.equal(ours[k], theirs[k]) and ours[k].dtype == theirs[k].dtype
               for k in theirs)


def _weights_file(path, state_dict, how: str) -> None:
    import torch
    if how == 'safetensors':
        from safetensors.torch import save_file
        save_file(state_dict, path)
    else:
        torch.save(state_dict, path)


@pytest.mark.parametrize('how,edit,message', [
    ('safetensors', lambda data: b'', 'is not a readable safetensors file'),
    ('safetensors', lambda data: data[:len(data) // 2], 'is not a readable safetensors file'),
    ('safetensors', lambda data: b'PK\x03\x04not safetensors at all',
     'is not a readable safetensors file'),
    ('torch', lambda data: data[:len(data) // 2], 'starts as a zip archive but has no zip '
     'directory at its end: a truncated or damaged copy'),
])
def test_damaged_weights_files_are_named_errors(tmp_path, how, edit, message):
    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    path = tmp_path / ('w.safetensors' if how == 'safetensors' else 'w.pth')
    _weights_file(str(path), tiny_quickgelu_clip().state_dict(), how)
    path.write_bytes(edit(path.read_bytes()))
    with pytest.raises(WeightsFileError, match=re.escape(str(path)) + '.*' + re.escape(message)):
        _build_backbone(str(path), quick_gelu=True)


@pytest.mark.parametrize('how', ['safetensors', 'torch'])
@pytest.mark.parametrize('dtype', ['int32', 'float64'])
def test_weights_cast_to_another_type_are_refused(tmp_path, how, dtype):
    import torch

    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    path = str(tmp_path / ('w.safetensors' if how == 'safetensors' else 'w.pth'))
    state = {k: v.to(getattr(torch, dtype)) for k, v in tiny_quickgelu_clip().state_dict().items()}
    _weights_file(path, state, how)
    with pytest.raises(WeightsFileError, match=re.escape(path) + f": its tensor '.*' is "
                       f'torch.{dtype}; CLIP weights are torch.float32, torch.float16, '
                       'torch.bfloat16'):
        _build_backbone(path, quick_gelu=True)
    half = {k: v.half() for k, v in tiny_quickgelu_clip().state_dict().items()}
    _weights_file(path, half, how)  # OpenAI's and open_clip's releases: half precision
    _build_backbone(path, quick_gelu=True)


def test_numpy_weights_for_a_model_that_is_not_siglip_are_a_named_error(tmp_path):
    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    path = str(tmp_path / 'w.npz')
    np.savez(path, **{k: v.numpy() for k, v in tiny_quickgelu_clip().state_dict().items()})
    with pytest.raises(WeightsFileError, match=re.escape(path) + ' is a NumPy file: open_clip '
                       'reads those as big_vision \\(SigLIP\\) checkpoints'):
        _build_backbone(path, quick_gelu=True)


def _huge_array_checkpoint(path: str) -> None:
    """A checkpoint whose meta data is a NumPy array of 2**40 bytes, as pickle builds it with
    NumPy's own (allow-listed) ``_reconstruct``: loading it allocates them."""
    import torch

    class Huge:

        def __reduce__(self):
            # NumPy's _reconstruct, under its 1.x or 2.x module name (what arrays pickle with)
            reconstruct = np.zeros(0).__reduce__()[0]
            return reconstruct, (np.ndarray, (2**40, ), b'b')

    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': Huge()}, path)


def test_a_checkpoint_declaring_a_huge_array_is_a_named_error(tmp_path, safe_loading):
    """A 2**40-element array in a checkpoint's meta data: an error naming the file."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'epoch_1.pth')
    _huge_array_checkpoint(path)
    with pytest.raises(MemoryError, match=re.escape(f"Cannot load checkpoint '{path}'")):
        _load_checkpoint(path, map_location='cpu')


@pytest.mark.parametrize('zipped', [True, False])
def test_state_dict_with_a_code_payload_is_refused(tmp_path, zipped):
    import torch

    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'weights.pth')
    torch.save({'visual.proj': RunsCode(marker)}, path, _use_new_zipfile_serialization=zipped)
    # (?s): torch's reason spans lines on some versions (2.6)
    with pytest.raises(WeightsFileError, match='(?s)' + re.escape(f'Refused to load {path}') +
                       '.*could run code.*GLOBAL posix.system'):
        _build_backbone(path)
    assert not osp.exists(marker)


@pytest.mark.parametrize('content,message', [
    (b'not weights at all', 'is neither a zip archive nor a pickle'),
    (b'', 'is neither a zip archive nor a pickle'),
])
def test_a_file_that_is_no_weights_file_says_what_it_is(tmp_path, content, message):
    from ous_mm.models.utils.open_clip_builder import WeightsFileError
    path = tmp_path / 'weights.pth'
    path.write_bytes(content)
    with pytest.raises(WeightsFileError, match=re.escape(str(path)) + '.*' + message):
        _build_backbone(str(path))


def test_openai_archive_loads_through_torchscript_and_names_the_gelu_fix(tiny_openai_archive):
    import torch

    from ous_mm.models.utils.open_clip_builder import WeightsFileError, weights_file_kind
    assert weights_file_kind(tiny_openai_archive) == 'torchscript'
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(_build_backbone(tiny_openai_archive)(x)['feat'],
                           tiny_quickgelu_clip().visual(x))
    with pytest.raises(WeightsFileError) as err:
        _build_backbone(tiny_openai_archive, quick_gelu=False)
    assert ('is an OpenAI CLIP archive, trained with QuickGELU, but the custom open_clip model '
            '(model_cfg, quick_gelu=False) uses GELU: set model_cfg.quick_gelu=True') in str(
                err.value)


def test_weights_from_a_file_log_no_random_initialisation(tmp_path, caplog):
    """open_clip logs 'initialized randomly' for a model built without weights: not here."""
    import logging

    import open_clip
    import torch

    from ous_mm.models import build_open_clip
    path = str(tmp_path / 'vit-s-32.pth')
    torch.save(open_clip.create_model('ViT-S-32').state_dict(), path)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        build_open_clip('ViT-S-32', path)
    assert not [r for r in caplog.records if 'initialized randomly' in r.getMessage()]
    with caplog.at_level(logging.INFO):  # where it is true, open_clip still says so
        open_clip.create_model('ViT-S-32')
    assert [r for r in caplog.records if 'initialized randomly' in r.getMessage()]


@pytest.mark.parametrize('how', ['HF_HUB_OFFLINE', 'unreachable hub'])
def test_offline_the_weights_error_comes_at_once(tmp_path, monkeypatch, how):
    """No retries: open_clip's cache only, then the error with how to get the weights."""
    import time

    from huggingface_hub import constants

    from ous_mm.models import build_open_clip
    monkeypatch.setattr(constants, 'HF_HUB_CACHE', str(tmp_path / 'hf'))  # nothing cached
    if how == 'HF_HUB_OFFLINE':
        monkeypatch.setattr(constants, 'HF_HUB_OFFLINE', True)
    else:  # a host that does not resolve: what a machine without a network sees
        monkeypatch.setattr(constants, 'ENDPOINT', 'https://hub.invalid')
        for proxy in ('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'):
            monkeypatch.delenv(proxy, raising=False)
    start = time.time()
    with pytest.raises(RuntimeError, match="cannot get the 'openai' weights of 'ViT-B-32-"
                       "quickgelu' from open_clip \\(no network reaches the Hugging Face hub"):
        build_open_clip('ViT-B-32-quickgelu', 'openai')
    assert time.time() - start < 20  # open_clip's retries took about a minute
    assert not constants.HF_HUB_OFFLINE or how == 'HF_HUB_OFFLINE'  # restored


# ---- split files: extra columns, training lists that overlap the test split ----
def _dfew_split(root, folder: str, lines) -> str:
    path = osp.join(root, 'EmoLabel_DataSplit', folder, 'set_1.csv')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


@pytest.mark.parametrize('lines,message', [
    (['video_name,label,score', '{row},0.5'], ':1: expected the header "video_name,label"'),
    (['video_name,label', '{row},0.5'], ':2: expected "<video number>,<label 1-7>" (two columns)'),
])
def test_dfew_split_file_with_extra_columns_is_an_error(demo, tmp_path, lines, message):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    train = osp.join(root, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_1.csv')
    row = open(train).read().split('\n')[1]  # a training clip, with its label
    path = _dfew_split(root, 'train(single-labeled)', [line.format(row=row) for line in lines])
    with pytest.raises(ValueError, match=re.escape(path + message)):
        DFEWDataset(root, [], subset='train')
    _dfew_split(root, 'train(single-labeled)', ['video_name,label,', f'{row},'])  # empty cells
    assert len(DFEWDataset(root, [], subset='train', val_fraction=0)) == 1


def test_training_list_that_holds_test_clips_is_an_error(demo, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    split = osp.join(root, 'EmoLabel_DataSplit')
    train = osp.join(split, 'train(single-labeled)', 'set_1.csv')
    test = osp.join(split, 'test(single-labeled)', 'set_1.csv')
    test_rows = open(test).read().split('\n')[1:]
    with open(train, 'a') as f:  # every test clip in the training list too
        f.write('\n'.join(test_rows))
    n = len([r for r in test_rows if r])
    for subset in ('train', 'val'):
        with pytest.raises(ValueError, match=re.escape(f'{train}: {n} of its') +
                           '.* clips are in the test split ' + re.escape(test)):
            DFEWDataset(root, [], subset=subset)
    assert len(DFEWDataset(root, [], subset='train', allow_test_overlap=True))
    assert len(DFEWDataset(root, [], subset='test')) == n  # the test split itself is fine


def test_ferv39k_training_list_that_holds_test_clips_is_an_error(tmp_path):
    from ous_mm.datasets import FERV39kDataset
    split = tmp_path / '4_setups' / 'All_scenes'
    split.mkdir(parents=True)
    (split / 'train_All.csv').write_text('Action/Happy/0001 Happy\nCrime/Fear/0002 Fear\n')
    (split / 'test_All.csv').write_text('Crime/Fear/0002 Fear\n')
    for clip in ('Action/Happy/0001', 'Crime/Fear/0002'):
        (tmp_path / '0_7_LabelClips' / f'{clip}.mp4').parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / '0_7_LabelClips' / f'{clip}.mp4').write_bytes(b'')
    with pytest.raises(ValueError, match=r'train_All.csv: 1 of its 2 clips are in the test '
                       r'split .*test_All.csv too \(line 2 \(Crime/Fear/0002\)\)'):
        FERV39kDataset(str(tmp_path), [], subset='train')


# ---- writes: a full disk names the file; stale temporary files known by their lock ----
def test_a_failed_write_names_the_file_and_leaves_nothing(tmp_path):
    """The file size limit of a process (RLIMIT_FSIZE) fails the write as a full disk does."""
    target = tmp_path / 'epoch_3.pth'
    target.write_bytes(b'old')
    code = ('import resource, signal, sys\n'
            'from ous_mm.fileio import AtomicLocalBackend\n'
            'signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n'
            'resource.setrlimit(resource.RLIMIT_FSIZE, (10**5, 10**5))\n'
            'AtomicLocalBackend().put(b"x" * 10**6, sys.argv[1])\n')
    proc = run(['python', '-c', code, str(target)], check=False)
    assert proc.returncode != 0
    assert f'OSError: [Errno 27] File too large: cannot write {target}' in proc.stderr
    assert target.read_bytes() == b'old' and os.listdir(tmp_path) == ['epoch_3.pth']


def test_stale_temporary_files_are_known_by_their_lock_not_a_pid(tmp_path):
    """A killed writer's file goes, whatever pid it had; a live writer's (any pid) stays."""
    import signal

    from ous_mm.fileio import AtomicLocalBackend
    from ous_mm.fileio.locked_temp_file import create_locked_temp
    writers, temps = zip(*(locked_temp_writer(str(tmp_path / name))
                           for name in ('epoch_1.pth', 'epoch_2.pth')))
    writers[0].send_signal(signal.SIGKILL)  # killed mid-write: its lock is gone with it
    writers[0].wait()
    fd, mine = create_locked_temp(str(tmp_path / 'epoch_3.pth'))  # this process writes
    try:
        assert all(AtomicLocalBackend.TEMP_NAME.fullmatch(osp.basename(t))
                   for t in (*temps, mine))
        assert AtomicLocalBackend.remove_stale_temp_files(tmp_path) == [temps[0]]
        assert sorted(os.listdir(tmp_path)) == sorted(osp.basename(t) for t in (temps[1], mine))
    finally:
        os.close(fd)
        writers[1].kill()
        writers[1].wait()
    assert sorted(AtomicLocalBackend.remove_stale_temp_files(tmp_path)) == sorted(
        [temps[1], mine])


def test_atomic_path_removes_a_killed_runs_leftover_of_the_same_file(tmp_path):
    from ous_mm.fileio import atomic_path
    from ous_mm.fileio.locked_temp_file import create_locked_temp
    out = str(tmp_path / 'cm.png')
    fd, stale = create_locked_temp(str(tmp_path / 'cm'), '.png')
    os.close(fd)  # its writer is gone: nobody holds the lock
    fd, live = create_locked_temp(str(tmp_path / 'cm'), '.png')  # another writer, still at it
    try:
        with atomic_path(out) as tmp:
            assert tmp.endswith('.png') and osp.dirname(tmp) == str(tmp_path)
            with open(tmp, 'wb') as f:
                f.write(b'png')
        assert sorted(os.listdir(tmp_path)) == sorted(['cm.png', osp.basename(live)])
        with pytest.raises(RuntimeError), atomic_path(out) as tmp:
            open(tmp, 'wb').close()
            raise RuntimeError('the writer failed')
        assert open(out, 'rb').read() == b'png' and len(os.listdir(tmp_path)) == 2
    finally:
        os.close(fd)
    assert stale != live
