#!/usr/bin/env python3
"""Checks that a venv holds exactly the packages of a lock file (workflow/envs/venv.lock.txt).

    python3 scripts/check_venv.py VENV LOCK

Every entry of LOCK must be `name==version` with at least one `--hash=sha256:<64 hex>`, and
`pip freeze --all` of VENV must list the same names at the same versions: nothing missing,
nothing else, no other version. pip, setuptools and wheel (what `python3 -m venv` puts in a venv
to install with) are left out of the comparison unless LOCK lists them. Names are compared in
their normalized form (PEP 503: `PyYAML` is `pyyaml`, `typing_extensions` is
`typing-extensions`). Exit status 0 when they agree; 1, listing every difference, otherwise.
Standard library only: it runs with any Python 3, the venv's or not.
"""
import os
import re
import subprocess
import sys

BOOTSTRAP = {"pip", "setuptools", "wheel", "distribute"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path):
    """{normalized name: (name==version, number of sha256 hashes)}; problems in a list."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    entries, problems = {}, []
    # Logical lines: a trailing backslash continues a line; `#` starts a comment.
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if not line:
            continue
        words = line.split()
        pin = PIN.match(words[0])
        if not pin:
            problems.append(f"{path}: \"{words[0]}\" is not name==version")
            continue
        name, version = pin.groups()
        hashes = [w for w in words[1:] if HASH.match(w)]
        others = [w for w in words[1:] if not HASH.match(w)]
        if others:
            problems.append(f"{path}: {name}=={version}: unexpected {' '.join(others)}")
        if not hashes:
            problems.append(f"{path}: {name}=={version} has no sha256 hash")
        key = normalize(name)
        if key in entries:
            problems.append(f"{path}: {name} is listed twice")
        entries[key] = (f"{name}=={version}", version, len(hashes))
    if not entries:
        problems.append(f"{path}: no packages")
    return entries, problems


def read_venv(venv):
    """{normalized name: (freeze line, version or None)} from `pip freeze --all` of the venv."""
    python = os.path.join(venv, "bin", "python")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    out = subprocess.run([python, "-m", "pip", "freeze", "--all"], env=env, check=True,
                         capture_output=True, text=True).stdout
    installed = {}
    for line in out.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        line = line.strip()
        pin = PIN.match(line)
        # An editable or URL install (`-e ...`, `name @ file://...`) has no version to compare.
        bare = line[3:].strip() if line.startswith("-e ") else line
        name = pin.group(1) if pin else re.split(r"[\s@=<>!~;]", bare, maxsplit=1)[0]
        installed[normalize(name)] = (line, pin.group(2) if pin else None)
    return installed


def compare(locked, installed):
    """The differences between the lock's and the venv's packages, one line each."""
    diffs = []
    for key in sorted(set(locked) | set(installed)):
        if key not in locked:
            if key not in BOOTSTRAP:
                diffs.append(f"extra: {installed[key][0]} is installed but not in the lock")
        elif key not in installed:
            diffs.append(f"missing: {locked[key][0]} is locked but not installed")
        elif installed[key][1] != locked[key][1]:
            diffs.append(f"version: {installed[key][0]} is installed, the lock has {locked[key][0]}")
    return diffs


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    venv, lock = argv[1:]
    locked, problems = read_lock(lock)
    try:
        installed = read_venv(venv)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"check_venv: cannot list the packages of \"{venv}\": {e}")
    diffs = problems + compare(locked, installed)
    for d in diffs:
        print(f"check_venv: {d}", file=sys.stderr)
    if diffs:
        print(f"check_venv: \"{venv}\" does not match \"{lock}\" ({len(diffs)} differences; "
              "bash scripts/setup.sh installs the lock)", file=sys.stderr)
        return 1
    print(f"ok: \"{venv}\" holds exactly the {len(locked)} packages of \"{lock}\", each with a sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
