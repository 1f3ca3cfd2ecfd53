"""The OUS recognizer: face and scene streams, one frozen CLIP, three losses."""
from typing import Dict, List, Optional, Union

import torch
from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS

from ..utils import build_open_clip

# what defines the frozen CLIP model (build_open_clip's arguments), and how it is handed on
CLIP_KEYS = ('model_name', 'weights', 'model_cfg', 'seed')
HANDED_KEYS = ('clip', 'clip_model')


@MODELS.register_module()
class OUSRecognizer(BaseRecognizer):
    """Overall Understanding of the Scene (Mai et al., AAAI 2025).

    ``inputs`` is a dict with ``face_imgs`` and/or ``scene_imgs``, each
    ``B x (V*T) x C x H x W`` (``V`` views of ``T`` frames, T the neck's
    ``num_frames``; V = 1 in training). Both streams go through the frozen backbone in ONE call.

    Losses (all ``loss_*``, so MMEngine sums and logs each), each built from
    its config like an MMAction2 head's ``loss_cls``: ``loss_contrast`` (the
    head's ``loss_cls`` over the prompt logits), ``loss_similarity``
    (``similarity_loss`` between the aligned face and scene features, Eq. 2),
    ``loss_polarity`` (the polarity head's ``loss_cls``, Eq. 1) and
    ``loss_infonce`` (``infonce_loss``, Eq. 3 as printed: scene against face
    over the batch). A term whose config is ``None`` is left out.

    The alpha switch (Eq. 4): when the batch's ``L_global`` (the sum of the
    terms, detached) is above ``alpha``, all terms train; at or below it
    only the contrastive loss does (the others are multiplied by 0 and the
    gate is logged as ``alpha_gate``). ``alpha=0`` always trains all terms.

    One frozen CLIP: ``clip`` is built once (``build_open_clip``), its image
    tower handed to the backbone and its text tower to the head's prompt
    learner (their ``clip`` and ``clip_model`` arguments), so one config key,
    ``model.clip.weights``, sets the weights of both.

    Args:
        backbone (dict): The frozen encoder (``FrozenCLIPVision``), without
            CLIP settings of its own; ``CachedFeatureEncoder`` for a model
            that reads cached features (the CLIP is then built without its
            image tower).
        neck (dict): ``MCFENeck``.
        cls_head (dict): ``PromptContrastiveHead``.
        clip (dict): The CLIP model: ``build_open_clip``'s arguments
            (``model_name``, ``weights``: a file, an open_clip tag or
            ``'random'``; ``model_cfg``; ``seed``, of random weights).
            Required (``None`` is an error that
            says so; an older config set them in ``backbone``).
        polarity_head (dict, optional): ``PolarityHead`` (with its
            ``loss_cls``), trained when the neck has the Polarity Encoder.
            ``None``: no polarity loss.
        similarity_loss (dict, optional): Loss between the aligned face and
            scene features (two streams only). Defaults to
            ``CosineSimilarityLoss``; ``None`` leaves it out.
        infonce_loss (dict, optional): Loss between the scene and face
            features of the batch, e.g. ``dict(type='InfoNCELoss')`` (two
            streams only). Defaults to None.
        alpha (float): Threshold of the alpha switch. Defaults to 0.
        scene_stride (int): Encode every ``scene_stride``-th scene frame only
            (the scene is averaged over time, Eq. 14); 1 encodes all. Defaults to 1.
        data_preprocessor (dict, optional): Preprocessor of both streams.
        train_cfg (dict, optional): Unused, as in MMAction2 recognizers.
        test_cfg (dict, optional): Unused, as in MMAction2 recognizers.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 cls_head: dict,
                 clip: Optional[dict] = None,
                 polarity_head: Optional[dict] = None,
                 similarity_loss: Optional[dict] = dict(type='CosineSimilarityLoss'),
                 infonce_loss: Optional[dict] = None,
                 alpha: float = 0.0,
                 scene_stride: int = 1,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None) -> None:
        # the frozen CLIP is built once, here: each tower's config gets its settings and the
        # built model (a whole open_clip model per tower would double the build's time and
        # peak memory)
        backbone, cls_head = dict(backbone), dict(cls_head)
        backbone_type = backbone['type']
        # a backbone that reads cached features runs no image tower: the CLIP is built without
        image_tower = getattr(backbone_type if isinstance(backbone_type, type) else
                              MODELS.get(backbone_type), 'takes_clip', True)
        towers = dict(backbone=backbone) if image_tower else {}
        if cls_head.get('prompt_learner') is not None:
            towers['cls_head.prompt_learner'] = cls_head['prompt_learner'] = dict(
                cls_head['prompt_learner'])
        where = ('model.clip = dict(model_name=..., weights=..., model_cfg=...) (e.g. '
                 '--cfg-options model.clip.weights=FILE)')
        for name, tower in towers.items():
            own = [k for k in CLIP_KEYS + HANDED_KEYS if k in tower]
            if own:
                raise ValueError(
                    f'model.{name} sets {", ".join(own)}: OUSRecognizer builds one frozen CLIP '
                    f'for both towers from {where}. Set it there and remove {", ".join(own)} '
                    f'from model.{name}')
        if clip is None:
            raise ValueError(f'OUSRecognizer needs the frozen CLIP of both towers: set {where}')
        shared = build_open_clip(**clip, image_tower=image_tower)
        for tower in towers.values():
            tower.update(clip=clip, clip_model=shared)
        super().__init__(backbone, cls_head=cls_head, neck=neck, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor)
        self.num_frames = self.neck.num_frames
        self.streams = self.neck.streams
        two_streams = len(self.streams) == 2
        if polarity_head is not None and not self.neck.use_polarity:
            raise ValueError('polarity_head needs the neck\'s Polarity Encoder '
                             '(neck.use_polarity=True); set polarity_head=None')
        if infonce_loss is not None and not two_streams:
            raise ValueError('infonce_loss needs both streams; set infonce_loss=None')
        self.polarity_head = MODELS.build(polarity_head) if polarity_head is not None else None
        if self.polarity_head is not None and \
                len(self.polarity_head.mapping) < self.cls_head.num_classes:
            raise ValueError(f'polarity_head.emotion_to_polarity covers '
                             f'{len(self.polarity_head.mapping)} classes and cls_head has '
                             f'{self.cls_head.num_classes}: give every class a polarity')
        # the alignment terms compare the two streams: nothing to align with one
        self.similarity_loss = (MODELS.build(similarity_loss) if similarity_loss is not None
                                and two_streams else None)
        self.infonce_loss = MODELS.build(infonce_loss) if infonce_loss is not None else None
        self.alpha = alpha
        if scene_stride < 1 or self.num_frames % scene_stride:
            raise ValueError(f'scene_stride={scene_stride} must divide num_frames='
                             f'{self.num_frames}')
        self.scene_stride = scene_stride

    def _views(self, imgs: torch.Tensor) -> torch.Tensor:
        """``B x (V*T) x C x H x W`` -> ``(B*V) x T x C x H x W``."""
        b, n = imgs.shape[:2]
        if n % self.num_frames:
            raise ValueError(f'{n} frames per sample is not a multiple of '
                             f'num_frames={self.num_frames}')
        return imgs.reshape(b * n // self.num_frames, self.num_frames, *imgs.shape[2:])

    def encode(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Run the frozen backbone once over every needed frame.

        With ``scene_stride = s``, only every s-th scene frame is encoded.
        Inputs that are already features (``face_feat``/``scene_feat``/
        ``early_feat`` from the feature cache) skip the encoder.

        Returns:
            dict: ``face`` (``clips x T x C``), ``scene`` (``clips x T/s x C``)
            and ``early`` (``clips x T/s x E``, scene frames).
        """
        if any(k.endswith('_feat') for k in inputs):
            return {k[:-len('_feat')]: v.float() for k, v in inputs.items()
                    if k.endswith('_feat')}
        clips = {}
        for stream in self.streams:
            key = f'{stream}_imgs'
            if key not in inputs:
                raise KeyError(f'the {stream} stream needs inputs[{key!r}]; add '
                               f'FaceSceneSplit and PackActionInputs(collect_keys=...) '
                               'to the pipeline')
            clips[stream] = self._views(inputs[key])
        if 'scene' in clips and self.scene_stride > 1:
            clips['scene'] = clips['scene'][:, ::self.scene_stride]
        frames = torch.cat([c.flatten(0, 1) for c in clips.values()])
        enc = self.backbone(frames)
        out, start = {}, 0
        for stream, clip in clips.items():
            n = clip.shape[0] * clip.shape[1]
            out[stream] = enc['feat'][start:start + n].reshape(*clip.shape[:2], -1)
            if stream == 'scene':
                out['early'] = enc['early'][start:start + n].reshape(*clip.shape[:2], -1)
            start += n
        return out

    def extract_feat(self,
                     inputs: Union[Dict[str, torch.Tensor], torch.Tensor],
                     stage: str = 'neck',
                     data_samples: Optional[List] = None,
                     test_mode: bool = False,
                     return_attn: bool = False) -> tuple:
        """Encoder features (``stage='backbone'``) or the neck's outputs.

        ``inputs`` may also be one tensor, ``N x (V*T) x C x H x W`` or
        ``N x V x T x C x H x W``, which then feeds every stream: what
        MMAction2's ``get_flops.py --shape V T C H W`` passes.
        """
        if isinstance(inputs, torch.Tensor):
            frames = inputs.reshape(inputs.shape[0], -1, *inputs.shape[-3:])
            inputs = {f'{stream}_imgs': frames for stream in self.streams}
        if torch.jit.is_tracing() and torch.backends.mha.get_fastpath_enabled():
            # FLOP counters trace the model, and nn.MultiheadAttention's fused inference
            # kernel is one op they cannot count: trace the unfused path (same result)
            torch.backends.mha.set_fastpath_enabled(False)
            try:
                return self.extract_feat(inputs, stage, data_samples, test_mode, return_attn)
            finally:
                torch.backends.mha.set_fastpath_enabled(True)
        enc = self.encode(inputs)
        if stage == 'backbone':
            return enc, dict()
        scene, early = enc.get('scene'), enc.get('early')
        if scene is not None and scene.shape[1] < self.num_frames:
            # fewer scene frames were encoded (scene_stride): each stands for the frames
            # around it, which keeps the frame-wise LSTM pairing and the means unchanged
            index = torch.arange(self.num_frames, device=scene.device) * scene.shape[1]
            index = torch.div(index, self.num_frames, rounding_mode='floor')
            scene = scene[:, index]
            early = early[:, index] if early is not None else None
        return self.neck(enc.get('face'), scene, early, return_attn=return_attn), dict()

    def loss(self, inputs: Dict[str, torch.Tensor], data_samples: List,
             **kwargs) -> Dict[str, torch.Tensor]:
        feats, _ = self.extract_feat(inputs, data_samples=data_samples)
        losses = self.cls_head.loss(feats['fused'], data_samples)
        losses['loss_contrast'] = losses.pop('loss_cls')
        extra = {}
        if self.similarity_loss is not None:
            extra['loss_similarity'] = self.similarity_loss(feats['face'], feats['scene'])
        if self.polarity_head is not None:
            pol = self.polarity_head.loss(feats['polarity'], data_samples)
            extra['loss_polarity'] = pol.pop('loss_polarity')
            losses.update(pol)
        if self.infonce_loss is not None:
            extra['loss_infonce'] = self.infonce_loss(feats['scene'], feats['face'])
        if extra:
            total = losses['loss_contrast'].detach() + sum(v.detach() for v in extra.values())
            gate = (total > self.alpha).float()
            losses.update({k: v * gate for k, v in extra.items()})
            losses['alpha_gate'] = gate
        return losses

    def predict(self, inputs: Dict[str, torch.Tensor], data_samples: List,
                **kwargs) -> List:
        feats, _ = self.extract_feat(inputs, data_samples=data_samples, test_mode=True)
        samples = self.cls_head.predict(feats['fused'], data_samples)
        if self.polarity_head is not None:
            polarity = self.polarity_head(feats['polarity']).softmax(-1)
            polarity = polarity.reshape(len(samples), -1, polarity.shape[-1]).mean(1)
            for sample, score in zip(samples, polarity):
                sample.set_field(score, 'pred_polarity')  # over polarity_head.polarity_names
        return samples

    def _forward(self, inputs: Dict[str, torch.Tensor], stage: str = 'neck', **kwargs):
        feats, _ = self.extract_feat(inputs, stage=stage)
        return feats
