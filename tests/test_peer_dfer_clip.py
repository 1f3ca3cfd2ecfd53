"""DFER-CLIP as ous-mm components: the paper-size model against the authors' own, the demo model
trains."""
import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import REPO

init_default_scope('mmaction')
PAPER = f'{REPO}/configs/dfer_clip/dfer-clip_vit-b32_1xb48-50e_dfew.py'
DEMO = f'{REPO}/configs/dfer_clip/dfer-clip_vit-tiny-random_1xb16-10e_demo.py'

# The authors' model, instantiated from their code (github.com/zengqunzhao/DFER-CLIP, commit
# d10d5a4310a60c477778a086a292b591ee50e2ce): models/clip/model.py `build_model` over a random
# state dict of ViT-B/32's shapes, models/Generate_Model.py `GenerateModel` with
# train_DFEW.sh's arguments (8 class-specific contexts, 1 temporal layer, the 7 descriptions of
# models/Text.py) and main.py lines 137-145's requires_grad rule, counted with
# `sum(p.numel() for p in model.parameters())`. (Their PromptLearner reads
# args.load_and_tune_prompt_learner, which main.py's parser never defines: set to 'False'.)
THEIR_TOTAL = 153_416_449  # the whole CLIP (151,277,313) + temporal net + contexts
THEIR_TRAINABLE = 89_988_352
THEIR_PARTS = dict(image_encoder=87_849_216, temporal_net=2_110_464, prompt_learner=28_672)


def numel(params) -> int:
    return sum(p.numel() for p in params)


def paper_model_cfg() -> dict:
    cfg = Config.fromfile(PAPER).model
    cfg.backbone.clip.weights = 'random'  # no weights offline; the shapes are what count
    cfg.cls_head.prompt_learner.clip.weights = 'random'
    return cfg


@pytest.fixture(scope='module')
def paper_model():
    return MODELS.build(paper_model_cfg())


def test_parameter_counts_equal_the_authors_model(paper_model):
    model = paper_model
    trainable = numel(p for p in model.parameters() if p.requires_grad)
    assert trainable == THEIR_TRAINABLE
    assert numel(model.backbone.parameters()) == THEIR_PARTS['image_encoder']
    assert numel(model.neck.parameters()) == THEIR_PARTS['temporal_net']
    learner = model.cls_head.prompt_learner
    assert learner.ctx.shape == (7, 8, 512)  # 8 contexts per class
    assert learner.ctx.numel() == THEIR_PARTS['prompt_learner']
    # the frozen text tower: CLIP's text parameters, its positional embedding and projection
    # held as buffers here; their CLIP also counts its logit scale (unused: a fixed 100)
    text = learner.text
    total = (numel(model.parameters()) + text.positional_embedding.numel() +
             text.text_projection.numel() + 1)
    assert total == THEIR_TOTAL
    assert not any(p.requires_grad for p in text.parameters())
    assert all(p.requires_grad for p in model.backbone.parameters())


def test_paper_model_settings(paper_model):
    model = paper_model
    assert model.cls_head.log_logit_scale.exp().item() == pytest.approx(100.0)  # x / 0.01
    assert not isinstance(model.cls_head.log_logit_scale, torch.nn.Parameter)
    assert len(model.neck.blocks) == 1
    assert model.neck.pos_embed.shape == (1, 17, 512)  # class token + 16 frames
    # the authors' input scaling: [0, 1], no mean/std
    assert model.data_preprocessor.mean.flatten().tolist() == [0.0] * 3
    assert model.data_preprocessor.std.flatten().tolist() == [255.0] * 3
    # their Attention: bias-free to_qkv (512 -> 1536), to_out with a bias; MLP 512 -> 1024
    shapes = sorted(tuple(p.shape) for p in model.neck.blocks[0].parameters() if p.dim() == 2)
    assert shapes == [(512, 512), (512, 1024), (1024, 512), (1536, 512)]
    # the descriptions follow each class's context
    learner = model.cls_head.prompt_learner
    tokens = learner.tokens[0].tolist()
    words = open_clip_tokenizer()('a smiling mouth, raised cheeks, wrinkled eyes, and arched '
                                  'eyebrows.')[0]
    words = words[1:int(words.argmax())].tolist()  # without [SOS] and [EOT]
    assert tokens[1 + 8:1 + 8 + len(words)] == words


def open_clip_tokenizer():
    import open_clip
    return open_clip.get_tokenizer('ViT-B-32-quickgelu')


def test_optimizer_has_the_authors_three_learning_rates(paper_model):
    cfg = Config.fromfile(PAPER)
    wrapper = build_optim_wrapper(paper_model, copy.deepcopy(cfg.optim_wrapper))
    lr_of = {}
    names = {id(p): n for n, p in paper_model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            lr_of[names[id(p)]] = group['lr']
        assert group['momentum'] == 0.9 and group['weight_decay'] == 1e-4
    assert type(wrapper.optimizer).__name__ == 'SGD'
    assert {lr_of[n] for n in names.values() if n.startswith('backbone.')} == {1e-5}
    assert {lr_of[n] for n in names.values() if n.startswith('neck.')} == {1e-2}
    assert lr_of['cls_head.prompt_learner.ctx'] == pytest.approx(1e-3)


@pytest.fixture(scope='module')
def demo_model():
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(DEMO).model)


def demo_batch(model, labels=(0, 3, 6), frames=8, size=112):
    gen = torch.Generator().manual_seed(0)
    data = dict(
        inputs=dict(face_imgs=[
            torch.randint(0, 255, (frames, 3, size, size), generator=gen, dtype=torch.uint8)
            for _ in labels]),
        data_samples=[ActionDataSample().set_gt_label(label) for label in labels])
    data = model.data_preprocessor(data, True)
    return data['inputs'], data['data_samples']


def test_demo_model_logits(demo_model):
    model = demo_model
    inputs, samples = demo_batch(model)
    assert inputs.shape == (3, 1, 3, 8, 112, 112)  # N x views x C x T x H x W
    feats, _ = model.extract_feat(inputs)
    assert feats.shape == (3, 64)
    assert torch.allclose(feats.norm(dim=-1), torch.ones(3), atol=1e-5)
    logits = model.cls_head(feats)
    assert logits.shape == (3, 7)
    assert float(logits.detach().abs().max()) <= 100.0 + 1e-3  # 100 x cosine
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    model.train()
    assert len(preds) == 3 and preds[0].pred_score.shape == (7, )
    # the backbone also encodes single frames, and names what it takes
    frames = inputs[:, 0, :, 0]  # N x C x H x W
    with torch.no_grad():
        assert model.backbone(frames).shape == (3, 64)
    with pytest.raises(ValueError, match='N x C x T x H x W clips'):
        model.backbone(frames[0])


def test_demo_model_trains_its_trainable_parts_only(demo_model):
    model = copy.deepcopy(demo_model)
    inputs, samples = demo_batch(model, labels=(1, 5), frames=4)
    optim = copy.deepcopy(Config.fromfile(DEMO).optim_wrapper)
    # the config's optimizer with its per-part learning rates, all 100 times smaller: a small
    # step along the gradients (the config's lr 1e-2 on two clips overshoots)
    optim.optimizer.lr /= 100
    wrapper = build_optim_wrapper(model, optim)
    wrapper.zero_grad()
    loss = model(inputs, samples, mode='loss')['loss_cls']
    loss.backward()
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
            assert p.grad.abs().sum() > 0, name
        else:
            assert p.grad is None, name
    text = model.cls_head.prompt_learner.text
    assert not any(p.requires_grad for p in text.parameters())
    frozen = {k: v.clone() for k, v in text.state_dict().items()}
    wrapper.step()
    with torch.no_grad():
        after = model(inputs, samples, mode='loss')['loss_cls']
    assert float(after) < float(loss)  # one small SGD step lowers this batch's loss
    assert all(torch.equal(v, text.state_dict()[k]) for k, v in frozen.items())


def test_class_specific_contexts_are_each_class_own():
    cfg = Config.fromfile(DEMO).model.cls_head.prompt_learner
    learner = MODELS.build(cfg)
    assert learner.ctx.shape == (7, 8, 128)
    before = learner().detach()
    with torch.no_grad():
        learner.ctx[2] += 1.0
    after = learner().detach()
    changed = (after - before).abs().sum(-1) > 1e-6
    assert changed.tolist() == [False, False, True, False, False, False, False]


def test_bad_settings_are_named():
    cfg = Config.fromfile(DEMO).model.cls_head.prompt_learner
    with pytest.raises(ValueError, match='one text per class'):
        MODELS.build(dict(cfg, class_texts=cfg.class_texts[:3]))
    with pytest.raises(ValueError, match='shared_prefix'):
        MODELS.build(dict(cfg, shared_prefix=True))
    neck = MODELS.build(dict(type='TemporalTransformerNeck', in_channels=16, num_frames=4,
                             num_heads=2, mlp_channels=32))
    with pytest.raises(ValueError, match='at most 4'):
        neck(torch.randn(1, 5, 16))
    with pytest.raises(ValueError, match='N x T x C'):
        neck(torch.randn(5, 16))
