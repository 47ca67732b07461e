"""The Indonesian catalogue is complete and compiled: no English leaks into an `id` response."""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_entries(language: str) -> list[dict]:
    """(msgid, msgstrs, fuzzy) of each entry; enough of the PO format for this check."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    entries = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line.startswith('"') and key:
                fields[key] += line[1:-1]
            elif " " in line:
                key, value = line.split(" ", 1)
                fields[key] = value[1:-1]
        if fields.get("msgid"):
            strs = [value for name, value in fields.items() if name.startswith("msgstr")]
            entries.append({"msgid": fields["msgid"], "msgstrs": strs, "fuzzy": "fuzzy" in block})
    return entries


def test_every_indonesian_message_is_translated_and_not_fuzzy():
    untranslated = [e["msgid"] for e in po_entries("id") if e["fuzzy"] or not all(e["msgstrs"])]

    assert untranslated == []


def test_the_compiled_indonesian_catalogue_matches_its_source():
    with (LOCALE / "id" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    compiled = {key if isinstance(key, str) else key[0] for key in catalog if key}

    sources = {ast.literal_eval(f'"{e["msgid"]}"') for e in po_entries("id")}
    assert sources - compiled == set(), "run `make messages` to compile the catalogue"
