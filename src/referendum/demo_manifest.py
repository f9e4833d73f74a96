"""The manifest template of the demo referendum (and of `referendum init --template`).

The four oblasts whose 2022 votes are to be re-run, one question with two options, texts
in Ukrainian, Russian and English. Trustees, registrars and witnesses are added from
their own keygen commands (each prints its TOML block).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

__all__ = [
    "DISPLAY_NAMES",
    "REGIONS",
    "TEMPLATE",
    "ceremony_block",
    "key_block",
    "render",
    "with_voting",
]

#: (id, voters' share of the demo roll): roughly the oblasts' pre-war populations.
REGIONS = (("donetsk", 41), ("luhansk", 21), ("kherson", 10), ("zaporizhzhia", 17))

#: The demo's trustees', registrars' and witnesses' display names (protocol.md 9.2.2),
#: by the plain name (a witness: its key name) that the CLI and error messages keep using.
DISPLAY_NAMES = {
    "Ukrainian parliament delegate": {
        "uk": "Делегат Верховної Ради України",
        "ru": "Делегат Верховной Рады Украины",
        "en": "Ukrainian parliament delegate",
    },
    "Ukrainian civil society delegate": {
        "uk": "Делегат громадянського суспільства України",
        "ru": "Делегат гражданского общества Украины",
        "en": "Ukrainian civil society delegate",
    },
    "Russian government delegate": {
        "uk": "Делегат уряду Російської Федерації",
        "ru": "Делегат правительства Российской Федерации",
        "en": "Russian government delegate",
    },
    "Russian civil society delegate": {
        "uk": "Делегат громадянського суспільства Росії",
        "ru": "Делегат гражданского общества России",
        "en": "Russian civil society delegate",
    },
    "OSCE observer": {"uk": "Спостерігач ОБСЄ", "ru": "Наблюдатель ОБСЕ", "en": "OSCE observer"},
    "UN observer": {"uk": "Спостерігач ООН", "ru": "Наблюдатель ООН", "en": "UN observer"},
    "Council of Europe observer": {
        "uk": "Спостерігач Ради Європи",
        "ru": "Наблюдатель Совета Европы",
        "en": "Council of Europe observer",
    },
    "Central registrar (demo)": {
        "uk": "Центральний реєстратор (демо)",
        "ru": "Центральный регистратор (демо)",
        "en": "Central registrar (demo)",
    },
    "Observer mission registrar (demo)": {
        "uk": "Реєстратор місії спостерігачів (демо)",
        "ru": "Регистратор миссии наблюдателей (демо)",
        "en": "Observer mission registrar (demo)",
    },
    "observer-osce": {
        "uk": "Місія спостерігачів ОБСЄ",
        "ru": "Миссия наблюдателей ОБСЕ",
        "en": "OSCE observer mission",
    },
    "observer-un": {
        "uk": "Місія спостерігачів ООН",
        "ru": "Миссия наблюдателей ООН",
        "en": "UN observer mission",
    },
}

TEMPLATE = """\
# The referendum's definition. `referendum init` adds the board's key and keeps the
# canonical JSON form; its fingerprint is bound into every proof and signature.
id = "oblasts-2027"
languages = ["uk", "ru", "en"]
# Who must take part in a decryption: every clause "at least N of these groups" must be
# met, and the key ceremony shares the key so that nobody else can (docs/operations.md).
# Each trustee's block names its group (`referendum trustee keygen --group`).
policy = [{ at_least = 3, of = ["trustees"] }]
# How many codes make one voter's credential: every region is served by exactly this many
# registrars (ideally from opposing sides), each mailing the voter its own code, so that no
# registrar alone can vote for an abstainer. 1 is for rehearsals only (docs/operations.md).
codes_per_voter = 2
# A trustee's, registrar's or witness's block may add the name the pages show, in every
# language above: display = { uk = "...", ru = "...", en = "..." }; without it they show name.

[title]
uk = "Референдум щодо статусу Донецької, Луганської, Херсонської та Запорізької областей (повторення голосувань 2022 року)"
ru = "Референдум о статусе Донецкой, Луганской, Херсонской и Запорожской областей (повторение голосований 2022 года)"
en = "Referendum on the status of the Donetsk, Luhansk, Kherson and Zaporizhzhia oblasts (re-run of the 2022 votes)"

[voting]
opens = "2027-03-01T06:00:00Z"
closes = "2027-03-14T18:00:00Z"

[[questions]]
id = "status"
min_choices = 1
max_choices = 1
text = { uk = "До складу якої держави має входити ваша область?", ru = "В состав какого государства должна входить ваша область?", en = "Which state should your oblast be part of?" }

[[questions.options]]
id = "ukraine"
text = { uk = "Україна", ru = "Украина", en = "Ukraine" }

[[questions.options]]
id = "russia"
text = { uk = "Російська Федерація", ru = "Российская Федерация", en = "Russian Federation" }

[[regions]]
id = "donetsk"
questions = ["status"]
name = { uk = "Донецька область", ru = "Донецкая область", en = "Donetsk Oblast" }

[[regions]]
id = "luhansk"
questions = ["status"]
name = { uk = "Луганська область", ru = "Луганская область", en = "Luhansk Oblast" }

[[regions]]
id = "kherson"
questions = ["status"]
name = { uk = "Херсонська область", ru = "Херсонская область", en = "Kherson Oblast" }

[[regions]]
id = "zaporizhzhia"
questions = ["status"]
name = { uk = "Запорізька область", ru = "Запорожская область", en = "Zaporizhzhia Oblast" }
"""


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


Value = str | Sequence[str] | Mapping[str, str]


def _value(value: Value) -> str:
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Mapping):
        # an inline table, such as display = { uk = "...", en = "..." }; keys are language codes
        return "{ " + ", ".join(f"{k} = {_quote(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_quote(v) for v in value) + "]"


def key_block(table: str, fields: Sequence[tuple[str, Value]]) -> str:
    """Gives back one [[table]] block of TOML with the given fields: text, a list of text,
    or a table of text (display names per language)."""
    lines = [f"[[{table}]]", *(f"{name} = {_value(value)}" for name, value in fields)]
    return "\n".join(lines) + "\n"


def ceremony_block(opens: str, days: int = 1) -> str:
    """Gives back the [ceremony] table of deadlines: one step every `days` days, the last
    (confirm) `days` days before opens (UTC, ...Z form)."""
    start = dt.datetime.strptime(opens, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    lines = ["[ceremony]"]
    for n, step in enumerate(("commitment", "shares", "check", "reveal", "confirm")):
        at = start - dt.timedelta(days=days * (5 - n))
        lines.append(f'{step} = "{at.strftime("%Y-%m-%dT%H:%M:%SZ")}"')
    return "\n".join(lines) + "\n"


def with_voting(template: str, opens: str, closes: str) -> str:
    """Gives back template with its voting period set to opens .. closes (UTC, ...Z form)."""
    lines = []
    for line in template.splitlines(keepends=True):
        if line.startswith("opens = "):
            line = f'opens = "{opens}"\n'
        elif line.startswith("closes = "):
            line = f'closes = "{closes}"\n'
        lines.append(line)
    return "".join(lines)


def render(blocks: Sequence[str], template: str = TEMPLATE) -> str:
    """Gives back the template followed by the keygen blocks (trustees, registrars, ...)."""
    return template + "\n" + "\n".join(blocks)
