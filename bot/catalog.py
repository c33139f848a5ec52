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


class Catalog:
    """The command entries of a tree, worked out again only when its commands change.

    Reading every command's parameters builds discord.py objects for each of them: /help did
    that on every call, a quarter of its time. The tree changes only when a cog loads or
    unloads, which adds, removes or replaces command and group objects, so the key is the
    objects themselves with their depth (held, so none is freed and its id reused).
    """

    def __init__(self, tree: app_commands.CommandTree) -> None:
        self._tree = tree
        self._shape: tuple[tuple[object, int], ...] = ()
        self._entries: tuple[CommandEntry, ...] = ()

    def entries(self) -> tuple[CommandEntry, ...]:
        """The tree's leaf commands, as command_entries gives them."""
        shape = _shape(self._tree)
        if shape != self._shape:
            self._entries, self._shape = tuple(command_entries(self._tree)), shape
        return self._entries


def _shape(tree: app_commands.CommandTree) -> tuple[tuple[object, int], ...]:
    """Every command and group of the tree with its depth, depth first."""
    out: list[tuple[object, int]] = []
    pending: list[tuple[object, int]] = [(c, 0) for c in tree.get_commands(type=None)]
    while pending:
        command, depth = pending.pop()
        out.append((command, depth))
        if isinstance(command, app_commands.Group):
            pending.extend((child, depth + 1) for child in command.commands)
    return tuple(out)


def _is_admin(command: app_commands.Command | app_commands.Group) -> bool:
    perms = command.default_permissions
    return perms is not None and perms.value != 0
