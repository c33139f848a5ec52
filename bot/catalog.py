"""What the bot can do, read from the registered command tree so it never goes stale."""

from __future__ import annotations

from dataclasses import dataclass

from discord import app_commands


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """One invocable slash command (a leaf of the tree)."""

    path: str
    description: str
    admin: bool
    options: tuple[str, ...]


def command_entries(tree: app_commands.CommandTree) -> list[CommandEntry]:
    """Every leaf command of the global tree, in the order a reader expects."""
    entries: list[CommandEntry] = []
    for command in tree.get_commands(type=None):
        if isinstance(command, app_commands.Command | app_commands.Group):
            _walk(command, entries, admin=_is_admin(command))
    return sorted(entries, key=lambda e: (e.admin, e.path))


def _walk(
    command: app_commands.Command | app_commands.Group, out: list[CommandEntry], admin: bool
) -> None:
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            _walk(child, out, admin)
        return
    options = tuple(p.name if p.required else f"[{p.name}]" for p in command.parameters)
    out.append(CommandEntry(command.qualified_name, command.description, admin, options))


def _is_admin(command: app_commands.Command | app_commands.Group) -> bool:
    perms = command.default_permissions
    return perms is not None and perms.value != 0
