"""The real path: the paper configs build the paper's model, the releases' layouts feed it,
and MMAction2's own inference API gives exactly the trained model on any video."""
import glob
import logging
import os
import os.path as osp
import pickle
import re

import cv2
import numpy as np
import open_clip
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.apis import parse_cfg_options, run_test, run_train
from ous_mm.testing import make_demo_dataset, write_video
from conftest import DEMO_CONFIG, REPO
from conftest import TINY_QUICKGELU as TINY
from conftest import (config_pipeline, demo_options, openai_archive, random_retinanet_face_detector,
                      run, run_here, tiny_quickgelu_clip)

init_default_scope('mmaction')
PAPER_CONFIGS = ['configs/ous_dfew.py', 'configs/ous_ferv39k.py']


def test_paper_configs_build_openai_vit_l14_with_quickgelu_in_both_towers():
    for path in PAPER_CONFIGS:
        cfg = Config.fromfile(osp.join(REPO, path))
        assert cfg.model.clip.model_name == 'ViT-L-14-quickgelu'
        assert cfg.model.clip.weights == 'openai'
        assert open_clip.get_model_config('ViT-L-14-quickgelu')['quick_gelu']
        assert open_clip.get_pretrained_cfg('ViT-L-14-quickgelu', 'openai')['quick_gelu']
    # the whole paper model, random weights by name (no file here), as MMEngine builds it
    cfg.model.clip.weights = 'random'
    model = MODELS.build(cfg.model)
    towers = (model.backbone.visual, model.cls_head.prompt_learner.text)  # one CLIP's
    for tower in towers:
        acts = {type(m).__name__ for m in tower.modules() if 'GELU' in type(m).__name__}
        assert acts == {'QuickGELU'}
    assert model.backbone.visual.transformer.width == 1024 and model.num_frames == 16


def test_quickgelu_weights_from_a_state_dict_file_give_identical_features(tmp_path):
    clip = tiny_quickgelu_clip()
    path = str(tmp_path / 'tiny-quickgelu.pth')
    torch.save(clip.state_dict(), path)
    backbone = MODELS.build(dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights=path),
                                 early_block=1))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(backbone(x)['feat'], clip.visual(x))
    assert type(backbone.visual.transformer.resblocks[0].mlp.gelu).__name__ == 'QuickGELU'
    learner = MODELS.build(dict(type='CoOpPromptLearner', class_names=['a', 'b'], n_ctx=2,
                                clip=dict(model_cfg=TINY, weights=path)))
    assert torch.equal(learner.text.token_embedding.weight, clip.token_embedding.weight)


def test_openai_released_archive_loads_through_the_config_path(tmp_path):
    clip = tiny_quickgelu_clip()
    path = str(tmp_path / 'ViT-tiny.pt')
    openai_archive(clip, path)
    backbone = MODELS.build(dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights=path),
                                 early_block=1))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(backbone(x)['feat'], clip.visual(x))
    with pytest.raises(ValueError, match='OpenAI CLIP archive, trained with QuickGELU'):
        MODELS.build(dict(type='FrozenCLIPVision', early_block=1,
                          clip=dict(model_cfg=dict(TINY, quick_gelu=False), weights=path)))


def test_weights_that_do_not_match_the_activation_are_refused():
    with pytest.raises(ValueError, match="trained with QuickGELU.*'ViT-L-14-quickgelu'"):
        ous_mm.models.build_open_clip('ViT-L-14', 'openai')


def test_paper_config_without_weights_fails_saying_how_to_get_them(tmp_path):
    """Offline and with nothing cached, building the paper model is an error with the fix."""
    proc = run(['python', 'tools/train.py', 'configs/ous_dfew.py', '--work-dir',
                str(tmp_path / 'w')], check=False,
               env=dict(HF_HUB_OFFLINE='1', HF_HOME=str(tmp_path / 'hf'),
                        XDG_CACHE_HOME=str(tmp_path / 'cache')))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "cannot get the 'openai' weights of 'ViT-L-14-quickgelu'" in out
    assert ("torch.save(open_clip.create_model('ViT-L-14-quickgelu', pretrained='openai')"
            ".state_dict()" in out)
    assert 'model.clip.weights' in out


def test_no_config_but_the_demo_and_test_ones_has_a_random_frozen_encoder():
    seen = 0
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)):
        if '_base_' in path or f'{osp.sep}benchmarks{osp.sep}' in path:  # table specs
            continue
        model = Config.fromfile(path).model
        if model.type != 'OUSRecognizer':
            continue
        seen += 1
        name = osp.basename(path)
        assert (model.clip.weights == 'random') == ('demo' in name), (name, model.clip)
    assert seen >= 20


def test_a_checkpoint_refuses_a_model_built_with_other_frozen_weights(tmp_path):
    a, b = str(tmp_path / 'a.pth'), str(tmp_path / 'b.pth')
    torch.save(tiny_quickgelu_clip(1).state_dict(), a)
    torch.save(tiny_quickgelu_clip(2).state_dict(), b)
    state = MODELS.build(dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights=a),
                              early_block=1)).state_dict()
    assert set(state) == {'frozen_fingerprint'}  # the weights stay out, their fingerprint in
    same = MODELS.build(dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights=a),
                             early_block=1))
    same.load_state_dict(state)
    other = MODELS.build(dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights=b),
                              early_block=1))
    with pytest.raises(RuntimeError, match='trained with frozen weights .* built with'):
        other.load_state_dict(state)


# ---- the releases' layouts ----

def _ramp_video(path: str, n: int, channel: int) -> None:
    """n frames of 96 x 128 whose colour `channel` rises with the frame index."""
    frames = []
    for t in range(n):
        frame = np.zeros((96, 128, 3), np.uint8)
        frame[..., channel] = 40 + 10 * t
        frames.append(frame)
    write_video(path, frames)


def _crops(folder: str, n: int) -> None:
    """n grey face crops named 1.jpg ... n.jpg (not zero-padded), grey level 10 x index."""
    os.makedirs(folder)
    for k in range(1, n + 1):
        cv2.imwrite(osp.join(folder, f'{k}.jpg'), np.full((50, 50, 3), 10 * k, np.uint8))


def _dfew_release(root: str) -> None:
    for name in ('00001', '00002'):
        _ramp_video(osp.join(root, 'Clip', 'original', name + '.mp4'), 20, channel=2)
        _crops(osp.join(root, 'Clip', 'clip_224x224', name), 20)
    for split, rows in (('train', '00001,1\n00002,5\n'), ('test', '2,5\n')):
        folder = osp.join(root, 'EmoLabel_DataSplit', f'{split}(single-labeled)')
        os.makedirs(folder)
        with open(osp.join(folder, 'set_1.csv'), 'w') as f:
            f.write('video_name,label\n' + rows)


def _ferv39k_release(root: str) -> None:
    for clip in ('Action/Happy/0001', 'Crime/Fear/0002'):
        _ramp_video(osp.join(root, '0_7_LabelClips', clip + '.mp4'), 20, channel=2)
        _crops(osp.join(root, '2_ClipsforFaceCrop', clip), 20)
    folder = osp.join(root, '4_setups', 'All_scenes')
    os.makedirs(folder)
    for split in ('train', 'test'):
        with open(osp.join(folder, f'{split}_All.csv'), 'w') as f:
            f.write('Action/Happy/0001 Happy\nCrime/Fear/0002 Fear\n')


@pytest.mark.parametrize('config,make', [('configs/ous_dfew.py', _dfew_release),
                                         ('configs/ous_ferv39k.py', _ferv39k_release)])
def test_paper_configs_read_release_crops_for_the_face_and_the_clip_for_the_scene(
        config, make, tmp_path):
    make(str(tmp_path))
    cfg = Config.fromfile(osp.join(REPO, config))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(tmp_path)))
    item = dataset[len(dataset) - 1]
    face = item['inputs']['face_imgs'].numpy()
    scene = item['inputs']['scene_imgs'].numpy()
    assert face.shape == scene.shape == (16, 3, 224, 224)
    # face stream: the grey crops, in their natural order (1, 2, ..., 20, not 1, 10, 11, ...)
    grey = face[:, :, 112, 112].astype(int)
    assert (np.abs(grey[:, 0] - grey[:, 2]) <= 3).all()
    assert (np.diff(grey[:, 0]) > 0).all() and grey[0, 0] <= 25 and grey[-1, 0] >= 185
    # scene stream: the whole-scene clip, its blue ramp, no grey crop in it
    assert (scene[:, 0, 112, 112] < 10).all() and (np.diff(scene[:, 2, 112, 112]) > 0).all()
    assert item['data_samples'].metainfo['filename'].endswith('.mp4')


def test_a_clip_without_release_crops_is_named(tmp_path):
    _dfew_release(str(tmp_path))
    import shutil
    shutil.rmtree(tmp_path / 'Clip' / 'clip_224x224' / '00002')
    cfg = Config.fromfile(osp.join(REPO, 'configs/ous_dfew.py'))
    with pytest.raises(FileNotFoundError, match=r'set_1.csv:2: face crops .*00002 are missing'):
        DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(tmp_path)))


# ---- faces found online, inside the pipeline ----

def _online_pipeline(detector: dict) -> list:
    return config_pipeline('ous_demo.py', 4, 64, detector=detector)[:-1]  # no packing


@pytest.mark.parametrize('detector', ['opencv', 'mmdet'])
def test_faces_found_online_in_the_pipeline(detector, tmp_path):
    from mmcv.transforms import Compose
    from skimage import data as skdata
    face = cv2.resize(skdata.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    write_video(str(tmp_path / 'face.mp4'), [face] * 6)
    cfg = (dict(type='OpenCVHaarFaceDetector') if detector == 'opencv' else
           dict(type='MMDetFaceDetector', config=random_retinanet_face_detector(),
                score_thr=0.0))
    out = Compose(_online_pipeline(cfg))(dict(filename=str(tmp_path / 'face.mp4'),
                                              start_index=0, modality='RGB'))
    assert out['face_detected_online'] and out['face_imgs'].shape == (4, 3, 64, 64)
    found = out['face_boxes'][out['frame_inds']]
    assert np.isfinite(found).all() and not out['face_fallback']
    if detector == 'opencv':  # the astronaut's face (docs/stack.md), at 256 px
        assert np.allclose(found[0, :4], np.array([177, 66, 272, 161]) / 2, atol=8)


def test_the_paper_configs_test_pipeline_takes_a_new_video_as_inference_recognizer_does(
        tmp_path):
    """No released crops and no cached boxes: the detector finds the face, both streams come."""
    from mmengine.dataset import Compose
    from skimage import data as skdata
    face = cv2.resize(skdata.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    video = write_video(str(tmp_path / 'new.mp4'), [face] * 20)
    cfg = Config.fromfile(osp.join(REPO, 'configs/ous_dfew.py'))
    assert [t['type'] for t in cfg.test_pipeline][3] == 'LoadReleasedFaceCrops'
    # what mmaction.apis.inference_recognizer hands the config's test_pipeline
    item = Compose(cfg.test_pipeline)(dict(filename=video, label=-1, start_index=0,
                                           modality='RGB'))
    meta = item['data_samples'].metainfo
    assert meta['face_detected_online'] and not meta['face_fallback']
    assert item['inputs']['face_imgs'].shape == item['inputs']['scene_imgs'].shape == (
        16, 3, 224, 224)


def test_a_video_without_a_face_follows_the_documented_fallback(tmp_path):
    from mmcv.transforms import Compose
    rng = np.random.default_rng(0)
    write_video(str(tmp_path / 'noise.mp4'),
                [rng.integers(0, 40, (96, 128, 3), dtype=np.uint8) for _ in range(6)])
    out = Compose(_online_pipeline(dict(type='OpenCVHaarFaceDetector')))(
        dict(filename=str(tmp_path / 'noise.mp4'), start_index=0, modality='RGB'))
    # no face in any sampled frame: the centre crop, counted as a fallback
    assert out['face_fallback'] and out['face_missing'] == 4
    assert out['face_imgs'].shape == (4, 3, 64, 64)


# ---- MMAction2's inference API on a trained model whose frozen weights come from a file ----

@pytest.fixture(scope='module')
def trained(tmp_path_factory, safe_loading):
    tmp = tmp_path_factory.mktemp('real_use')
    root = str(tmp / 'demo')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=3)
    clip_cfg = Config.fromfile(DEMO_CONFIG).tiny_clip.model_cfg.to_dict()
    torch.manual_seed(4)
    weights = str(tmp / 'clip.pth')
    torch.save(open_clip.CLIP(**clip_cfg).state_dict(), weights)
    options = demo_options(root, f'model.clip.weights={weights}', 'train_cfg.max_epochs=1',
                           workers=0)
    work = str(tmp / 'work')
    run_train(DEMO_CONFIG, work, cfg_options=parse_cfg_options(options[1:]))
    ckpt = osp.join(work, 'epoch_1.pth')
    assert 'backbone.visual.conv1.weight' not in torch.load(ckpt)['state_dict']
    # a new video in no face-box cache, as a one-clip DFEW test split for a test run
    from ous_mm.testing.demo_dataset import _clip
    frames, _ = _clip(np.random.default_rng(9), 4, 24, 96)
    new = str(tmp / 'new')
    write_video(osp.join(new, 'Clip', 'original', '00001.mp4'), frames)
    for split in ('train', 'test'):
        folder = osp.join(new, 'EmoLabel_DataSplit', f'{split}(single-labeled)')
        os.makedirs(folder)
        with open(osp.join(folder, 'set_1.csv'), 'w') as f:
            f.write('video_name,label\n1,5\n')
    return dict(weights=weights, ckpt=ckpt, options=options, new=new,
                video=osp.join(new, 'Clip', 'original', '00001.mp4'), tmp=tmp)


def test_init_recognizer_and_inference_recognizer_equal_tools_test(trained):
    """tools/test.py's run (its Runner, in this process: ous_mm.apis.run_test) and MMAction2's
    inference API give the same scores."""
    from mmaction.apis import inference_recognizer, init_recognizer
    dump = str(trained['tmp'] / 'new.pkl')
    run_test(DEMO_CONFIG, trained['ckpt'], str(trained['tmp'] / 'test'), dump=dump,
             cfg_options=parse_cfg_options(
                 trained['options'][1:] + [f'test_dataloader.dataset.data_root={trained["new"]}']))
    with open(dump, 'rb') as f:
        dumped = pickle.load(f)  # written by this test's own run
    assert len(dumped) == 1 and dumped[0]['filename'] == trained['video']

    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.clip.weights = trained['weights']
    model = init_recognizer(cfg, trained['ckpt'], device='cpu')
    result = inference_recognizer(model, trained['video'])
    assert torch.allclose(result.pred_score, dumped[0]['pred_score'], atol=1e-6)
    assert result.metainfo['face_detected_online']  # the new video is in no cache

    # the same model with another frozen encoder is refused, not silently wrong
    cfg.model.clip.weights = 'random'
    with pytest.raises(RuntimeError, match='trained with frozen weights'):
        init_recognizer(cfg, trained['ckpt'], device='cpu')


def test_the_readme_inference_snippet_runs(trained, tmp_path, capsys):
    readme = open(osp.join(REPO, 'README.md')).read()
    section = readme[readme.index('### Inference from Python'):]
    code = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    rng = np.random.default_rng(0)
    faceless = write_video(str(tmp_path / 'noise.mp4'),
                           [rng.integers(0, 40, (96, 128, 3), dtype=np.uint8) for _ in range(20)])
    cached = str(trained['tmp'] / 'demo' / 'Clip' / 'original' / '00001.mp4')  # faces known
    for video in (cached, faceless):
        values = dict(config=DEMO_CONFIG, checkpoint=trained['ckpt'], video=video,
                      weights=trained['weights'], device='cpu')
        snippet = code
        for name, value in values.items():  # the snippet's settings, pointed at test files
            snippet, n = re.subn(rf'^{name} = .*$', f'{name} = {value!r}', snippet, flags=re.M)
            assert n == 1, name
        exec(compile(snippet, 'README.md', 'exec'), {})
        out = capsys.readouterr().out
        if video == faceless:  # no face: said so, no emotion printed
            assert 'no face found: no emotion to report' in out
            assert not re.search(r'^(Happy|Sad|Neutral|Angry|Surprise|Disgust|Fear)\s', out,
                                 re.M)
        else:
            assert re.search(r'^(Happy|Sad|Neutral|Angry|Surprise|Disgust|Fear)\s+0\.\d+', out,
                             re.M)


def test_a_cached_clip_gets_the_same_faces_and_scores_as_in_tools_test(trained):
    """inference_recognizer finds the clip's face-box cache file from the video's path."""
    from mmaction.apis import inference_recognizer, init_recognizer
    dump = str(trained['tmp'] / 'cached.pkl')
    run_test(DEMO_CONFIG, trained['ckpt'], str(trained['tmp'] / 'test_cached'), dump=dump,
             cfg_options=parse_cfg_options(trained['options'][1:]))
    with open(dump, 'rb') as f:
        dumped = pickle.load(f)  # written by this test's own run
    assert not any(d['face_detected_online'] for d in dumped)  # all from the cache
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.clip.weights = trained['weights']
    model = init_recognizer(cfg, trained['ckpt'], device='cpu')
    for entry in dumped[:3]:
        result = inference_recognizer(model, entry['filename'])
        assert not result.face_detected_online and result.face_found
        assert torch.allclose(result.pred_score, entry['pred_score'], atol=1e-6)
    # the same video copied out of the dataset is a new video: its faces are detected online
    copy = str(trained['tmp'] / 'copy' / osp.basename(dumped[0]['filename']))
    os.makedirs(osp.dirname(copy), exist_ok=True)
    import shutil
    shutil.copy(dumped[0]['filename'], copy)
    assert inference_recognizer(model, copy).face_detected_online


def test_inference_recognizer_on_a_faceless_video_flags_it_and_warns(trained, tmp_path):
    from mmaction.apis import inference_recognizer, init_recognizer
    from mmengine.logging import MMLogger
    rng = np.random.default_rng(1)
    video = write_video(str(tmp_path / 'dark.mp4'),
                        [rng.integers(0, 30, (96, 128, 3), dtype=np.uint8) for _ in range(12)])
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.clip.weights = trained['weights']
    model = init_recognizer(cfg, trained['ckpt'], device='cpu')
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        result = inference_recognizer(model, video)
    finally:
        logger.removeHandler(handler)
    assert result.face_found is False and result.face_fallback
    assert any(f'no face found in the 8 sampled frames of {video}' in r for r in records)


def _avi_with_a_damaged_tail(path: str, frames: list, damaged: int) -> str:
    """An MJPEG AVI whose last `damaged` frames hold no JPEG data: decord counts every frame
    but cannot decode those (OpenCV stops before them)."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 8, frames[0].shape[1::-1])
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    data = bytearray(open(path, 'rb').read())
    starts = [m.start() for m in re.finditer(b'\xff\xd8\xff', bytes(data))]
    assert len(starts) == len(frames)
    for start in starts[-damaged:]:
        end = data.index(b'\xff\xd9', start) + 2
        data[start:end] = bytes(end - start)
    open(path, 'wb').write(bytes(data))
    return path


def test_demo_on_a_video_with_an_undecodable_tail_keeps_its_output(trained, tmp_path, capsys):
    from ous_mm.testing.demo_dataset import _clip
    rng = np.random.default_rng(5)
    frames = [f for label in range(6) for f in _clip(rng, label, 16, 96)[0]]  # 12 s at 8 fps
    video = _avi_with_a_damaged_tail(str(tmp_path / 'cut.avi'), frames, damaged=6)
    out = str(tmp_path / 'annotated.mp4')
    capsys.readouterr()
    run_here('tools/demo.py', video, DEMO_CONFIG, trained['ckpt'], '--out', out,
             *trained['options'])
    stdout = capsys.readouterr().out
    assert '96 frames at 8.0 fps, 11 windows' in stdout
    warning = re.search(r'WARNING: .*cut.avi: frames from (\d+) of 96 cannot be decoded .*'
                        r'annotated copy holds frames 0-(\d+) and the summary the (\d+) of 11 '
                        r'windows', stdout)
    assert warning, stdout
    # frames 90-95 are damaged: the window 80-96 cannot be recognised, the frames before
    # the damage are all in the copy
    assert warning.groups() == ('90', '89', '10')
    assert re.search(r'top emotions over the \d+ of 10 windows|no face found in any', stdout)
    import decord
    copy = decord.VideoReader(out)
    assert len(copy) == 90 and copy[0].shape == (96, 96, 3)


@pytest.mark.parametrize('live, cached', [
    ('configs/ous_dfew.py', 'configs/ous/ous_vit-l14_1xb16-60e_dfew-cached.py'),
    ('configs/ous_ferv39k.py', 'configs/ous/ous_vit-l14_1xb16-60e_ferv39k-cached.py')])
def test_a_paper_model_trained_from_the_cache_loads_into_its_live_config(live, cached):
    """The paper's cached configs build the live model but for the data preprocessor and the
    frozen image encoder, which they neither build nor load (the fingerprint of its weights
    stands for it), so their checkpoints load (strict) into the live config that
    init_recognizer and tools/test.py use on videos, if that has the same frozen weights (a
    small stand-in CLIP here)."""
    # early block 4; the paper's 64 context tokens + class names need CLIP's 77 positions; the
    # heads take ViT-L's 768-wide joint embedding
    stand_in = dict(TINY, embed_dim=768, vision_cfg=dict(TINY['vision_cfg'], layers=4),
                    text_cfg=dict(TINY['text_cfg'], context_length=77))
    models = []
    for path in (live, cached):
        cfg = Config.fromfile(osp.join(REPO, path))
        cfg.model.clip.update(weights='random', model_cfg=stand_in)
        torch.manual_seed(0)
        models.append(MODELS.build(cfg.model))
    live_model, cached_model = models
    # both encode the class prompts packed
    assert live_model.cls_head.prompt_learner.shared_prefix
    assert cached_model.cls_head.prompt_learner.shared_prefix
    # frames in live, cached features in from the cache
    assert set(live_model.data_preprocessor.preprocessors) == {'face_imgs', 'scene_imgs'}
    assert set(cached_model.data_preprocessor.preprocessors) == {
        'face_feat', 'scene_feat', 'early_feat'}
    # the cached model holds no image tower: not as its backbone, not inside its CLIP
    image_tower = sum(p.numel() for p in live_model.backbone.parameters())
    assert image_tower > 0 and not list(cached_model.backbone.parameters())
    assert not [n for n, _ in cached_model.named_modules() if n.endswith('visual')]
    assert (sum(p.numel() for p in live_model.parameters())
            - sum(p.numel() for p in cached_model.parameters())) == image_tower
    # what FeatureCacheCheckHook sets from the cache this live model extracted
    cached_model.backbone.frozen_fingerprint = live_model.backbone.frozen_fingerprint
    state = {k: v for k, v in cached_model.state_dict().items()
             if not k.startswith('data_preprocessor.')}
    live_keys = {k for k in live_model.state_dict() if not k.startswith('data_preprocessor.')}
    # the random frozen weights: the image tower's are the live model's own (checked by their
    # fingerprint), the text tower's travel in the checkpoint
    assert set(state) - live_keys == {'backbone.frozen_fingerprint'}
    assert {k for k in live_keys - set(state)} == {
        k for k in live_keys if k.startswith('backbone.visual.')}
    live_model.load_state_dict(dict(state, **{
        k: v for k, v in live_model.state_dict().items() if k.startswith('data_preprocessor.')}))
    for key, value in state.items():
        if key != 'backbone.frozen_fingerprint':
            assert torch.equal(live_model.state_dict()[key], value), key
    # a live model with other frozen image weights refuses the checkpoint
    cfg = Config.fromfile(osp.join(REPO, live))
    cfg.model.clip.update(weights='random', model_cfg=stand_in, seed=1)
    other = MODELS.build(cfg.model)
    with pytest.raises(RuntimeError, match='the checkpoint was trained with frozen weights'):
        other.load_state_dict(state, strict=False)
