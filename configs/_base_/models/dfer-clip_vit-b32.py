# DFER-CLIP (Zhao & Patras, "Prompting Visual-Language Models for Dynamic Facial Expression
# Recognition", BMVC 2023), rebuilt from the authors' code: github.com/zengqunzhao/DFER-CLIP at
# commit d10d5a4310a60c477778a086a292b591ee50e2ce (files and lines named at each setting; the
# hyper-parameters are those of train_DFEW.sh, the same in train_FERV39k.sh and train_MAFW.sh).
# Face crops only (no scene stream): MMAction2's Recognizer3D over the face stream of ous-mm's
# data path. Trainable: the image encoder, the temporal transformer and the class-specific
# prompt contexts (main.py lines 137-145); the text encoder is frozen.

# The class descriptions, the text after each class's learnable context (train_DFEW.sh line 18,
# --text-type 'class_descriptor'), in ous-mm's class order (DFEW's, which is also theirs: Text.py
# lines 2-10). Copied from models/Text.py lines 20-28 (7 classes) and 57-69 (11, MAFW) of the
# repository above; written by Zengqun Zhao, "Copyright (c) 2023 Zengqun Zhao", released under
# the MIT License (the repository's LICENSE), which permits this reuse with that notice.
class_descriptions_7 = [
    'a smiling mouth, raised cheeks, wrinkled eyes, and arched eyebrows.',
    'tears, a downward turned mouth, drooping upper eyelids, and a wrinkled forehead.',
    'relaxed facial muscles, a straight mouth, a smooth forehead, and unremarkable eyebrows.',
    'furrowed eyebrows, narrow eyes, tightened lips, and flared nostrils.',
    'widened eyes, an open mouth, raised eyebrows, and a frozen expression.',
    'a wrinkled nose, lowered eyebrows, a tightened mouth, and narrow eyes.',
    'raised eyebrows, parted lips, a furrowed brow, and a retracted chin.',
]
class_descriptions_11 = class_descriptions_7 + [
    'one side of its mouth raised, one eyebrow lower and one raised, narrowed eyes, and a raised '
    'chin.',
    'a tensed forehead, tightly pressed lips, pupil dilation, and tensed facial muscles.',
    'drooping eyebrows, a downward gaze, a downturned mouth, and lacking expression.',
    'a downturned mouth, lowered eyebrows, narrowed eyes, and a sighing face.',
]

# CLIP ViT-B/32 with OpenAI's weights: main.py line 121, clip.load("ViT-B/32") (OpenAI's
# release, trained with QuickGELU). The README (line 20) says "the weight provided by OpenCLIP";
# the code is followed. Offline, a local file: weights='checkpoints/ViT-B-32-quickgelu_openai.pth'
# in BOTH towers' `clip` (model.backbone.clip.weights and
# model.cls_head.prompt_learner.clip.weights), as the code builds one CLIP for both.
clip = dict(model_name='ViT-B-32-quickgelu', weights='openai')
num_frames = 16  # main.py lines 179 and 184: num_segments=16

model = dict(
    type='Recognizer3D',
    # models/Generate_Model.py line 15: the CLIP image encoder, fine-tuned (main.py line 140)
    backbone=dict(type='CLIPVisionEncoder', clip=clip),
    # models/Generate_Model.py lines 16-21 and models/Temporal_Model.py lines 103-120:
    # Temporal_Transformer_Cls(num_patches=16, input_dim=512, depth=1 (train_DFEW.sh line 20,
    # --temporal-layers 1), heads=8, mlp_dim=1024, dim_head=64), class token and positions
    # drawn from torch.randn (lines 109-110), the tanh-approximated GELU (lines 7-9); the video
    # feature L2-normalised (Generate_Model.py line 33)
    neck=dict(type='TemporalTransformerNeck', in_channels=512, num_frames=num_frames,
              num_layers=1, num_heads=8, mlp_channels=1024, init_std=1.0,
              act_cfg=dict(type='GELU', approximate='tanh'), normalize=True),
    cls_head=dict(
        type='PromptContrastiveHead',
        num_classes=7,
        in_channels=512,
        prompt_learner=dict(
            type='CoOpPromptLearner',
            class_names=None,  # the dataset config's `classes`
            # the same CLIP as the backbone's; only its text tower is kept here
            clip=dict(clip, image_tower=False),
            n_ctx=8,  # train_DFEW.sh line 15, --contexts-number 8
            class_specific_ctx=True,  # train_DFEW.sh line 17, --class-specific-contexts 'True'
            class_texts=class_descriptions_7,
            ctx_init_std=0.02,  # models/Prompt_Learner.py line 47
            shared_prefix=False),  # no prefix is shared by class-specific contexts
        # cosine logits at a fixed scale: models/Generate_Model.py line 43, `/ 0.01`
        logit_scale=100.0,
        learnable_scale=False,
        loss_cls=dict(type='CrossEntropyLoss'),  # main.py line 160
        average_clips='prob',
        topk=(1, )),
    # Their input normalisation is none: frames scaled to [0, 1] only (dataloader/
    # video_transform.py line 424, ToTorchFormatTensor's div(255); video_dataloader.py lines
    # 105-110 and 142-144 use no GroupNormalize), not CLIP's mean and std; the code is followed.
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[0., 0., 0.], std=[255., 255., 255.]))
