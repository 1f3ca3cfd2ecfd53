# MAFW as released (see MAFWDataset), the single-label set, 5 folds: the scene stream from the
# whole-scene clips (data/clips), the face stream from the release's aligned face frames
# (data/frames/frames_crop_align_224) or, in the *-detected-faces config, from face boxes.
# MAFW's label words are mapped onto ous-mm's class order (DFEW's seven, then MAFW's four).
# Everything else as the DFEW data config.
_base_ = ['dfew.py']
dataset_type = 'MAFWDataset'
data_root = 'data/MAFW'
# ous-mm's class order (ous_mm.datasets.DFER_CLASSES), all 11
classes = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear', 'Contempt',
           'Anxiety', 'Helplessness', 'Disappointment')
# MAFW's frames_crop_align_224 faces were aligned (68 landmarks from face-alignment, then an
# OpenCV affine transform: the MAFW paper), so new videos' faces are cut 'aligned' too
face_crop_style = 'aligned'
split = dict(
    fold=1,  # the official fold; tools/cross_validate.py runs 1-5
    split_dir='Train & Test Set/single/no_caption',  # set_1 ... set_5, {train,test}.txt
    val_fraction=0.1,  # validation held out of the training file (seeded, class-stratified)
    val_seed=0,
    face_crop_dir='data/frames/frames_crop_align_224')  # the release's face frames
train_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='train', **split))
val_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='val',
                 test_mode=True, **split))
test_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='test',
                 test_mode=True, **split))
