"""`gongzhi --help`: the platform's own commands, one line each, instead of Django's list of its
internals (that list stays one command away: `gongzhi help --django`)."""
from __future__ import annotations

import re

# Django's commands an installation needs too (the rest are for developers).
DJANGO_COMMANDS = {
    "migrate": "create or upgrade the database tables",
    "createsuperuser": "create a system administrator account",
    "changepassword": "set a staff account's password",
}
# Groups that run without Django (gongzhi/__main__.py sends them to their own parser).
PURE_GROUPS = {"safety": "public-safety analysis of incident files (hotspots …); `gongzhi safety --help`"}


def one_line(text: str) -> str:
    """The first sentence of a command's help, short enough for one line."""
    line = re.split(r"(?<=[a-z)])\. ", " ".join(text.split()), maxsplit=1)[0].rstrip(".")
    if len(line) > 78:
        line = re.split(r":| \(|; |, ", line, maxsplit=1)[0]
    return line[:1].lower() + line[1:] if line[:2] != line[:2].upper() else line


def platform_commands() -> dict[str, str]:
    """Every management command of a gongzhi app, with its one line (Django is set up here)."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    found = {}
    for name, app in get_commands().items():
        if app.startswith("gongzhi"):
            found[name] = one_line(load_command_class(app, name).help or "")
    if "triage" in found:
        found["triage"] += "; `gongzhi triage --help` lists all its sub-commands"
    return found


def text() -> str:
    commands = {**platform_commands(), **PURE_GROUPS}
    width = max(len(n) for n in [*commands, *DJANGO_COMMANDS]) + 2
    lines = ["usage: gongzhi <command> [options]", "", "Gongzhi's commands:"]
    lines += [f"  {name:<{width}}{line}" for name, line in sorted(commands.items())]
    lines += ["", "Django's commands an installation uses:"]
    lines += [f"  {name:<{width}}{line}" for name, line in DJANGO_COMMANDS.items()]
    lines += ["", "`gongzhi <command> --help` shows a command's options; `gongzhi help --django` lists all of",
              "Django's own commands."]
    return "\n".join(lines)
