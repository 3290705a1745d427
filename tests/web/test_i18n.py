"""Every app's Chinese catalog is complete: no empty or fuzzy entry, and its .mo is up to date."""

from __future__ import annotations

import gettext
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "voxloop"
APPS = sorted(p.name for p in SRC.iterdir() if (p / "apps.py").exists() or (p / "locale").is_dir())


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    plural: bool = False
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return bytes(text[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def parse_po(text: str) -> list[Entry]:
    """The few parts of gettext's PO format that matter here (no polib)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def finish() -> None:
        nonlocal current
        if current.msgstrs or current.msgid:
            entries.append(current)
        current = Entry()

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):  # obsolete entries are not used
            continue
        if line.startswith("#,"):
            if current.msgstrs:
                finish()
            current.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            if current.msgstrs:
                finish()
        elif line.startswith("msgctxt "):
            if current.msgstrs:
                finish()
            current.context, target = _unquote(line[8:]), ("context", 0)
        elif line.startswith("msgid_plural "):
            current.plural, target = True, ("plural", 0)
        elif line.startswith("msgid "):
            if current.msgstrs:
                finish()
            current.msgid, current.line, target = _unquote(line[6:]), number, ("msgid", 0)
        elif line.startswith("msgstr"):
            head, _, value = line.partition(" ")
            index = int(head[7:-1]) if head.startswith("msgstr[") else 0
            current.msgstrs.append(_unquote(value))
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            part = _unquote(line)
            kind, index = target
            if kind == "msgid":
                current.msgid += part
            elif kind == "context":
                current.context = (current.context or "") + part
            elif kind == "msgstr":
                current.msgstrs[index] += part
        else:
            raise ValueError(f"line {number}: cannot read {raw!r}")
    finish()
    return entries


def _shown(path: Path) -> str:
    return str(path.relative_to(SRC)) if path.is_relative_to(SRC) else str(path)


def problems(po: Path) -> list[str]:
    out = []
    for e in parse_po(po.read_text(encoding="utf-8")):
        if e.msgid == "" and e.context is None:
            continue  # the header (makemessages marks it fuzzy; msgfmt keeps it anyway)
        where = f"{_shown(po)}:{e.line} {e.msgid[:50]!r}"
        if "fuzzy" in e.flags:
            out.append(f"{where} is fuzzy")
        if not e.msgstrs or any(not s for s in e.msgstrs):
            out.append(f"{where} has no translation")
    mo = po.with_suffix(".mo")
    if not mo.exists():
        out.append(f"{_shown(mo)} is missing: run scripts/messages.sh")
    else:
        out.extend(_stale(po, mo))
    return out


def _stale(po: Path, mo: Path) -> list[str]:
    """Entries whose compiled translation differs from the .po (file times mean nothing in git)."""
    try:
        with mo.open("rb") as fh:
            catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    except (OSError, ValueError, struct.error) as exc:
        return [f"{_shown(mo)} cannot be read ({exc}): run scripts/messages.sh"]
    out = []
    for e in parse_po(po.read_text(encoding="utf-8")):
        if (e.msgid == "" and e.context is None) or "fuzzy" in e.flags:
            continue
        key = f"{e.context}\x04{e.msgid}" if e.context is not None else e.msgid
        compiled = (
            [catalog.get((key, i)) for i in range(len(e.msgstrs))]
            if e.plural
            else [catalog.get(key)]
        )
        if compiled != e.msgstrs:
            out.append(f"{_shown(mo)} is out of date for {e.msgid[:50]!r}: run scripts/messages.sh")
            break
    return out


def _params() -> list[object]:
    params: list[object] = []
    for app in APPS:
        po = SRC / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        marks = (
            []
            if po.exists()
            else [pytest.mark.xfail(reason=f"{app} has no Chinese catalog yet", strict=False)]
        )
        params.append(pytest.param(app, marks=marks, id=app))
    return params


@pytest.mark.parametrize("app", _params())
def test_chinese_catalog_is_complete(app: str) -> None:
    po = SRC / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"{po} is missing: run scripts/messages.sh {app}"
    assert problems(po) == []


SAMPLE = r"""
# header
#, fuzzy
msgid ""
msgstr ""
"Language: zh_Hans\n"

msgid "Done"
msgstr "完成"

#, fuzzy
msgctxt "role"
msgid "Owner"
msgstr "所有者"

msgid "Long "
"text"
msgstr ""

msgid "%(n)s item"
msgid_plural "%(n)s items"
msgstr[0] ""

#~ msgid "Old"
#~ msgstr ""
"""


def test_the_parser_finds_empty_fuzzy_and_plural_entries(tmp_path: Path) -> None:
    entries = parse_po(SAMPLE)
    assert [(e.context, e.msgid) for e in entries] == [
        (None, ""),
        (None, "Done"),
        ("role", "Owner"),
        (None, "Long text"),
        (None, "%(n)s item"),
    ]
    assert entries[2].flags == {"fuzzy"} and entries[4].plural
    po = tmp_path / "django.po"
    po.write_text(SAMPLE, encoding="utf-8")
    found = problems(po)
    assert len(found) == 4  # fuzzy Owner, empty Long text, empty plural, missing .mo
    assert any("'Owner' is fuzzy" in f for f in found)
    assert any("missing" in f for f in found)
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"")
    assert any("cannot be read" in f for f in problems(po))
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Done"\nmsgstr "完成"\n',
        encoding="utf-8",
    )
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    assert problems(po) == []
    po.write_text(po.read_text(encoding="utf-8").replace("完成", "已完成"), encoding="utf-8")
    assert any("out of date for 'Done'" in f for f in problems(po))
