"""The committed gettext catalogues (locale/): complete, current and faithful to their sources.

Fails when a string in the templates, the Python or the page scripts has no Filipino
translation (or only a fuzzy one), when the committed .po files are stale against the sources
(scripts/makemessages would add or drop an entry), and when a translation loses or invents a
placeholder or an HTML tag. docs/i18n.md says how to fix each."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAINS = ("django", "djangojs")
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}")
TAG = re.compile(r"</?[a-z]+>")


def po_entries(path: Path) -> list[dict]:
    """(msgid, msgid_plural, msgstrs, flags) of each entry but the header: a small .po reader."""
    entries: list[dict] = []
    entry: dict | None = None
    field = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry["msgid"]:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"msgid": "", "msgid_plural": "", "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
        if match:
            field, text = match.group(1), ast.literal_eval(match.group(2))
        else:
            text = ast.literal_eval(line)
        if field.startswith("msgstr"):
            entry["msgstr"][field] = entry["msgstr"].get(field, "") + text
        elif field != "msgctxt":
            entry[field] += text
    return entries


def _catalogue(lang: str, domain: str) -> Path:
    return ROOT / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_entry_is_translated_and_none_fuzzy(lang, domain):
    entries = po_entries(_catalogue(lang, domain))
    assert len(entries) > 20, "the catalogue is (nearly) empty"
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{lang}/{domain}.po: no translation for {untranslated}"
    assert not fuzzy, f"{lang}/{domain}.po: fuzzy (unchecked) translations for {fuzzy}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_and_tags(lang, domain):
    problems = []
    for entry in po_entries(_catalogue(lang, domain)):
        for key, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if key == "msgstr[1]" and entry["msgid_plural"] else entry["msgid"]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders: {source!r} -> {text!r}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                problems.append(f"HTML tags: {source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_placeholder_check_catches_a_lost_placeholder(tmp_path):
    """The check above can fail: a translation that drops %(email)s is reported."""
    po = tmp_path / "x.po"
    po.write_text('msgid "Sent to %(email)s."\nmsgstr "Naipadala na."\n', encoding="utf-8")
    (entry,) = po_entries(po)
    assert PLACEHOLDER.findall(entry["msgid"]) != PLACEHOLDER.findall(entry["msgstr"]["msgstr"])


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is missing")
@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_msgfmt_accepts_the_catalogue(lang, domain):
    """GNU msgfmt's own checks (format strings, header, plural forms)."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(_catalogue(lang, domain))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is missing")
def test_committed_catalogues_are_current(tmp_path):
    """scripts/makemessages run on a copy of the tree finds exactly the committed msgids."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "node_modules",
            "*.mo",
            "__pycache__",
            "*.sqlite3",
            "media",
            "staticfiles",
            "docs",
        ),
    )
    result = subprocess.run(
        ["bash", "scripts/makemessages"],
        cwd=copy,
        env={**os.environ, "PY": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for lang in TRANSLATED:
        for domain in DOMAINS:
            made = {e["msgid"] for e in po_entries(copy / "locale" / lang / "LC_MESSAGES" / f"{domain}.po")}
            committed = {e["msgid"] for e in po_entries(_catalogue(lang, domain))}
            assert made - committed == set(), f"{lang}/{domain}.po lacks (run scripts/makemessages)"
            assert committed - made == set(), f"{lang}/{domain}.po has entries no source uses any more"


def test_deploy_check_names_missing_compiled_catalogues(settings, tmp_path):
    from gateway.checks import compiled_catalogues_check

    assert compiled_catalogues_check() == []  # compiled by make install-dev / tests/conftest.py
    settings.LOCALE_PATHS = [tmp_path]
    (problem,) = compiled_catalogues_check()
    assert problem.id == "gateway.E001" and "fil/LC_MESSAGES/django.mo" in problem.msg
