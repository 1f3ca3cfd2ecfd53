"""OUS components on tiny random open_clip models (CPU)."""
import math

import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import TINY, B, T, batch, model_cfg

init_default_scope('mmaction')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return MODELS.build(model_cfg())


def test_shapes_at_every_stage(model):
    inputs, samples = batch(model)
    assert inputs['face_imgs'].shape == (B, T, 3, 64, 64)
    enc = model.encode(inputs)
    assert enc['face'].shape == enc['scene'].shape == (B, T, 32)
    assert enc['early'].shape == (B, T, 128)  # [CLS, mean patch] of a 64-wide block
    feats = model.neck(enc['face'], enc['scene'], enc['early'])
    assert feats['face'].shape == feats['scene'].shape == feats['polarity'].shape == (B, 32)
    assert feats['tokens'].shape == (B, 1 + T + 1, 32)  # V_pol, V_ft frames, V_st
    assert feats['fused'].shape == (B, 32)
    assert torch.allclose(feats['fused'].norm(dim=-1), torch.ones(B), atol=1e-5)
    assert model.cls_head(feats['fused']).shape == (B, 7)
    assert model.polarity_head(feats['polarity']).shape == (B, 3)
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    model.train()
    assert len(preds) == B and preds[0].pred_score.shape == (7, )
    assert torch.allclose(preds[0].pred_score.sum(), torch.tensor(1.0), atol=1e-5)


def test_one_step_trains_everything_but_the_encoders(model):
    inputs, samples = batch(model)
    model.zero_grad()
    losses = model(inputs, samples, mode='loss')
    assert {'loss_contrast', 'loss_similarity', 'loss_polarity'} <= set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert trainable
    for name, p in trainable:
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    frozen = list(model.backbone.visual.parameters()) + list(
        model.cls_head.prompt_learner.text.parameters())
    assert frozen and all(not p.requires_grad and p.grad is None for p in frozen)
    assert not model.backbone.visual.training  # frozen encoder stays in eval mode


def test_mcfe_query_is_one_shared_parameter(model):
    mcfe = model.neck.mcfe
    names = [n for n, _ in model.named_parameters() if 'query' in n]
    assert names == ['neck.mcfe.query']
    assert len(mcfe.blocks) == 2 and all(
        not any('query' in n for n, _ in b.named_parameters()) for b in mcfe.blocks)
    # every block attends from the same queries: the gradient of each block reaches them
    seen = []
    for block in mcfe.blocks:
        block.attn.register_forward_hook(lambda m, args, out: seen.append(args[0]))
    mcfe(torch.randn(2, 5, 32))
    assert len(seen) == 2 and all(q.data_ptr() == seen[0].data_ptr() for q in seen)


def test_losses_equal_hand_computed_values(model):
    samples = [ActionDataSample().set_gt_label(1), ActionDataSample().set_gt_label(4)]
    fused = F.normalize(torch.tensor([[1.0] + [0.0] * 31, [0.0, 1.0] + [0.0] * 30]), dim=-1)
    face = torch.tensor([[1.0, 0.0] + [0.0] * 30, [1.0, 1.0] + [0.0] * 30])
    scene = torch.tensor([[1.0, 0.0] + [0.0] * 30, [1.0, 0.0] + [0.0] * 30])
    polarity = torch.zeros(2, 32)
    polarity[0, 0], polarity[1, 1] = 1.0, 2.0
    with torch.no_grad():
        model.polarity_head.fc.weight.zero_()
        model.polarity_head.fc.bias.copy_(torch.tensor([0.0, 1.0, 2.0]))
        model.polarity_head.fc.weight[0, 0] = 1.0  # polarity logits: [1, 1, 2] and [0, 1, 2]
    feats = dict(fused=fused, face=face, scene=scene, polarity=polarity)
    original = model.extract_feat
    model.extract_feat = lambda *a, **k: (feats, {})
    try:
        losses = model.loss({}, samples)
    finally:
        model.extract_feat = original
    # Eq. 2: 1 - cos; sample 1 is parallel (0), sample 2 at 45 degrees (1 - 1/sqrt 2)
    assert losses['loss_similarity'].item() == pytest.approx((1 - 1 / math.sqrt(2)) / 2, abs=1e-6)
    # Eq. 1: Sad (label 1) and Surprise (label 4) are negative (2) and positive (0)
    l1 = -math.log(math.exp(2) / (math.e + math.e + math.exp(2)))
    l2 = -math.log(1 / (1 + math.e + math.exp(2)))
    assert losses['loss_polarity'].item() == pytest.approx((l1 + l2) / 2, abs=1e-5)
    # L_contrast: cross-entropy of scale x cos(fused, class prompt)
    with torch.no_grad():
        text = model.cls_head.prompt_learner()
    scale = math.exp(model.cls_head.log_logit_scale.item())
    expect = 0.0
    for f, label in zip(fused, (1, 4)):
        logits = [scale * float(f @ t) for t in text]
        expect -= logits[label] - math.log(sum(math.exp(v) for v in logits))
    assert losses['loss_contrast'].item() == pytest.approx(expect / 2, rel=1e-4)
    # Eq. 3 (optional term): InfoNCE of scene i against every face j
    sim = [[float(F.cosine_similarity(s, f, dim=0)) / 0.07 for f in face] for s in scene]
    nce = -sum(sim[i][i] - math.log(sum(math.exp(v) for v in sim[i])) for i in range(2)) / 2
    infonce = MODELS.build(dict(type='InfoNCELoss', temperature=0.07, loss_weight=2.0))
    assert infonce(scene, face).item() == pytest.approx(2 * nce, rel=1e-5)


def test_loss_terms_are_built_from_their_configs():
    model = MODELS.build(model_cfg(
        similarity_loss=dict(type='CosineSimilarityLoss', loss_weight=0.5),
        infonce_loss=dict(type='InfoNCELoss', temperature=0.1),
        polarity_head=dict(loss_cls=dict(type='CrossEntropyLoss', loss_weight=3.0))))
    assert model.similarity_loss.loss_weight == 0.5 and model.infonce_loss.temperature == 0.1
    assert model.polarity_head.loss_cls.loss_weight == 3.0
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert {'loss_contrast', 'loss_similarity', 'loss_polarity', 'loss_infonce'} <= set(losses)
    without = MODELS.build(model_cfg(similarity_loss=None, polarity_head=None))
    assert set(k for k in without(*batch(without), mode='loss') if k.startswith('loss')) == {
        'loss_contrast'}
    with pytest.raises(ValueError, match='infonce_loss needs both streams'):
        MODELS.build(model_cfg(infonce_loss=dict(type='InfoNCELoss'), similarity_loss=None,
                               polarity_head=None, neck=dict(streams=('face', ),
                                                             use_polarity=False)))


@pytest.mark.parametrize('alpha,kept', [(0.0, True), (1e9, False)])
def test_alpha_switch(alpha, kept):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(alpha=alpha))
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert losses['alpha_gate'].item() == float(kept)
    for key in ('loss_similarity', 'loss_polarity'):
        assert (losses[key].item() > 0) == kept, key
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grad = model.polarity_head.fc.weight.grad
    assert (grad is not None and grad.abs().sum() > 0) == kept
    assert model.cls_head.prompt_learner.ctx.grad.abs().sum() > 0  # contrast always trains


@pytest.mark.parametrize('stream', ['face', 'scene'])
def test_single_stream_variants(stream):
    changes = dict(similarity_loss=None, neck=dict(streams=(stream, ), use_lstm=False))
    if stream == 'face':
        changes.update(polarity_head=None)
        changes['neck']['use_polarity'] = False
    model = MODELS.build(model_cfg(**changes))
    encoded = []
    model.backbone.register_forward_hook(lambda m, a, out: encoded.append(a[0].shape[0]))
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert 'loss_similarity' not in losses
    assert ('loss_polarity' in losses) == (stream == 'scene')
    assert encoded == [B * T]  # only this stream's frames went through the encoder
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert preds[0].pred_score.shape == (7, )


def test_wrong_class_count_is_refused():
    with pytest.raises(ValueError, match='num_classes=6 but the prompt learner has 7'):
        MODELS.build(model_cfg(cls_head=dict(num_classes=6)))


def _save_clip(path, **kwargs):
    torch.manual_seed(1)
    clip = (open_clip.create_model(kwargs['model_name']) if 'model_name' in kwargs else
            open_clip.CLIP(**kwargs['model_cfg'])).eval()
    torch.save(clip.state_dict(), path)
    return clip


def test_weights_from_local_file_and_checkpoints_without_them(tmp_path):
    path = str(tmp_path / 'tiny_clip.pt')
    clip = _save_clip(path, model_cfg=TINY)
    cfg = model_cfg(clip=dict(weights=path))  # both towers
    model = MODELS.build(cfg).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model.backbone(x)['feat'], clip.visual(x))
    text = model.cls_head.prompt_learner.text
    assert torch.equal(text.token_embedding.weight, clip.token_embedding.weight)

    state = model.state_dict()
    assert not any(k.startswith(('backbone.visual.', 'cls_head.prompt_learner.text.'))
                   for k in state)
    # each tower's fingerprint is the one a tower built alone from the file has (as each was
    # before the recognizer built one CLIP for both), so earlier checkpoints match
    alone = dict(
        backbone=MODELS.build(dict(type='FrozenCLIPVision', clip=cfg.clip, early_block=2)),
        prompt_learner=MODELS.build(dict(cfg.cls_head.prompt_learner, clip=cfg.clip)))
    for name, tower in alone.items():
        key = f'{"cls_head." if name == "prompt_learner" else ""}{name}.frozen_fingerprint'
        assert bytes(state[key].tolist()).hex() == tower.frozen_fingerprint, name
    torch.manual_seed(5)  # different random trainable weights
    other = MODELS.build(cfg).eval()
    other.load_state_dict(state, strict=True)  # frozen weights come from `weights`
    inputs, samples = batch(model)
    with torch.no_grad():
        a = model(inputs, samples, mode='predict')[0].pred_score
        b = other(inputs, samples, mode='predict')[0].pred_score
    assert torch.equal(a, b)


def test_named_model_weights_from_local_file(tmp_path):
    """A named open_clip model (as ViT-L-14 in the paper config) loads a saved state dict."""
    path = str(tmp_path / 'vit-s-32.pt')
    clip = _save_clip(path, model_name='ViT-S-32')
    backbone = MODELS.build(dict(type='FrozenCLIPVision',
                                 clip=dict(model_name='ViT-S-32', weights=path)))
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(backbone(x)['feat'], clip.visual(x))


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='neither a file nor an open_clip tag'):
        MODELS.build(dict(type='FrozenCLIPVision',
                          clip=dict(model_cfg=TINY, weights=str(tmp_path / 'nope.pt'))))


def test_prompt_learner_equals_clip_text_encoder(tmp_path):
    """With the context set to the word 'X', the learner reproduces CLIP's encode_text on the
    full 77-token prompts (it runs only up to the last [EOT]: exact for a causal encoder)."""
    path = str(tmp_path / 'clip.pt')
    clip = _save_clip(path, model_cfg=TINY)
    learner = MODELS.build(dict(type='CoOpPromptLearner', class_names=('Happy', 'Sad'), n_ctx=4,
                                clip=dict(model_cfg=TINY, weights=path))).eval()
    assert learner.tokens.shape[1] < TINY['text_cfg']['context_length']
    with torch.no_grad():
        word = clip.token_embedding(open_clip.tokenize(['X'], context_length=32)[0, 1:2])
        learner.ctx.copy_(word.expand(4, -1))
        tokens = open_clip.tokenize(['X X X X Happy.', 'X X X X Sad.'], context_length=32)
        ref = F.normalize(clip.encode_text(tokens), dim=-1)
        assert torch.allclose(learner(), ref, atol=1e-5)


# ---- one frozen CLIP for both towers ----

def _counting_clip_builds(monkeypatch) -> list:
    """Every open_clip CLIP model built from now on (open_clip's own constructor, counted)."""
    built = []
    init = open_clip.CLIP.__init__

    def counted(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(open_clip.CLIP, '__init__', counted)
    return built


@pytest.mark.parametrize('source', ['file', 'random'])
def test_the_recognizer_builds_one_clip_for_both_towers(monkeypatch, tmp_path, source):
    weights = 'random'
    if source == 'file':
        weights = str(tmp_path / 'clip.pt')
        _save_clip(weights, model_cfg=TINY)
    built = _counting_clip_builds(monkeypatch)
    model = MODELS.build(model_cfg(clip=dict(weights=weights)))
    assert len(built) == 1
    clip, text = built[0], model.cls_head.prompt_learner.text
    assert model.backbone.visual is clip.visual
    assert (text.token_embedding, text.transformer, text.ln_final) == (
        clip.token_embedding, clip.transformer, clip.ln_final)
    assert torch.equal(text.positional_embedding, clip.positional_embedding)
    assert torch.equal(text.text_projection, clip.text_projection)


def test_a_recognizer_without_clip_says_where_to_set_it():
    cfg = model_cfg()
    cfg.pop('clip')
    with pytest.raises(ValueError, match=r'needs the frozen CLIP of both towers: set model.clip'):
        MODELS.build(cfg)


def test_clip_settings_in_a_tower_of_the_recognizer_are_refused():
    """One place for the CLIP: an older config's backbone.weights says where it moved."""
    with pytest.raises(ValueError, match=r'model.backbone sets weights: OUSRecognizer builds one '
                       r'frozen CLIP.*model.clip.weights=FILE'):
        MODELS.build(model_cfg(backbone=dict(weights='random')))
    with pytest.raises(ValueError, match='model.cls_head.prompt_learner sets model_name, weights'):
        MODELS.build(model_cfg(cls_head=dict(prompt_learner=dict(model_name='ViT-B-32',
                                                                 weights='openai'))))


def _vision_keys(blocks: int) -> list:
    block = [f'{a}.{b}' for a, b in (
        ('attn', 'in_proj_bias'), ('attn', 'in_proj_weight'), ('attn', 'out_proj.bias'),
        ('attn', 'out_proj.weight'), ('ln_1', 'bias'), ('ln_1', 'weight'), ('ln_2', 'bias'),
        ('ln_2', 'weight'), ('mlp', 'c_fc.bias'), ('mlp', 'c_fc.weight'), ('mlp', 'c_proj.bias'),
        ('mlp', 'c_proj.weight'))]
    return [f'transformer.resblocks.{i}.{k}' for i in range(blocks) for k in block]


def test_random_towers_are_saved_under_the_keys_of_earlier_checkpoints():
    """The frozen towers' keys as ous-mm has always written them (random weights are saved),
    so checkpoints written before the CLIP was built once load."""
    torch.manual_seed(0)
    model = MODELS.build(model_cfg()).eval()
    state = model.state_dict()
    visual = ['class_embedding', 'conv1.weight', 'ln_post.bias', 'ln_post.weight', 'ln_pre.bias',
              'ln_pre.weight', 'positional_embedding', 'proj', *_vision_keys(4)]
    text = ['ln_final.bias', 'ln_final.weight', 'positional_embedding', 'text_projection',
            'token_embedding.weight', *_vision_keys(2)]
    assert sorted(k for k in state if k.startswith(('backbone.', 'cls_head.'))) == sorted(
        ['cls_head.log_logit_scale', 'cls_head.prompt_learner.ctx'] +
        [f'backbone.visual.{k}' for k in visual] +
        [f'cls_head.prompt_learner.text.{k}' for k in text])
    torch.manual_seed(1)  # another random CLIP: the checkpoint's towers replace it
    other = MODELS.build(model_cfg()).eval()
    other.load_state_dict(state, strict=True)
    inputs, samples = batch(model)
    with torch.no_grad():
        assert torch.equal(model(inputs, samples, mode='predict')[0].pred_score,
                           other(inputs, samples, mode='predict')[0].pred_score)


def test_early_features_are_the_early_blocks_output(model):
    """forward_intermediates gives what a forward hook on block ``early_block`` caught, and the
    blocks run by hand; the feature is the plain forward's."""
    backbone = model.backbone
    visual = backbone.visual
    blocks = visual.transformer.resblocks
    x = torch.randn(2, 3, 64, 64)
    caught = []
    hook = blocks[backbone.early_block - 1].register_forward_hook(
        lambda m, args, out: caught.append(out))
    try:
        with torch.no_grad():
            feat = visual(x)
    finally:
        hook.remove()
    out = backbone(x)
    tokens = caught[0]
    assert torch.equal(out['feat'], feat)
    assert torch.equal(out['early'], torch.cat([tokens[:, 0], tokens[:, 1:].mean(dim=1)], -1))
    with torch.no_grad():  # embedding, class token, positions, ln_pre, the first blocks
        h = visual.conv1(x).flatten(2).transpose(1, 2)
        h = torch.cat([visual.class_embedding.expand(len(x), 1, -1), h], dim=1)
        h = visual.ln_pre(h + visual.positional_embedding)
        for block in blocks[:backbone.early_block]:
            h = block(h)
    assert torch.allclose(tokens, h, atol=1e-6)


def test_frozen_clip_vision_in_a_stock_recognizer2d():
    """Alone, without early features, the backbone is a 2D backbone like MMAction2's."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='Recognizer2D',
        backbone=dict(type='FrozenCLIPVision', clip=dict(model_cfg=TINY, weights='random'),
                      early_block=None),
        cls_head=dict(type='TSNHead', num_classes=7, in_channels=32, spatial_type=None,
                      average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3,
                               std=[127.5] * 3, format_shape='NCHW')))
    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=[torch.randint(0, 255, (T, 3, 64, 64), generator=gen, dtype=torch.uint8)
                        for _ in range(2)],
                data_samples=[ActionDataSample().set_gt_label(label) for label in (0, 5)])
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1)))
    frozen, head = model.backbone.visual.proj.clone(), model.cls_head.fc_cls.weight.clone()
    losses = model.train_step(data, optim)
    assert torch.isfinite(losses['loss_cls'])
    assert torch.equal(model.backbone.visual.proj, frozen)
    assert not torch.equal(model.cls_head.fc_cls.weight, head)  # the head trained
    preds = model.test_step(data)
    assert len(preds) == 2 and preds[0].pred_score.shape == (7, )


def test_prompt_learner_shared_prefix_is_the_same_computation():
    """The packed prompts (shared [SOS] + context prefix, one sequence) give the separate
    prompts' text features and context gradients, for class names of different lengths; the
    prefix is shared, so a class's words may not see another class's."""
    names = ('Happy', 'very very sad', 'Neutral face', 'x')
    learners = []
    for shared in (False, True):
        torch.manual_seed(0)
        learners.append(MODELS.build(dict(type='CoOpPromptLearner', class_names=names, n_ctx=5,
                                          clip=dict(model_cfg=TINY, weights='random'),
                                          shared_prefix=shared)))
    separate, packed = learners
    packed.load_state_dict(separate.state_dict())  # random text weights are in the state
    assert len(packed.packed_tokens) == 1 + 5 + sum(  # prefix once, then each class's words
        int(t.argmax()) + 1 - 6 for t in separate.tokens) < separate.tokens.numel()
    features = [learner() for learner in learners]
    assert torch.allclose(*features, atol=1e-6)
    weights = torch.randn_like(features[0])
    for learner, feature in zip(learners, features):
        (feature * weights).sum().backward()
    # gradients up to about 20: float rounding differs by up to 2e-5 (torch 2.6 and 2.9)
    assert torch.allclose(separate.ctx.grad, packed.ctx.grad, atol=1e-4)
    assert packed.ctx.grad.abs().sum() > 0
    # one class's prompt alone, packed, gives that class's feature: no leak between classes
    alone = MODELS.build(dict(type='CoOpPromptLearner', class_names=names[1:2], n_ctx=5,
                              clip=dict(model_cfg=TINY, weights='random'), shared_prefix=True))
    alone.load_state_dict(separate.state_dict())
    assert torch.allclose(alone()[0], features[0][1], atol=1e-6)


def test_random_clip_is_drawn_from_its_seed_and_builds_without_its_image_tower(tmp_path):
    """Random weights come from ``seed`` (the same whatever the global seed, which they leave as
    it was; ``seed=None`` draws them from it), and a CLIP built without its image tower has the
    same text tower, from random weights and from a file, and no image weights."""
    from ous_mm.models.utils import build_open_clip
    from ous_mm.models.utils.open_clip_builder import NoImageTower

    def built(global_seed, **kwargs):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        clip = build_open_clip(weights=kwargs.pop('weights', 'random'), model_cfg=TINY, **kwargs)
        return clip, torch.equal(before, torch.get_rng_state())

    def same(a, b, text_only=False):
        keys = [k for k in a.state_dict() if not (text_only and k.startswith('visual.'))]
        return all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in keys)

    (full, untouched), (again, _) = built(1), built(2)
    assert untouched and same(full, again)
    assert not same(full, built(0, seed=7)[0])
    (legacy, untouched), (other, _) = built(1, seed=None), built(2, seed=None)
    assert not untouched and not same(legacy, other)
    for seed, reference in ((0, full), (None, legacy)):
        text, _ = built(1, seed=seed, image_tower=False)
        assert isinstance(text.visual, NoImageTower) and same(reference, text, text_only=True)
        assert not any(k.startswith('visual.') for k in text.state_dict())
    path = str(tmp_path / 'clip.pt')
    torch.save(legacy.state_dict(), path)
    text, _ = built(3, weights=path, image_tower=False)
    assert same(legacy, text, text_only=True) and not list(text.visual.parameters())
    with pytest.raises(RuntimeError, match='built without its image tower'):
        text.visual(torch.zeros(1, 3, 64, 64))
