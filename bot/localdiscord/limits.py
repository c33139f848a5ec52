"""Discord's request-body limits; a body that breaks one gets 400 / 50035, as from Discord."""

from __future__ import annotations

import re
from typing import Any

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def message_problems(body: dict[str, Any]) -> list[str]:
    """Every limit a create/edit-message body breaks (content, embeds, components)."""
    problems: list[str] = []
    content = body.get("content")
    if content is not None and len(content) > 2000:
        problems.append("content: must be 2000 or fewer in length")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("embeds: must be 10 or fewer in length")
    total = 0
    for i, embed in enumerate(embeds):
        total += _embed_problems(embed, f"embeds.{i}", problems)
    if total > 6000:
        problems.append("embeds: embed size exceeds maximum size of 6000")
    problems += component_problems(body.get("components") or [])
    return problems


def _embed_problems(embed: dict[str, Any], where: str, problems: list[str]) -> int:
    limits = {"title": 256, "description": 4096}
    size = 0
    for key, limit in limits.items():
        value = embed.get(key) or ""
        size += len(value)
        if len(value) > limit:
            problems.append(f"{where}.{key}: must be {limit} or fewer in length")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where}.fields: must be 25 or fewer in length")
    for j, f in enumerate(fields):
        size += len(f.get("name", "")) + len(f.get("value", ""))
        if not f.get("name") or len(f["name"]) > 256:
            problems.append(f"{where}.fields.{j}.name: must be 1 to 256 in length")
        if not f.get("value") or len(f["value"]) > 1024:
            problems.append(f"{where}.fields.{j}.value: must be 1 to 1024 in length")
    footer = (embed.get("footer") or {}).get("text", "")
    author = (embed.get("author") or {}).get("name", "")
    size += len(footer) + len(author)
    if len(footer) > 2048:
        problems.append(f"{where}.footer.text: must be 2048 or fewer in length")
    if len(author) > 256:
        problems.append(f"{where}.author.name: must be 256 or fewer in length")
    return size


def component_problems(rows: list[dict[str, Any]], *, modal: bool = False) -> list[str]:
    """Rows, buttons, selects and text inputs within Discord's limits."""
    problems: list[str] = []
    if len(rows) > 5:
        problems.append("components: must be 5 or fewer in length")
    for i, row in enumerate(rows):
        children = row.get("components") or ([row["component"]] if "component" in row else [])
        if row.get("type") == 1 and not 1 <= len(children) <= 5:
            problems.append(f"components.{i}.components: must be 1 to 5 in length")
        for j, child in enumerate(children):
            problems += _item_problems(child, f"components.{i}.components.{j}", modal)
    return problems


def _item_problems(item: dict[str, Any], where: str, modal: bool) -> list[str]:
    problems = []
    custom_id = item.get("custom_id")
    if custom_id is not None and not 1 <= len(custom_id) <= 100:
        problems.append(f"{where}.custom_id: must be 1 to 100 in length")
    if item.get("type") == 2 and len(item.get("label") or "") > 80:
        problems.append(f"{where}.label: must be 80 or fewer in length")
    if item.get("type") == 3 and not 1 <= len(item.get("options") or []) <= 25:
        problems.append(f"{where}.options: must be 1 to 25 in length")
    if item.get("type") == 4:
        if not modal:
            problems.append(f"{where}: text inputs belong in modals")
        if len(item.get("label") or "") > 45:
            problems.append(f"{where}.label: must be 45 or fewer in length")
        if (item.get("max_length") or 4000) > 4000:
            problems.append(f"{where}.max_length: must be 4000 or less")
    return problems


def modal_problems(data: dict[str, Any]) -> list[str]:
    """A modal callback's data within limits."""
    problems = []
    if not 1 <= len(data.get("title") or "") <= 45:
        problems.append("data.title: must be 1 to 45 in length")
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        problems.append("data.custom_id: must be 1 to 100 in length")
    return problems + component_problems(data.get("components") or [], modal=True)


def autocomplete_problems(data: dict[str, Any]) -> list[str]:
    """At most 25 choices, each name 1 to 100 characters."""
    choices = data.get("choices") or []
    problems = ["data.choices: must be 25 or fewer in length"] if len(choices) > 25 else []
    for i, choice in enumerate(choices):
        if not 1 <= len(choice.get("name") or "") <= 100:
            problems.append(f"data.choices.{i}.name: must be 1 to 100 in length")
    return problems


def command_problems(commands: list[dict[str, Any]]) -> list[str]:
    """A bulk-overwrite body within Discord's application-command limits."""
    problems = []
    if len(commands) > 100:
        problems.append("must be 100 or fewer in length")
    names = [c.get("name", "") for c in commands]
    if len(names) != len(set(names)):
        problems.append("application command names must be unique")
    for i, command in enumerate(commands):
        problems += _command_problems(command, str(i), depth=0)
    return problems


def _command_problems(command: dict[str, Any], where: str, depth: int) -> list[str]:
    problems = []
    name = command.get("name", "")
    if not _COMMAND_NAME.match(name) or name != name.lower():
        problems.append(f"{where}.name: invalid command name {name!r}")
    description = command.get("description", "")
    if command.get("type", 1) == 1 and not 1 <= len(description) <= 100:
        problems.append(f"{where}.description: must be 1 to 100 in length")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"{where}.options: must be 25 or fewer in length")
    for j, option in enumerate(options):
        if option.get("type") in (1, 2):
            if depth >= 2:
                problems.append(f"{where}.options.{j}: subcommands nest at most two levels")
            problems += _command_problems(option, f"{where}.options.{j}", depth + 1)
        else:
            problems += _command_problems({**option, "type": 1}, f"{where}.options.{j}", depth + 1)
    return problems
