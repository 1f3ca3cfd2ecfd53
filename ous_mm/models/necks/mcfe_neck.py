"""Everything between the frozen encoder and the classifier: OUS's trainable core."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule

STREAMS = ('face', 'scene')


@MODELS.register_module()
class MCFENeck(BaseModule):
    """Temporal parts, alignment, Polarity Encoder and MCFE fusion.

    Per clip (OUS, "Other Detail of Network Architecture"):

    1. LSTM early fusion (Eq. 13): run per frame over the two-step sequence
       ``[face_t, scene_t]`` with a residual, as in the authors' code (it mixes
       the streams; the Frames Encoder models time).
    2. Face: Frames Encoder over T -> ``V_ft``. Scene: mean over frames ->
       ``V_st`` (Eq. 14).
    3. Alignment: a temporal Conv1d + Linear on the face tokens, a Linear on
       the scene feature; their pooled outputs feed the similarity loss (Eq. 2).
    4. Polarity Encoder over the scene's early-block features -> ``V_pol``.
    5. MCFE over ``[V_pol, V_ft tokens, V_st]`` (or their average with
       ``fusion='avgpool'``, Table 3), mean over query tokens, a Linear to the
       text width, L2 normalisation.

    With one stream (``streams=('face',)`` or ``('scene',)``) the LSTM,
    alignment pair and (face-only) polarity parts are left out.

    Args:
        in_channels (int): Width of the frozen encoder's frame feature.
        early_channels (int): Width of the pooled early-block feature.
        out_channels (int): Width of the fused feature (the text feature width).
        num_frames (int): Frames per clip ``T``.
        streams (Sequence[str]): ``('face', 'scene')``, ``('face',)`` or
            ``('scene',)``. Defaults to both.
        use_lstm (bool): Early LSTM fusion. Defaults to True.
        use_polarity (bool): Polarity Encoder token in the fusion. Defaults to True.
        fusion (str): ``'mcfe'`` or ``'avgpool'``. Defaults to ``'mcfe'``.
        frames_encoder (dict): Config of the Frames Encoder (``dims`` and
            ``num_frames`` are filled in).
        polarity_encoder (dict): Config of the Polarity Encoder (widths filled in).
        mcfe (dict): Config of MCFE (``dims`` filled in).
        align_kernel (int): Kernel size of the face alignment Conv1d. Defaults to 3.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 early_channels: int,
                 out_channels: int,
                 num_frames: int,
                 streams: Sequence[str] = STREAMS,
                 use_lstm: bool = True,
                 use_polarity: bool = True,
                 fusion: str = 'mcfe',
                 frames_encoder: dict = dict(type='FramesEncoder'),
                 polarity_encoder: dict = dict(type='PolarityEncoder'),
                 mcfe: dict = dict(type='MCFE'),
                 align_kernel: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.streams = tuple(streams)
        if not self.streams or any(s not in STREAMS for s in self.streams):
            raise ValueError(f'streams must be a non-empty subset of {STREAMS}, got {streams}')
        if fusion not in ('mcfe', 'avgpool'):
            raise ValueError(f"fusion must be 'mcfe' or 'avgpool', got {fusion!r}")
        if use_polarity and 'scene' not in self.streams:
            raise ValueError('use_polarity needs the scene stream (polarity comes from the scene)')
        self.use_lstm = use_lstm and len(self.streams) == 2
        self.use_polarity = use_polarity
        self.fusion = fusion
        self.num_frames = num_frames
        dims = in_channels
        if self.use_lstm:
            self.lstm = nn.LSTM(dims, dims, num_layers=1, batch_first=True)
            # its parameters themselves (a plain list: not registered twice), for the compiled
            # path, which must not touch the module (Dynamo refuses to trace nn.LSTM)
            self._lstm_weights = [self.lstm.weight_ih_l0, self.lstm.weight_hh_l0,
                                  self.lstm.bias_ih_l0, self.lstm.bias_hh_l0]
        if 'face' in self.streams:
            self.frames_encoder = MODELS.build(
                dict(frames_encoder, dims=dims, num_frames=num_frames))
            self.face_align_conv = nn.Conv1d(dims, dims, align_kernel, padding=align_kernel // 2)
            self.face_align_fc = nn.Linear(dims, dims)
        if 'scene' in self.streams:
            self.scene_align_fc = nn.Linear(dims, dims)
        if use_polarity:
            self.polarity_encoder = MODELS.build(
                dict(polarity_encoder, in_channels=early_channels, out_channels=dims))
        if fusion == 'mcfe':
            self.mcfe = MODELS.build(dict(mcfe, dims=dims))
        self.proj = nn.Linear(dims, out_channels)

    def _lstm(self, pairs: torch.Tensor) -> torch.Tensor:
        """``self.lstm``'s outputs over ``N x 2 x C`` (face, scene) pairs.

        Under ``torch.compile`` the LSTM runs as its cell over the two steps
        (``torch.lstm_cell`` with the module's own weights: the same function),
        because Dynamo does not trace ``nn.LSTM`` and breaks the graph there;
        eager keeps the fused kernel.
        """
        if not torch.compiler.is_compiling():
            return self.lstm(pairs)[0]
        weights = self._lstm_weights
        state = (pairs.new_zeros(pairs.shape[0], weights[1].shape[1]),) * 2
        outputs = []
        for step in pairs.unbind(dim=1):
            state = torch.lstm_cell(step, state, *weights)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1)

    def forward(self,
                face: Optional[torch.Tensor] = None,
                scene: Optional[torch.Tensor] = None,
                early: Optional[torch.Tensor] = None,
                return_attn: bool = False) -> Dict[str, torch.Tensor]:
        """Fuse per-frame features of one batch of clips.

        Args:
            face (torch.Tensor, optional): ``B x T x C`` face frame features.
            scene (torch.Tensor, optional): ``B x T x C`` scene frame features.
            early (torch.Tensor, optional): ``B x T x E`` early-block scene features.
            return_attn (bool): Also return MCFE block 1's attention map.

        Returns:
            dict: ``fused`` (``B x out_channels``, L2-normalised); ``face`` and
            ``scene`` (``B x C`` aligned stream features) and ``polarity``
            (``B x C``) where present; ``tokens`` (the MCFE inputs); ``attn``
            when asked.
        """
        out = {}
        if self.use_lstm:
            b, t, c = face.shape
            pairs = torch.stack([face, scene], dim=2).reshape(b * t, 2, c)
            mixed = pairs + self._lstm(pairs)
            face, scene = mixed.reshape(b, t, 2, c).unbind(dim=2)
        tokens = []
        if self.use_polarity:
            out['polarity'] = self.polarity_encoder(early)
            tokens.append(out['polarity'][:, None])
        if 'face' in self.streams:
            v_ft = self.frames_encoder(face)
            v_ft = self.face_align_conv(v_ft.transpose(1, 2)).transpose(1, 2)
            v_ft = self.face_align_fc(v_ft)
            out['face'] = v_ft.mean(dim=1)
            tokens.append(v_ft)
        if 'scene' in self.streams:
            out['scene'] = self.scene_align_fc(scene.mean(dim=1))
            tokens.append(out['scene'][:, None])
        tokens = torch.cat(tokens, dim=1)
        out['tokens'] = tokens
        if self.fusion == 'mcfe':
            fused = self.mcfe(tokens, return_attn=return_attn)
            if return_attn:
                fused, out['attn'] = fused
            fused = fused.mean(dim=1)
        else:
            fused = tokens.mean(dim=1)
        out['fused'] = F.normalize(self.proj(fused), dim=-1)
        return out
