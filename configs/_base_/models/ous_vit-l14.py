# OUS (Mai et al., AAAI 2025) with a frozen CLIP ViT-L/14. Paper values where it gives them;
# sizes from the authors' code (docs/design.md) or ous-mm's choice where it is silent, each with
# why.
clip_mean = [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255]  # CLIP's preprocessing
clip_std = [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255]

model = dict(
    type='OUSRecognizer',
    # alpha: about a quarter of L_global at initialisation (1 + ln 3 + ln 7 = 4.1), so the
    # alignment and polarity terms train until they have largely converged, then only
    # L_contrast does (Eq. 4; the paper gives no value).
    alpha=1.0,
    similarity_loss=dict(type='CosineSimilarityLoss', loss_weight=1.0),  # Eq. 2
    # Eq. 3 as printed (scene-face InfoNCE over the batch) is an optional extra term, off by
    # default: infonce_loss=dict(type='InfoNCELoss', temperature=0.07, loss_weight=1.0)
    # "The weights we use are from ViT-L/14": OpenAI's CLIP ViT-L/14, trained with QuickGELU,
    # built once for both frozen towers (the backbone's image tower, the prompt learner's text
    # tower). `weights`: open_clip's tag (downloaded once into open_clip's cache) or, offline, a
    # local file: model.clip.weights=checkpoints/ViT-L-14-quickgelu_openai.pth
    # (docs/en/user_guides/prepare_datasets.md, "The CLIP weights")
    clip=dict(model_name='ViT-L-14-quickgelu', weights='openai'),
    backbone=dict(type='FrozenCLIPVision', early_block=4),  # "first four layers"
    neck=dict(
        type='MCFENeck',
        in_channels=768,  # ViT-L/14 projected feature
        early_channels=2048,  # [CLS, mean patch] of a 1024-wide block
        out_channels=768,  # text feature width
        # num_frames: the leaf config's, the same T as its pipelines sample
        streams=('face', 'scene'),
        use_lstm=True,  # one layer, hidden = input, residual (authors' code)
        use_polarity=True,
        fusion='mcfe',
        # 12 pre-LN blocks, 8 heads, MLP x4 (authors' code)
        frames_encoder=dict(type='FramesEncoder', num_layers=12, num_heads=8, mlp_ratio=4.0),
        polarity_encoder=dict(type='PolarityEncoder'),  # MLP per frame + mean (paper silent)
        mcfe=dict(
            type='MCFE',
            num_blocks=12,  # Table 4's best
            num_queries=8,  # paper silent: a few query tokens, averaged into the output
            num_heads=8,
            mlp_ratio=4.0,
            query_mean=0.0,  # N(mu, sigma^2) init (Eq. 6); paper gives no values:
            query_std=0.02,  # ViT/CoOp-style small-noise init
            residual=True)),  # see MCFE: 12 post-normalised blocks train poorly without it
    cls_head=dict(
        type='PromptContrastiveHead',
        num_classes=7,
        in_channels=768,
        prompt_learner=dict(
            type='CoOpPromptLearner',
            class_names=None,  # the dataset config's `classes` (see configs/ous_dfew.py)
            n_ctx=64,  # M = 64 (Table 4's best); its text tower: model.clip's
            # the [SOS] + context prefix, which every class prompt shares, encoded once: the
            # same function (the text encoder is causal), 87 tokens a step instead of 483
            shared_prefix=True),
        logit_scale='clip',  # CLIP's own scale, frozen (authors' code)
        learnable_scale=False,
        average_clips='prob',
        topk=(1, )),
    polarity_head=dict(
        type='PolarityHead',
        in_channels=768,
        # emotion_to_polarity: the default, ous_mm.datasets.DFER_POLARITY (one entry per class
        # of ous-mm's class order, with the reasons: Happy, Surprise -> positive; Neutral ->
        # neutral; the other nine -> negative); set it here to use another mapping
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0)),  # Eq. 1
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            face_imgs=dict(type='ActionDataPreprocessor', mean=clip_mean, std=clip_std,
                           format_shape='NCHW'),
            scene_imgs=dict(type='ActionDataPreprocessor', mean=clip_mean, std=clip_std,
                            format_shape='NCHW'))))
