"""What the documentation names exists: files, configs, tools and their command-line options.

Read: README.md, CHANGELOG.md, docs/**/*.md (not the built site, not the generated model zoo)
and configs/*/README.md. Checked:

- every relative Markdown link points at a file or folder of the repository;
- every repository path in code (``configs/...``, ``tools/...``, ``ous_mm/...``, ``docs/...``,
  ``tests/...``, ``requirements/...``, ``.ci/...``; braces expanded, globs matched, paths with
  placeholders such as ``NNNNN`` or ``<id>`` left out) exists;
- every command that runs a tool (``python tools/X.py``, ``tools/dist_train.sh CONFIG N``,
  ``mim run ous_mm|mmaction NAME``) names a tool that exists, and each of its ``--options`` is one
  that tool's argparse parser accepts (the parser is taken from the tool itself: its
  ``parse_args`` is called with ``argparse`` stopped at the parse);
- every ``make TARGET`` is a target of the Makefile, and the metafiles' configs and READMEs exist.

So a renamed config, a removed tool or a dropped flag fails the suite, naming the page and line.
"""
import argparse
import glob
import os.path as osp
import re
import runpy
import sys
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest
import yaml

from ous_mm.utils import mmaction_tool

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PREFIXES = ('configs/', 'tools/', 'ous_mm/', 'docs/', 'tests/', 'requirements/', '.ci/')
PATH = re.compile(r'(?<![\w./$-])((?:%s)[\w./{},*+-]*)' % '|'.join(map(re.escape, PREFIXES)))
# names that stand for something the reader fills in, and folders a run or a build writes
PLACEHOLDER = re.compile(r'[A-Z]{2,}|<|>|\.\.\.|\$|_build|/N\b|_N\b|_K\b')
TOOL = re.compile(r'(?<![\w./-])(tools/[\w/]+\.(?:py|sh))|\bmim run (ous_mm|mmaction) (\w+)')
SEPARATORS = re.compile(r'&&|\|\||;|\||#')
# written by docs/en/zoo.py when the site is built, so linked before they exist
GENERATED = ('docs/en/model_zoo.md', 'docs/en/model_zoo/')
# the shell scripts that pass their extra arguments to a Python tool
SCRIPT_TOOL = {'tools/dist_train.sh': 'tools/train.py', 'tools/slurm_train.sh': 'tools/train.py',
               'tools/dist_test.sh': 'tools/test.py'}


def _docs() -> List[str]:
    pages = ['README.md', 'CHANGELOG.md', *glob.glob('configs/*/README.md', root_dir=REPO)]
    for page in glob.glob('docs/**/*.md', root_dir=REPO, recursive=True):
        if not re.search(r'(^|/)_build/|^docs/en/model_zoo(\.md|/)', page):
            pages.append(page)
    return sorted(pages)


def _expand(token: str) -> List[str]:
    """Shell brace expansion: ``a{b,c}`` and ``{1..5}``."""
    m = re.search(r'\{([^{}]*)\}', token)
    if not m:
        return [token]
    body = m.group(1)
    rng = re.fullmatch(r'(\d+)\.\.(\d+)', body)
    parts = ([str(i) for i in range(int(rng.group(1)), int(rng.group(2)) + 1)] if rng else
             body.split(','))
    return [e for p in parts for e in _expand(token[:m.start()] + p + token[m.end():])]


def _code(text: str) -> Iterator[Tuple[int, str]]:
    """(line, command) for each line of a fenced block (continuations joined) and each inline
    code span."""
    prose, pos = [], 0
    for m in re.finditer(r'^(\s*)(```|~~~)[^\n]*\n(.*?)^\s*\2\s*$', text, re.M | re.S):
        prose.append((pos, text[pos:m.start()]))
        start, command, first = text.count('\n', 0, m.start(3)) + 1, '', 0
        for i, line in enumerate(m.group(3).split('\n')):
            first = first if command else start + i
            command += line
            if command.endswith('\\'):  # a continued command: one command
                command = command[:-1] + ' '
                continue
            yield first, command
            command = ''
        pos = m.end()
    prose.append((pos, text[pos:]))
    for offset, chunk in prose:
        for m in re.finditer(r'`([^`]+)`', chunk):
            yield text.count('\n', 0, offset + m.start()) + 1, m.group(1).replace('\n', ' ')


def _links(text: str) -> Iterator[Tuple[int, str]]:
    fenced = re.sub(r'^(```|~~~).*?^\1', lambda m: '\n' * m.group(0).count('\n'), text,
                    flags=re.M | re.S)
    for m in re.finditer(r'\[[^\]]*\]\(([^)\s]+)\)', fenced):
        target = m.group(1)
        if not re.match(r'[a-z]+:|#', target):
            yield fenced.count('\n', 0, m.start()) + 1, target.split('#')[0]


class _Parsed(Exception):

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def _stop(parser: argparse.ArgumentParser, *args, **kwargs):
    raise _Parsed(parser)


def _option_strings(parser: argparse.ArgumentParser) -> Set[str]:
    options = set(parser._option_string_actions)
    for action in parser._actions:  # sub-commands (analyze_logs.py cal_train_time ...)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= _option_strings(sub)
    return options


_PARSERS: Dict[str, Set[str]] = {}


def _tool_options(path: str) -> Set[str]:
    """The option strings of a Python tool, from its own argparse parser."""
    if path not in _PARSERS:
        script = {'tools/train.py': mmaction_tool('train.py'),
                  'tools/test.py': mmaction_tool('test.py')}.get(path, osp.join(REPO, path))
        parser_class = argparse.ArgumentParser
        saved = sys.argv, parser_class.parse_args, parser_class.parse_known_args
        sys.argv = [script]
        parser_class.parse_args = parser_class.parse_known_args = _stop
        try:
            namespace = runpy.run_path(script, run_name='docs_references')
            if 'parse_args' not in namespace:
                raise AssertionError(f'{path}: no parse_args() to read its options from')
            namespace['parse_args']()
            raise AssertionError(f'{path}: parse_args() parsed no command line')
        except _Parsed as parsed:
            _PARSERS[path] = _option_strings(parsed.parser)
        finally:
            sys.argv = saved[0]
            parser_class.parse_args, parser_class.parse_known_args = saved[1:]
    return _PARSERS[path]


def _mim_tool(package: str, name: str) -> Optional[str]:
    if package == 'ous_mm':
        found = glob.glob(f'tools/**/{name}.py', root_dir=REPO, recursive=True)
        return found[0] if found else None
    found = glob.glob(osp.join(osp.dirname(mmaction_tool('train.py')), '**', f'{name}.py'),
                      recursive=True)
    return found[0] if found else None


def _check_command(command: str) -> List[str]:
    problems = []
    for m in TOOL.finditer(command):
        rest = SEPARATORS.split(command[m.end():])[0]
        options = {t.split('=')[0].strip('[]') for t in rest.split()
                   if t.strip('[').startswith('--')}
        if m.group(1):
            tool = m.group(1)
            if not osp.isfile(osp.join(REPO, tool)):
                problems.append(f'{tool} does not exist')
                continue
            if not options:
                continue
            if tool.endswith('.sh'):
                if tool not in SCRIPT_TOOL:  # its own options: named in the script
                    with open(osp.join(REPO, tool)) as f:
                        script = f.read()
                    problems += [f'{tool} has no option {o}' for o in sorted(options)
                                 if o not in script]
                    continue
                tool = SCRIPT_TOOL[tool]
            accepted = _tool_options(tool)
        else:
            path = _mim_tool(m.group(2), m.group(3))
            if path is None:
                problems.append(f'mim run {m.group(2)} {m.group(3)}: no such tool')
                continue
            if not options:
                continue
            if m.group(2) == 'ous_mm':
                accepted = _tool_options(path)
            else:
                key = f'mmaction:{m.group(3)}'
                if key not in _PARSERS:
                    _PARSERS[key] = _tool_options(path)
                accepted = _PARSERS[key]
            tool = f'mim run {m.group(2)} {m.group(3)}'
        problems += [f'{tool} does not accept {o}' for o in sorted(options - accepted)]
    return problems


def _make_targets() -> Set[str]:
    with open(osp.join(REPO, 'Makefile')) as f:
        return set(re.findall(r'^([\w-]+):', f.read(), re.M))


def find_problems(pages: List[str]) -> List[str]:
    """Every reference of ``pages`` (paths relative to the repository) that does not hold."""
    targets, problems = _make_targets(), []
    for page in pages:
        with open(osp.join(REPO, page), encoding='utf-8') as f:
            text = f.read()
        folder = osp.dirname(page)
        for line, target in _links(text):
            resolved = osp.relpath(osp.normpath(osp.join(REPO, folder, target)), REPO)
            if resolved.startswith(GENERATED):
                continue
            if target and not osp.exists(osp.join(REPO, folder, target)):
                problems.append(f'{page}:{line}: the link {target} points at nothing')
        for line, code in _code(text):
            for m in PATH.finditer(code):
                token = m.group(1).rstrip('.,;:)')
                if PLACEHOLDER.search(token):
                    continue
                for path in _expand(token):
                    if not glob.glob(path, root_dir=REPO):
                        problems.append(f'{page}:{line}: {path} does not exist')
            problems += [f'{page}:{line}: {p}' for p in _check_command(code)]
            for m in re.finditer(r'(?<![\w-])make ([a-z][\w-]*)', code):
                if m.group(1) not in targets:
                    problems.append(f'{page}:{line}: make {m.group(1)}: no such Makefile target')
    for metafile in glob.glob('configs/**/metafile.yml', root_dir=REPO, recursive=True):
        with open(osp.join(REPO, metafile), encoding='utf-8') as f:
            meta = yaml.safe_load(f) or {}
        named = [c.get('README') for c in meta.get('Collections') or []]
        named += [m.get('Config') for m in meta.get('Models') or []]
        problems += [f'{metafile}: {p} does not exist' for p in named
                     if p and not osp.exists(osp.join(REPO, p))]
    return list(dict.fromkeys(problems))  # a missing tool is also a missing path: said once


def test_every_path_tool_and_option_the_docs_name_exists():
    pages = _docs()
    assert {'README.md', 'docs/en/index.md', 'configs/ous/README.md'} <= set(pages)
    problems = find_problems(pages)
    assert not problems, 'the documentation names what does not exist:\n' + '\n'.join(problems)


def test_a_missing_config_tool_or_option_is_found(tmp_path):
    page = tmp_path / 'page.md'
    page.write_text(
        '# A page\n\n'
        '```bash\n'
        'python tools/train.py configs/ous/ous_vit-l14_4xb4-60e_dfew.py --work-dir w \\\n'
        '    --no-such-flag\n'
        'tools/dist_test.sh configs/ous_dfew.py CKPT 4 --dump r.pkl --dumpp r.pkl\n'
        'python tools/no_such_tool.py configs/ous_dfew.py\n'
        'make docs && make no-such-target\n'
        '```\n\n'
        'See `configs/ous/ous_vit-l14_4xb4-60e_{dfew,nodata}.py` and [a page](nowhere.md), '
        '`python tools/cross_validate.py CONFIG --folds 1 --fold 2`, '
        '`mim run mmaction confusion_matrix CONFIG DUMP --show-path x.png --no-show`.\n')
    problems = [p.split(': ', 1)[1] for p in find_problems([str(page)])]
    assert sorted(problems) == sorted([
        'tools/train.py does not accept --no-such-flag',
        'tools/test.py does not accept --dumpp',
        'tools/no_such_tool.py does not exist',
        'make no-such-target: no such Makefile target',
        'the link nowhere.md points at nothing',
        'configs/ous/ous_vit-l14_4xb4-60e_nodata.py does not exist',
        'tools/cross_validate.py does not accept --fold',
        'mim run mmaction confusion_matrix does not accept --no-show',
    ]), problems


@pytest.mark.parametrize('token,paths', [
    ('a_{x,y}.py', ['a_x.py', 'a_y.py']), ('s{1..3}', ['s1', 's2', 's3']), ('plain', ['plain'])])
def test_brace_expansion(token, paths):
    assert _expand(token) == paths
