"""The cached configs' training step, ready for torch.compile and CUDA graphs: its forward and
losses are one graph, it reads nothing on the host, and compiled it computes what eager does."""
import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config

import ous_mm  # noqa: F401
from ous_mm.apis import load_config
from ous_mm.datasets.feature_cache_fingerprint import feature_shapes
from ous_mm.utils.step_timing import host_reads
from conftest import REPO

DEMO = f'{REPO}/configs/ous/ous_vit-tiny-random_1xb16-20e_demo.py'
CACHED = [f'{REPO}/configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py',
          f'{REPO}/configs/ous/ous_vit-l14_1xb16-60e_dfew-cached.py']


def build(config: str, seed: int = 0):
    torch.manual_seed(seed)
    cfg = load_config(config, dict(model=dict(clip=dict(weights='random'))))
    return MODELS.build(cfg.model).train(), cfg


@pytest.fixture(scope='module')
def cached():
    """The demo's cached model (random frozen weights), a batch of 4 random cached features of
    its shapes as the dataloader gives it, preprocessed, and the loss as the step runs it."""
    live, _ = build(DEMO)
    shapes = feature_shapes(live)
    model, cfg = build(CACHED[0])
    gen = torch.Generator().manual_seed(0)
    batch = dict(inputs={f'{k}_feat': [torch.randn(*s, generator=gen).half() for _ in range(4)]
                         for k, s in shapes.items() if k != 'frames'},
                 data_samples=[ActionDataSample().set_gt_label(i) for i in (0, 3, 6, 2)])
    data = model.data_preprocessor(batch, True)

    def loss(model, inputs, data_samples):
        return model(inputs, data_samples, mode='loss')

    return model, cfg, data, loss


def test_cached_forward_and_losses_are_one_graph(cached):
    """Dynamo captures the forward and all losses (LSTM, prompts, top-k accuracy, polarity
    labels, alpha gate) in one graph: no break that a CUDA graph would stop at."""
    model, _, data, loss = cached
    torch._dynamo.reset()
    explained = torch._dynamo.explain(loss)(model, data['inputs'], data['data_samples'])
    assert explained.graph_break_count == 0, [b.reason for b in explained.break_reasons]
    assert explained.graph_count == 1


def test_cached_step_reads_nothing_on_the_host(cached):
    """Forward, losses, the logged values and backward: no tensor value read on the host (the
    logger reads them after the step). The counter does see one."""
    model, _, data, loss = cached

    def step():
        total, log_vars = model.parse_losses(loss(model, data['inputs'], data['data_samples']))
        total.backward()
        assert all(isinstance(v, torch.Tensor) for v in log_vars.values())

    assert host_reads(step) == 0
    assert host_reads(lambda: torch.ones(2).sum().item()) == 1
    model.zero_grad()


def test_compiled_step_equals_eager(cached):
    """``torch.compile(fullgraph=True)`` of the forward and losses (AOT autograd's graphs,
    forward and backward): the same losses and gradients as eager, within float tolerance."""
    model, _, data, loss = cached
    compiled_model = copy.deepcopy(model)
    torch._dynamo.reset()
    compiled = torch.compile(loss, fullgraph=True, backend='aot_eager')
    eager_losses = loss(model, data['inputs'], data['data_samples'])
    compiled_losses = compiled(compiled_model, data['inputs'], data['data_samples'])
    assert eager_losses.keys() == compiled_losses.keys()
    for key, value in eager_losses.items():
        torch.testing.assert_close(compiled_losses[key], value, rtol=1e-5, atol=1e-6)
    model.parse_losses(eager_losses)[0].backward()
    compiled_model.parse_losses(compiled_losses)[0].backward()
    grads = {n: p.grad for n, p in compiled_model.named_parameters() if p.requires_grad}
    assert any(g is not None for g in grads.values())
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert (param.grad is None) == (grads[name] is None), name
            if param.grad is not None:
                # float rounding differs in the fused LSTM's backward and in its cell's
                scale = float(param.grad.abs().max())
                torch.testing.assert_close(grads[name], param.grad, rtol=1e-3, atol=1e-4 * scale,
                                           msg=lambda m, n=name: f'{n}: {m}')
    model.zero_grad()


@pytest.mark.slow
def test_inductor_compiled_step_equals_eager(cached):
    """The same through TorchInductor (the default backend, as ``compile=dict(...)`` runs it):
    minutes of compilation on this CPU."""
    model, _, data, loss = cached
    compiled_model = copy.deepcopy(model)
    torch._dynamo.reset()
    compiled = torch.compile(loss, fullgraph=True)
    eager_losses = loss(model, data['inputs'], data['data_samples'])
    compiled_losses = compiled(compiled_model, data['inputs'], data['data_samples'])
    for key, value in eager_losses.items():
        torch.testing.assert_close(compiled_losses[key], value, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('config', CACHED)
def test_cached_configs_name_the_compile_switch(config):
    """The cached configs leave compilation off and document MMEngine's switch
    (``compile=dict(mode='reduce-overhead')``), which the Runner hands to torch.compile."""
    assert Config.fromfile(config).get('compile') is None
    with open(config) as f:
        assert "compile.mode=reduce-overhead" in f.read()


def test_top_k_accuracy_as_tensors_equals_mmaction2s(cached):
    """The head's top-k accuracies, computed as tensors, equal MMAction2's NumPy ones."""
    from mmaction.evaluation import top_k_accuracy
    head = cached[0].cls_head
    gen = torch.Generator().manual_seed(1)
    scores = torch.randn(32, head.num_classes, generator=gen)
    labels = torch.randint(0, head.num_classes, (32, ), generator=gen)
    samples = [ActionDataSample().set_gt_label(int(i)) for i in labels]
    topk, head.topk = head.topk, (1, 3)
    try:
        losses = head.loss_by_feat(scores, samples)
    finally:
        head.topk = topk
    expected = top_k_accuracy(scores.numpy(), labels.numpy(), (1, 3))
    assert [float(losses['top1_acc']), float(losses['top3_acc'])] == pytest.approx(expected)
    assert float(losses['loss_cls']) == pytest.approx(
        float(torch.nn.functional.cross_entropy(scores, labels)), rel=1e-6)


def test_polarity_mapping_must_cover_every_class():
    """A label without a polarity is refused when the model is built (not read on the host in
    every step)."""
    cfg = load_config(CACHED[0], dict(model=dict(clip=dict(weights='random'))))
    cfg.model.polarity_head.emotion_to_polarity = [0, 1, 2]
    with pytest.raises(ValueError, match='covers 3 classes and cls_head has 7'):
        MODELS.build(cfg.model)
