"""Offline stand-in for ansible-test's get-pip.py bootstrap script.

ansible-test creates every virtual environment --without-pip and then runs a get-pip.py it
downloads from ci-files.testing.ansible.com, which cannot be reached from CI. It first looks in
~/.ansible/test/cache/get_pip_<X_Y>.py, where .ci/ansible-test seeds this file. ansible-test runs
it as __main__ with the argv `--disable-pip-version-check pip==X.Y --no-setuptools --no-wheel`:
bootstrap pip from the interpreter's own ensurepip, then bring it to the pinned version from PyPI.
"""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet', '--upgrade'] + args)
