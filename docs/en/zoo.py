"""The model-zoo pages of the documentation site, generated from the configs' metafiles.

As MMAction2's ``docs/en/stat.py`` does from its ``model-index.yml``, but from every
``configs/**/metafile.yml`` found, so that a new metafile appears without an edit here:

- ``model_zoo.md``: per collection (algorithm), its paper, its README page and a table of its
  models (config, dataset, frames, GPUs, metrics, where the numbers come from, weights);
- ``model_zoo/<README folder>.md``: a copy of each collection's README (MMAction2's
  per-algorithm form), its links to repository files turned into the files' paths, since the
  site holds only the pages under ``docs/en``.

Run by ``docs/en/conf.py`` at every build; ``python docs/en/zoo.py`` writes the same pages.
"""
import glob
import os
import os.path as osp
import re
from typing import Dict, List

import yaml

from ous_mm.fileio import AtomicLocalBackend

INTRO = """\
# Model zoo

Generated from the metafiles in `configs/` (MMAction2's model-index format: `mim search ous_mm`
lists the same entries) each time the site is built. Below each table, where its numbers come
from: the paper that proposed the method, or a run of ous-mm with the command that made it.
The measurements behind ous-mm's own rows are on the [benchmarks page](benchmarks.md).
"""


def _load(repo: str) -> List[dict]:
    """Every metafile under ``configs/``, parsed, with its path."""
    metafiles = sorted(glob.glob(osp.join(repo, 'configs', '**', 'metafile.yml'), recursive=True))
    loaded = []
    for path in metafiles:
        rel = osp.relpath(path, repo)
        with open(path, encoding='utf-8') as f:
            try:
                # every value as written (53.30, not 53.3): the page shows them, computes nothing
                data = yaml.load(f, Loader=yaml.BaseLoader) or {}
            except yaml.YAMLError as error:
                raise ValueError(f'{rel} is not valid YAML: {error}') from error
        if not isinstance(data, dict) or not isinstance(data.get('Models', []), list):
            raise ValueError(f'{rel}: expected a mapping with a "Models" list, as MMAction2\'s '
                             'metafiles have')
        loaded.append(dict(path=rel, **data))
    return loaded


def _check_path(repo: str, metafile: str, what: str, path: str) -> str:
    if not osp.exists(osp.join(repo, path)):
        raise FileNotFoundError(f'{metafile}: {what} {path!r} does not exist in the repository; '
                                'fix the path in the metafile')
    return path


def _rewrite_links(text: str, readme: str, repo: str) -> str:
    """Links of a README copied into the site: repository files become their paths.

    Args:
        text (str): The README's text.
        readme (str): Its path in the repository.
        repo (str): The repository root.
    """
    folder = osp.dirname(readme)

    def replace(m: re.Match) -> str:
        image, label, target = m.group(1), m.group(2), m.group(3).strip()
        if re.match(r'[a-z]+:', target) or target.startswith('#'):
            return m.group(0)
        path = osp.normpath(osp.join(folder, target.split('#')[0]))
        if path.startswith(osp.join('docs', 'en') + os.sep) and path.endswith('.md'):
            return f'[{label}](../{osp.relpath(path, osp.join("docs", "en"))})'
        if image:
            return label
        if not osp.exists(osp.join(repo, path)):
            raise FileNotFoundError(f'{readme}: the link [{label}]({target}) names {path}, '
                                    'which does not exist')
        bare = label.strip('`')
        # MMAction2's READMEs link a row's config as [config](...): the path says it all
        if bare in ('config', path, osp.basename(path), osp.splitext(osp.basename(path))[0]):
            return f'`{path}`'
        return f'{label} (`{path}`)'

    return re.sub(r'(!?)\[([^\]]*)\]\(([^)\s]+)\)', replace, text)


def _cell(value) -> str:
    text = '-' if value is None or value == '' else str(value)
    return text.replace('|', '\\|').replace('\n', ' ')


def _model_rows(models: List[dict], metafile: str, repo: str) -> List[str]:
    """The collection's table (one row per config), then where its numbers come from."""
    metrics: List[str] = []
    for model in models:
        for result in model.get('Results') or []:
            for name in (result.get('Metrics') or {}):
                if name not in metrics:
                    metrics.append(name)
    header = ['config', 'dataset', 'frames', 'trained on', *metrics, 'weights']
    rows = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    sources: Dict[str, List[str]] = {}
    for model in models:
        meta = model.get('Metadata') or {}
        config = model.get('Config')
        config = f'`{_check_path(repo, metafile, "config", config)}`' if config else '-'
        results = model.get('Results') or []
        datasets = sorted({r.get('Dataset') for r in results if r.get('Dataset')})
        values = {}
        for result in results:
            for name, value in (result.get('Metrics') or {}).items():
                values.setdefault(name, value)
        weights = model.get('Weights')
        cells = [config, ', '.join(datasets) or meta.get('Training Data'), meta.get('Frames'),
                 meta.get('Training Resources'), *[values.get(name) for name in metrics],
                 f'[weights]({weights})' if weights else None]
        rows.append('| ' + ' | '.join(_cell(c) for c in cells) + ' |')
        source = meta.get('Results Source')
        if source:
            sources.setdefault(source, []).append(model.get('Name'))
    if sources:
        rows += ['', 'Where the numbers come from:', '']
        rows += [f'- {", ".join(f"`{n}`" for n in names)}: {_cell(source)}'
                 for source, names in sources.items()]
    return rows


def generate(repo: str, out: str) -> List[str]:
    """Write ``model_zoo.md`` and ``model_zoo/*.md`` into ``out``.

    Args:
        repo (str): The repository root.
        out (str): The documentation source folder (``docs/en``).

    Returns:
        list[str]: The pages written, relative to ``out``.
    """
    backend = AtomicLocalBackend()
    metafiles = _load(repo)
    collections: Dict[str, dict] = {}
    models: Dict[str, List[dict]] = {}
    origin: Dict[str, str] = {}
    for meta in metafiles:
        for collection in meta.get('Collections') or []:
            collections.setdefault(collection['Name'], collection)
            origin.setdefault(collection['Name'], meta['path'])
        for model in meta.get('Models') or []:
            name = model.get('In Collection') or model.get('Name')
            models.setdefault(name, []).append(model)
            origin.setdefault(name, meta['path'])
    pages, readmes = [], {}  # readmes: README -> its page, in the order of the sections
    lines = [INTRO, f'{len(models)} algorithms, {sum(map(len, models.values()))} configs, '
             f'from {len(metafiles)} metafiles: '
             + ', '.join(f'`{m["path"]}`' for m in metafiles) + '.\n']
    for name in sorted(models, key=lambda n: (n != 'OUS', n.lower())):
        collection = collections.get(name, {})
        metafile = origin[name]
        lines.append(f'## {name}\n')
        paper = collection.get('Paper') or {}
        if paper.get('Title'):
            title = paper['Title'].strip('"')
            lines.append(f'Paper: [{title}]({paper["URL"]})' if paper.get('URL') else
                         f'Paper: {title}')
        code = (collection.get('Code') or {}).get('URL')
        if code:
            lines.append(f'\nCode: <{code}>')
        readme = collection.get('README')
        if readme:
            _check_path(repo, metafile, 'README', readme)
            if readme not in readmes:
                slug = osp.basename(osp.dirname(readme)) or name
                readmes[readme] = f'model_zoo/{slug}.md'
                with open(osp.join(repo, readme), encoding='utf-8') as f:
                    text = _rewrite_links(f.read(), readme, repo)
                backend.put_text(text, osp.join(out, readmes[readme]))
                pages.append(readmes[readme])
            lines.append(f'\nThe algorithm\'s page: [{readme}]({readmes[readme]}).')
        lines.append(f'\nMetafile: `{metafile}`\n')
        lines.extend(_model_rows(models[name], metafile, repo))
        lines.append('')
    if readmes:
        lines += ['```{toctree}', ':hidden:', '', *readmes.values(), '```', '']
    text = '\n'.join(lines)
    backend.put_text(text if text.endswith('\n') else text + '\n', osp.join(out, 'model_zoo.md'))
    # a README no metafile names any more leaves no stale page behind
    for page in glob.glob(osp.join(out, 'model_zoo', '*.md')):
        if osp.relpath(page, out) not in pages:
            os.remove(page)
    return ['model_zoo.md', *pages]


if __name__ == '__main__':
    here = osp.dirname(osp.abspath(__file__))
    print('\n'.join(generate(osp.join(here, '..', '..'), here)))
