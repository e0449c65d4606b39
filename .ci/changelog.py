"""`make changelog` / `make test-changelog`: the release notes of the version being prepared.

The version being prepared is galaxy.yml's. Its entry in changelogs/changelog.yaml is rebuilt from
scratch by `antsibull-changelog release`: from the fragments in changelogs/fragments/ (kept there,
keep_fragments is true, so a rebuild sees them again) and from the modules and roles whose
version_added is that version (antsibull-changelog lists those itself; playbooks come from an
`add object.playbook` fragment section). The release date already recorded is kept. Entries of
other versions (published releases) are never touched. CHANGELOG.md is then rendered from
changelog.yaml.

--check does all this in a copy of the collection under build/ and fails, with the diff, when the
committed changelogs/changelog.yaml or CHANGELOG.md differ from the result.
"""
import argparse
import datetime
import difflib
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
OUTPUTS = ('changelogs/changelog.yaml', 'CHANGELOG.md')


def rebuild(root):
    with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as f:
        version = str(yaml.safe_load(f)['version'])
    path = os.path.join(root, 'changelogs', 'changelog.yaml')
    date = None
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            data = yaml.safe_load(f) or {}
        old = (data.get('releases') or {}).pop(version, None)
        if old:
            date = old.get('release_date')
            with open(path, 'w', encoding='utf-8') as f:
                yaml.safe_dump(data, f, sort_keys=False)
    date = date or datetime.date.today().isoformat()
    subprocess.run([os.path.join(BIN, 'antsibull-changelog'), 'release', '--version', version,
                    '--date', str(date), '--reload-plugins'], cwd=root, check=True,
                   env=dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', '')))
    return version


def check():
    copy = os.path.join(ROOT, 'build', 'changelog-check')
    subprocess.run([os.path.join(ROOT, '.ci', 'copy-collection'), copy], check=True)
    version = rebuild(copy)
    stale = False
    for name in OUTPUTS:
        def lines(base):
            p = os.path.join(base, name)
            if not os.path.exists(p):
                return []
            with open(p, encoding='utf-8') as f:
                return f.readlines()
        diff = list(difflib.unified_diff(lines(ROOT), lines(copy), 'committed/' + name, 'expected/' + name))
        if diff:
            stale = True
            sys.stdout.writelines(diff)
    if stale:
        sys.exit('test-changelog: the release notes of %s are stale: run `make changelog` and commit '
                 'changelogs/changelog.yaml and CHANGELOG.md' % version)
    print('test-changelog: changelogs/changelog.yaml and CHANGELOG.md are up to date for %s' % version)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='compare instead of writing')
    if parser.parse_args().check:
        check()
    else:
        print('changelog: rebuilt the release notes of %s' % rebuild(ROOT))


if __name__ == '__main__':
    main()
