"""CoOp prompt learning over the frozen CLIP text encoder (OUS Eq. 11)."""
from typing import Optional, Sequence

import open_clip
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ..utils import FrozenWeightsMixin, build_open_clip
from ..utils.open_clip_builder import DEFAULT_MODEL, RANDOM


@MODELS.register_module()
class CoOpPromptLearner(FrozenWeightsMixin, BaseModule):
    """Class text features from ``[V]_1 ... [V]_M [CLASS].`` prompts.

    The ``M`` context vectors are shared by all classes and learnt (CoOp,
    Zhou et al. 2022), or, with ``class_specific_ctx``, learnt for each class
    (CoOp's class-specific context, as DFER-CLIP uses it); the words after
    the context are ``<class name>.`` or, with ``class_texts``, a text per
    class (DFER-CLIP's descriptions). The CLIP text encoder is frozen and, like the vision
    encoder, left out of ``state_dict()`` (replaced by a fingerprint that
    loading checks) unless its weights are random. The text tower comes from
    ``clip`` (``build_open_clip``'s settings), built here, or already built
    as ``clip_model``: ``OUSRecognizer`` builds one CLIP from its ``clip``
    for this tower and the backbone's image tower.

    Args:
        class_names (Sequence[str]): Class names in label order.
        clip (dict): The CLIP model: ``build_open_clip``'s arguments
            (``model_name``, ``weights``, ``model_cfg``); also what picks the
            tokenizer (open_clip's for ``model_name``; CLIP's own for a
            ``model_cfg``).
        n_ctx (int): Number of context vectors ``M``. Defaults to 64 (the
            paper's best, Table 4).
        ctx_init_std (float): Std of the context vectors' normal init.
            Defaults to 0.02 (CoOp and the authors' code).
        save_weights (bool, optional): Write the frozen text encoder into
            checkpoints. ``None`` (default): only for ``weights='random'``,
            as random weights cannot be rebuilt from the config.
        clip_model (nn.Module, optional): The open_clip model already built
            from ``clip``, whose text tower this module takes (shared with a
            ``FrozenCLIPVision``). ``None`` (default) builds it.
        shared_prefix (bool): Encode the ``[SOS]`` + context prefix, which
            every class prompt shares, once: all classes' prompts are packed
            into one sequence ``[SOS] ctx words_1 [EOT] ... words_K [EOT]``
            under an attention mask that lets each class's tokens see the
            prefix and their own earlier tokens only. The text transformer
            is causal, so this is the same computation as K separate prompts
            (equal up to float rounding; a test) over ``1 + M + sum(words_k
            + 1)`` tokens instead of ``K x (1 + M + max words + 1)``: 39
            instead of 147 for the demo's 7 classes (M = 16), 87 instead of
            483 for the paper's (M = 64). Defaults to False (the separate
            prompts, with which the live configs' results were measured).
            Not with ``class_specific_ctx`` (no prefix is shared).
        class_specific_ctx (bool): One context of ``M`` vectors per class
            instead of one for all. Defaults to False.
        class_texts (Sequence[str], optional): The words after the context,
            one text per class in label order, taken as they are (e.g.
            ``'a smiling mouth, raised cheeks, ...'``). ``None`` (default):
            ``'<class name>.'``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 class_names: Sequence[str],
                 clip: dict,
                 n_ctx: int = 64,
                 ctx_init_std: float = 0.02,
                 save_weights: Optional[bool] = None,
                 clip_model: Optional[nn.Module] = None,
                 shared_prefix: bool = False,
                 class_specific_ctx: bool = False,
                 class_texts: Optional[Sequence[str]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not class_names:
            raise ValueError('CoOpPromptLearner needs class_names: set them to the dataset '
                             "config's `classes` (the dataset metainfo), in label order")
        self.weights = clip.get('weights')
        model_name = clip.get('model_name', DEFAULT_MODEL)
        custom = clip.get('model_cfg') is not None
        model = clip_model if clip_model is not None else build_open_clip(**clip)
        self.class_names = [str(n).replace('_', ' ') for n in class_names]
        if class_texts is not None and len(class_texts) != len(self.class_names):
            raise ValueError(f'{len(class_texts)} class_texts for {len(self.class_names)} '
                             f'classes {self.class_names}: give one text per class, in label '
                             'order')
        if shared_prefix and class_specific_ctx:
            raise ValueError('shared_prefix packs one context shared by all classes; with '
                             'class_specific_ctx=True set shared_prefix=False')
        context_length = model.positional_embedding.shape[0]
        tokenizer = (open_clip.SimpleTokenizer(context_length=context_length) if custom else
                     open_clip.get_tokenizer(model_name))
        texts = (list(class_texts) if class_texts is not None else
                 [f'{name}.' for name in self.class_names])
        prompts = [' '.join(['X'] * n_ctx) + f' {text}' for text in texts]
        tokens = tokenizer(prompts)
        if (tokens != 0).sum(-1).max() >= context_length:  # truncated by the tokenizer
            raise ValueError(f'n_ctx={n_ctx} plus the class {"texts" if class_texts else "names"}'
                             f' does not fit CLIP\'s context length {context_length}')
        # The text transformer is causal: positions after the longest prompt's [EOT] never
        # reach an [EOT] feature, so they are dropped (exact; 77 -> ~20 tokens for M = 16).
        used = int(tokens.argmax(dim=-1).max()) + 1  # [EOT] has the largest token id
        self.register_buffer('tokens', tokens[:, :used], persistent=False)
        self.shared_prefix = shared_prefix
        if shared_prefix:
            self._pack(tokens, n_ctx)

        self.text = nn.ModuleDict(
            dict(token_embedding=model.token_embedding, transformer=model.transformer,
                 ln_final=model.ln_final))
        self.text.register_buffer('positional_embedding', model.positional_embedding.data.clone())
        self.text.register_buffer('attn_mask', model.attn_mask, persistent=False)
        projection = model.text_projection
        if isinstance(projection, nn.Parameter):
            self.text.register_buffer('text_projection', projection.data.clone())
        else:
            self.text.projection = projection
        self.text.requires_grad_(False)
        self.logit_scale_init = float(model.logit_scale.detach().exp())
        width = model.token_embedding.embedding_dim
        shape = (len(texts), n_ctx, width) if class_specific_ctx else (n_ctx, width)
        self.ctx = nn.Parameter(torch.randn(shape) * ctx_init_std)
        self.n_ctx = n_ctx
        self.out_channels = (projection.shape[1] if isinstance(projection, nn.Parameter) else
                             projection.out_features)
        if save_weights is None:  # random weights cannot be rebuilt from the config
            save_weights = self.weights == RANDOM
        self.save_weights = save_weights
        self.track_frozen_weights('text', save_weights)

    def _pack(self, tokens: torch.Tensor, n_ctx: int) -> None:
        """Buffers of the packed sequence: its tokens, positions, [EOT]s and attention mask."""
        prefix = 1 + n_ctx  # [SOS] and the context
        eots = tokens.argmax(dim=-1).tolist()
        parts, positions, segment = [tokens[0, :prefix]], [torch.arange(prefix)], [-1] * prefix
        ends, length = [], prefix
        for k, eot in enumerate(eots):
            parts.append(tokens[k, prefix:eot + 1])
            positions.append(torch.arange(prefix, eot + 1))
            segment += [k] * (eot + 1 - prefix)
            length += eot + 1 - prefix
            ends.append(length - 1)
        segment = torch.tensor(segment)
        index = torch.arange(length)
        # causal, and a class's words see the shared prefix and their own class only
        allowed = (index[None] <= index[:, None]) & (
            (segment[None] == -1) | (segment[None] == segment[:, None]))
        mask = torch.zeros(length, length).masked_fill_(~allowed, float('-inf'))
        self.register_buffer('packed_tokens', torch.cat(parts), persistent=False)
        self.register_buffer('packed_positions', torch.cat(positions), persistent=False)
        self.register_buffer('packed_eot', torch.tensor(ends), persistent=False)
        self.register_buffer('packed_mask', mask, persistent=False)

    def train(self, mode: bool = True) -> 'CoOpPromptLearner':
        super().train(mode)
        self.text.eval()
        return self

    def forward(self) -> torch.Tensor:
        """Return the L2-normalised class text features, ``num_classes x out_channels``."""
        text = self.text
        if self.shared_prefix:
            return self._forward_packed()
        embed = text.token_embedding(self.tokens)
        ctx = self.ctx.to(embed.dtype)
        if ctx.dim() == 2:  # one context for all classes
            ctx = ctx.unsqueeze(0).expand(len(self.tokens), -1, -1)
        # [SOS] + learnt context replacing the 'X' placeholders + class words + [EOT]
        x = torch.cat([embed[:, :1], ctx, embed[:, 1 + self.n_ctx:]], dim=1)
        length = x.shape[1]
        x = x + text.positional_embedding[:length].to(x.dtype)
        x = text.transformer(x, attn_mask=text.attn_mask[:length, :length])
        x = text.ln_final(x)
        x = x[torch.arange(x.shape[0]), self.tokens.argmax(dim=-1)]
        return self._project(x)

    def _forward_packed(self) -> torch.Tensor:
        """``forward`` over the packed sequence (``shared_prefix``)."""
        text = self.text
        embed = text.token_embedding(self.packed_tokens)
        x = torch.cat([embed[:1], self.ctx.to(embed.dtype), embed[1 + self.n_ctx:]])[None]
        x = x + text.positional_embedding[self.packed_positions].to(x.dtype)
        x = text.transformer(x, attn_mask=self.packed_mask.to(x.dtype))
        return self._project(text.ln_final(x)[0, self.packed_eot])

    def _project(self, x: torch.Tensor) -> torch.Tensor:
        """[EOT] features -> L2-normalised text features."""
        text = self.text
        x = x @ text.text_projection if 'text_projection' in text._buffers else text.projection(x)
        return nn.functional.normalize(x, dim=-1)
