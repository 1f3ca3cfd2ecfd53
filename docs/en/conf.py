# Sphinx configuration of the ous-mm documentation site (`make docs`).
#
# Built as MMAction2 builds its docs: Sphinx reading Markdown through MyST, a model-zoo page
# generated from the configs' metafiles at build time (zoo.py, as MMAction2's docs/en/stat.py).
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)

import zoo  # noqa: E402  (docs/en/zoo.py)

project = 'ous-mm'
author = 'ous-mm authors'
copyright = 'ous-mm authors; OUS: Mai et al., AAAI 2025'


def _version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, '..', '..', 'ous_mm', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


release = version = _version()

# sphinx-mathjax-offline: MathJax shipped inside the site (the model page's equations render
# without a network; Sphinx's default loads MathJax from a CDN)
extensions = ['myst_parser', 'sphinx-mathjax-offline']
source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build', 'Thumbs.db', '.DS_Store']
# "## Heading" gets an anchor, so a page links to another page's section as MMAction2's do
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence', 'dollarmath']
# options and quotes stay as typed (`--folds`, not an en dash followed by `folds`)
smartquotes = False

# MMAction2's theme (pytorch_sphinx_theme) is published on GitHub only, not on PyPI, so a
# `pip install -c requirements/constraints.txt` cannot pin it. furo is on PyPI, needs no
# JavaScript build, has a left-hand table of contents like OpenMMLab's sites, a search box and a
# dark mode, and renders wide tables (the benchmark and model-zoo pages) with a scroll bar
# instead of cutting them off.
html_theme = 'furo'
html_title = f'ous-mm {release}'
html_static_path: list = []

# the model zoo: one summary page and one page per algorithm README, from configs/*/metafile.yml
zoo.generate(repo=osp.join(HERE, '..', '..'), out=HERE)
