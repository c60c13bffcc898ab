"""Supply chain: both locks pinned and hashed, no secret in the repository, the dev issuer's key made at run time,
bandit clean.

`pip-audit` of both locks needs a vulnerability source (PyPI's JSON API or OSV) and runs in `make audit`, not
here: this machine's package index serves no vulnerability data.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pmm_chassis.auth.dev_issuer import key_id, load_or_create_key

ROOT = Path(__file__).resolve().parents[2]

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "signed JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    # A literal password, not a placeholder (`<password>`, `${PASSWORD}`) nor RabbitMQ's local guest:guest.
    "password in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"<]+:(?!guest@)[^/\s:@'\"{}$<>]{6,}@"),
}
# requirements.lock goes into the service images, requirements-dev.lock into the developer's and CI's venv.
LOCKS = ("requirements.lock", "requirements-dev.lock")
# name[extras]==version, an optional environment marker, then one or more sha256 hashes.
PINNED = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?==[^\s;]+(?:\s*;[^-]*)?(?:\s+--hash=sha256:[0-9a-f]{64})+$"
)
KEY_FILES = re.compile(r"\.(?:pem|key|p12|pfx|jks)$|(?:^|/)id_(?:rsa|ecdsa|ed25519)$")


def scan(paths: list[Path]) -> list[str]:
    findings = []
    for path in paths:
        if KEY_FILES.search(path.as_posix()):
            findings.append(f"{path}: a key file is committed")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (a PDF fixture, an image): not where a token is pasted
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{path}:{line}: {what}")
    return findings


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    # Untracked files of the working tree too (a new file is committed next), minus what .gitignore keeps out.
    others = subprocess.run(
        ["git", "ls-files", "-z", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    names = {n for n in (listed + others).decode().split("\0") if n}
    return [ROOT / n for n in sorted(names) if (ROOT / n).is_file()]


def requirements(lock: Path) -> list[str]:
    """The lock's requirements, one per entry (continuation lines joined), comments and blank lines left out."""
    entries, parts = [], []
    for line in lock.read_text().splitlines():
        text = "" if line.lstrip().startswith("#") else line.split(" #", 1)[0].strip()
        continued = text.endswith("\\")
        if text := text.removesuffix("\\").strip():
            parts.append(text)
        if parts and not continued:
            entries.append(" ".join(parts))
            parts = []
    return entries + ([" ".join(parts)] if parts else [])


def test_every_locked_package_is_one_exact_version_with_its_hashes():
    # pip's --require-hashes refuses the install otherwise, but only when it runs; a hand-edited lock fails here.
    for name in LOCKS:
        entries = requirements(ROOT / name)
        assert len(entries) > 30, name
        loose = [e for e in entries if not PINNED.match(e)]
        assert loose == [], f"{name}: not pinned with == and sha256 hashes: {loose[:5]}"


def test_the_venv_installer_is_the_dev_locks_pip_alone():
    # `make venv` installs it first, so that the locks above are read by a known pip, not the interpreter's own; the
    # same pin as the dev lock's, or installing that lock would change pip under the venv.
    [installer] = requirements(ROOT / "requirements-pip.lock")
    assert installer.startswith("pip==") and PINNED.match(installer), installer
    [dev_pip] = [e for e in requirements(ROOT / "requirements-dev.lock") if e.startswith("pip==")]
    assert installer == dev_pip.split("#")[0].strip()
    assert "-r requirements-pip.lock" in (ROOT / "Makefile").read_text()


def test_no_secret_is_committed():
    files = tracked_files()
    assert len(files) > 100
    assert scan(files) == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    key = load_or_create_key(tmp_path / "k.pem")
    assert key is not None
    planted = tmp_path / "settings.py"
    # Assembled here so that this file itself holds no match.
    jwt = ".".join(["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJvcC0zMjczIn0", "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc"])
    planted.write_text(f'TOKEN = "{jwt}"\nDSN = "postgresql://app:' + 's3cr3t-pass@db/pmm"\n')
    found = scan([tmp_path / "k.pem", planted])
    assert any("key file" in f for f in found)
    assert any("signed JWT" in f for f in found) and any("password in a URL" in f for f in found)


def test_the_dev_issuer_key_is_made_at_run_time_and_kept_out_of_git(tmp_path):
    first = load_or_create_key(tmp_path / "a" / "issuer.pem")
    second = load_or_create_key(tmp_path / "b" / "issuer.pem")
    assert key_id(first) != key_id(second)  # generated, not shipped
    assert (tmp_path / "a" / "issuer.pem").stat().st_mode & 0o077 == 0  # owner-only
    ignored = subprocess.run(["git", "check-ignore", "-q", ".run/dev-issuer.pem"], cwd=ROOT)
    assert ignored.returncode == 0, "the default key path (.run/) must be ignored by git"


def test_bandit_finds_nothing_unexplained():
    # Skips and their reasons: [tool.bandit] in pyproject.toml; single findings: `# nosec BXXX` in place.
    services = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "services").glob("*/src"))
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-c", "pyproject.toml", "-r", "shared/src", *services, "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
