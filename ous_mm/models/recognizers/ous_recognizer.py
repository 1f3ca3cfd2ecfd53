"""The OUS recognizer: face and scene streams, one frozen encoder, three losses."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS

# what defines the frozen CLIP model (see build_open_clip)
CLIP_KEYS = ('model_name', 'weights', 'model_cfg')


@MODELS.register_module()
class OUSRecognizer(BaseRecognizer):
    """Overall Understanding of the Scene (Mai et al., AAAI 2025).

    ``inputs`` is a dict with ``face_imgs`` and/or ``scene_imgs``, each
    ``B x (V*T) x C x H x W`` (``V`` views of ``T`` frames, T the neck's
    ``num_frames``; V = 1 in training). Both streams go through the frozen backbone in ONE call.

    Losses (all ``loss_*``, so MMEngine sums and logs each):
    ``loss_contrast`` (cross-entropy over the prompt logits),
    ``loss_similarity`` = 1 - cos(face, scene) (Eq. 2), ``loss_polarity``
    (Eq. 1) and, with ``infonce_weight > 0``, ``loss_infonce`` (Eq. 3 as
    printed: scene-to-face InfoNCE over the batch).

    The alpha switch (Eq. 4): when the batch's ``L_global`` (the sum of the
    terms, detached) is above ``alpha``, all terms train; at or below it
    only the contrastive loss does (the others are multiplied by 0 and the
    gate is logged as ``alpha_gate``). ``alpha=0`` always trains all terms.

    Args:
        backbone (dict): The frozen encoder (``FrozenCLIPVision``); its
            ``model_name``, ``weights`` and ``model_cfg`` are also the prompt
            learner's unless ``cls_head.prompt_learner`` sets them.
        neck (dict): ``MCFENeck``.
        cls_head (dict): ``PromptContrastiveHead``.
        polarity_head (dict, optional): ``PolarityHead``; needed when the
            neck uses polarity and ``use_polarity_loss`` is set.
        alpha (float): Threshold of the alpha switch. Defaults to 0.
        use_similarity_loss (bool): Defaults to True.
        use_polarity_loss (bool): Defaults to True.
        similarity_weight (float): Weight of ``loss_similarity``. Defaults to 1.
        infonce_weight (float): Weight of ``loss_infonce``. Defaults to 0.
        infonce_temperature (float): ``tau`` of Eq. 3. Defaults to 0.07.
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
                 polarity_head: Optional[dict] = None,
                 alpha: float = 0.0,
                 use_similarity_loss: bool = True,
                 use_polarity_loss: bool = True,
                 similarity_weight: float = 1.0,
                 infonce_weight: float = 0.0,
                 infonce_temperature: float = 0.07,
                 scene_stride: int = 1,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None) -> None:
        # one source for the frozen CLIP: the prompt learner's text tower comes from the same
        # model and weights as the backbone unless its config says otherwise
        cls_head = copy.deepcopy(cls_head)
        learner = cls_head.get('prompt_learner')
        if learner is not None:
            for key in CLIP_KEYS:
                if key in backbone:
                    learner.setdefault(key, backbone[key])
        super().__init__(backbone, cls_head=cls_head, neck=neck, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor)
        self.num_frames = self.neck.num_frames
        self.streams = self.neck.streams
        two_streams = len(self.streams) == 2
        self.use_similarity_loss = use_similarity_loss and two_streams
        self.use_polarity_loss = use_polarity_loss and self.neck.use_polarity
        self.polarity_head = MODELS.build(polarity_head) if (
            polarity_head is not None and self.neck.use_polarity) else None
        if self.use_polarity_loss and self.polarity_head is None:
            raise ValueError('use_polarity_loss needs a polarity_head config')
        if infonce_weight and not two_streams:
            raise ValueError('the InfoNCE term needs both streams')
        self.alpha = alpha
        self.similarity_weight = similarity_weight
        self.infonce_weight = infonce_weight
        self.infonce_temperature = infonce_temperature
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
                     inputs: Dict[str, torch.Tensor],
                     stage: str = 'neck',
                     data_samples: Optional[List] = None,
                     test_mode: bool = False,
                     return_attn: bool = False) -> tuple:
        """Encoder features (``stage='backbone'``) or the neck's outputs."""
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
        if self.use_similarity_loss:
            cos = F.cosine_similarity(feats['face'], feats['scene'], dim=-1)
            extra['loss_similarity'] = self.similarity_weight * (1 - cos).mean()
        if self.use_polarity_loss:
            pol = self.polarity_head.loss(feats['polarity'], data_samples)
            extra['loss_polarity'] = pol.pop('loss_polarity')
            losses.update(pol)
        if self.infonce_weight:
            extra['loss_infonce'] = self.infonce_weight * self.infonce(
                feats['scene'], feats['face'])
        if extra:
            total = losses['loss_contrast'].detach() + sum(v.detach() for v in extra.values())
            gate = (total > self.alpha).float()
            losses.update({k: v * gate for k, v in extra.items()})
            losses['alpha_gate'] = gate
        return losses

    def infonce(self, scene: torch.Tensor, face: torch.Tensor) -> torch.Tensor:
        """Eq. 3: each scene feature against every face feature of the batch."""
        sim = F.normalize(scene, dim=-1) @ F.normalize(face, dim=-1).t()
        target = torch.arange(sim.shape[0], device=sim.device)
        return F.cross_entropy(sim / self.infonce_temperature, target)

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
