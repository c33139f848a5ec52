"""`coalition-bot demo`: the real bot against the bundled local Discord, in a terminal.

No token and no network: the local Discord (bot.localdiscord) listens on 127.0.0.1, the bot
connects to it in this process, and a person types slash commands the way Discord shows them.
The database is a throw-away file; a few sample alerts go in through the real alert store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.ui.plaintext import WIDTH, message_text, unmark, wrap

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, NUMBER = 3, 4, 5, 6, 7, 8, 10
SUBCOMMAND, GROUP = 1, 2
TEXT_INPUT, CHECKBOX, TEXT_DISPLAY, LABEL = 4, 23, 10, 18
SELECTS = (3, 5, 6, 7, 8, 22)
LINK_STYLE = 5

BANNER = """\
coalition-bot demo: the real bot, a local Discord on 127.0.0.1, no token, no network.
Sample data only: the bundled example standards and {alerts} made-up sample alerts, in a
throw-away database that is deleted when you quit.

You are {user} in #general of "{guild}". Type commands as Discord shows them:
  /ask question: can they train on my videos
  /pledge sign type: youtuber
Type a number to press a numbered button, `help` for every command, `quit` to leave.
To see the replies as Discord draws them, open {view} in a browser.
"""

HELP_EXTRA = """\
  NUMBER            press the button (or open the menu) with that number
  as admin|member   act as the server's moderator or as an ordinary member
  help              this list
  quit              leave (Ctrl-D works too)"""


class DemoInputError(Exception):
    """What a person typed can't be run; the message says why."""


def sample_alerts(now: datetime) -> list[Any]:
    """Made-up alerts, clearly marked as samples, to show how /alerts latest looks."""
    from bot.alerts.items import AlertItem, ItemKind

    def day(n: int) -> str:
        return (now - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return [
        AlertItem(
            source="demo",
            external_id="demo-bill-1",
            kind=ItemKind.BILL,
            jurisdiction="US",
            identifier="DEMO 1",
            title="Sample bill (demo data): consent before a digital replica of a performer",
            url="https://example.org/demo/bill-1",
            status="Sample: introduced",
            published_at=day(1),
            summary="digital replica voice likeness performer consent artificial intelligence",
        ),
        AlertItem(
            source="demo",
            external_id="demo-case-1",
            kind=ItemKind.CASE,
            jurisdiction="US",
            identifier="DEMO 2",
            title="Sample case (demo data): authors v. an AI company over training data",
            url="https://example.org/demo/case-1",
            status="Sample: complaint filed",
            published_at=day(2),
            summary="copyright training data generative artificial intelligence authors",
        ),
        AlertItem(
            source="demo",
            external_id="demo-bill-2",
            kind=ItemKind.BILL,
            jurisdiction="US-CA",
            identifier="DEMO 3",
            title="Sample state bill (demo data): disclosure of AI-generated content",
            url="https://example.org/demo/bill-2",
            status="Sample: passed committee",
            published_at=day(3),
            summary="disclosure label synthetic media generative artificial intelligence",
        ),
    ]


def default_standards(settings: Settings) -> Path:
    """The configured standards, or the bundled example when the folder is not there.

    The default STANDARDS_PATH is relative to the working directory; run from elsewhere, the
    demo and `ask` still find the example that comes with the source.
    """
    if settings.standards_path.is_dir():
        return settings.standards_path
    bundled = Path(__file__).resolve().parents[1] / "content" / "standards"
    return bundled if bundled.is_dir() else settings.standards_path


async def seed(settings: Settings) -> int:
    """Put the sample alerts in the throw-away database through the real store."""
    from bot.alerts.store import AlertStore
    from bot.db import Database

    db = await Database.open(settings.database_path)
    try:
        items = sample_alerts(datetime.now(UTC))
        await AlertStore(db).ingest("demo", items)
        return len(items)
    finally:
        await db.close()


def demo_command(settings: Settings, _args: Any) -> int:
    """Run the demo in this terminal."""
    return asyncio.run(run_demo(settings, sys.stdin, sys.stdout))


async def run_demo(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    from bot.app import CoalitionBot, point_discord_at
    from bot.localdiscord import FakeDiscord

    # The bot's routine log lines would bury the conversation.
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="coalition-demo-") as tmp:
        async with FakeDiscord() as fake:
            # A person reads and types more slowly than Discord's 3-second window assumes.
            fake.interaction_window = None
            demo = replace(
                settings,
                discord_token=fake.token,
                discord_api_base_url=fake.api_base_url,
                discord_gateway_url=fake.gateway_url,
                database_path=Path(tmp) / "demo.db",
                database_url=None,  # the demo's throw-away file, never the real server
                standards_path=default_standards(settings),
                alerts_poll=False,
                llm_base_url=None,
                web_port=None,
                # Ids from a real server's .env mean nothing in the local one.
                discord_guild_ids=(),
                standards_help_channel_id=None,
                pledge_role_id=None,
                pledge_announce_channel_id=None,
                admin_log_channel_id=None,
            )
            alerts = await seed(demo)
            point_discord_at(demo)
            bot = CoalitionBot(demo)
            async with bot:
                await bot.login(fake.token)
                runner = asyncio.ensure_future(bot.connect())
                try:
                    await fake.wait_ready(20)
                    session = Session(fake, stdin, out)
                    session.say(
                        BANNER.format(
                            alerts=alerts,
                            user=fake.member.username,
                            guild=fake.guild.name,
                            view=f"http://127.0.0.1:{fake.port}/_view",
                        )
                    )
                    await session.loop()
                finally:
                    await bot.close()
                    with contextlib.suppress(asyncio.CancelledError):
                        await runner
    return 0


class Session:
    """The terminal conversation: parse a line, act as the user, show what the bot did."""

    def __init__(self, fake: Any, stdin: TextIO, out: TextIO) -> None:
        self.fake = fake
        self.stdin = stdin
        self.out = out
        self.user = fake.member
        self.clickable: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def ask(self, prompt: str) -> str | None:
        """A line from the person, or None at end of input."""
        self.out.write(prompt)
        self.out.flush()
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\r\n")

    async def loop(self) -> None:
        while True:
            line = await self.ask("> ")
            if line is None:
                self.say()
                return
            line = line.strip()
            if not line:
                continue
            if line in ("quit", "exit", "/quit"):
                self.say("Bye.")
                return
            try:
                await self.handle(line)
            except DemoInputError as exc:
                self.say(f"! {exc}")
            except (AssertionError, TimeoutError) as exc:
                # The local Discord refuses what Discord would refuse; say what, and go on.
                self.say(f"! {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")

    async def handle(self, line: str) -> None:
        if line == "help":
            self.say(self.help_text())
        elif line.startswith("as "):
            who = line[3:].strip().lower()
            users = {"admin": self.fake.admin, "member": self.fake.member}
            if who not in users:
                raise DemoInputError("say `as admin` or `as member`")
            self.user = users[who]
            self.say(f"You are now {self.user.username}.")
        elif line.isdigit():
            await self.press(int(line))
        elif line.startswith("/"):
            path, options = parse_command(line, self.fake.commands_in_scope())
            options = self.resolve(path, options)
            record = await self.fake.invoke(path, user=self.user, options=options)
            await self.show(record)
        else:
            raise DemoInputError("commands start with / (try `help`)")

    def resolve(self, path: str, options: dict[str, Any]) -> dict[str, Any]:
        """Turn typed names into the users, channels and roles they name."""
        node = find_node(self.fake.commands_in_scope(), path.split())
        kinds = {o["name"]: o["type"] for o in node.get("options", [])}
        resolved = {}
        for name, value in options.items():
            kind = kinds.get(name)
            text = str(value).lstrip("@#")
            if kind == USER:
                found = [
                    m.user
                    for m in self.fake.guild.members.values()
                    if m.user.username.lower() == text
                ]
                if not found:
                    raise DemoInputError(f"{name}: no member called {text!r}")
                value = found[0]
            elif kind == CHANNEL:
                try:
                    value = self.fake.channel(text)
                except (KeyError, AssertionError, StopIteration):
                    raise DemoInputError(f"{name}: no channel #{text}") from None
            elif kind == ROLE:
                roles = [
                    r for r in self.fake.guild.roles.values() if r.name.lower() == text.lower()
                ]
                if not roles:
                    raise DemoInputError(f"{name}: no role {text!r}")
                value = roles[0]
            resolved[name] = value
        return resolved

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.clickable):
            raise DemoInputError("no button with that number in the last reply")
        message, component = self.clickable[number - 1]
        if component["type"] in SELECTS:
            values = await self.choose(component)
            record = await self.fake.select(message, component["custom_id"], values, user=self.user)
        else:
            record = await self.fake.click(message, component["custom_id"], user=self.user)
        await self.show(record)

    async def choose(self, component: dict[str, Any]) -> list[str]:
        """Pick options of a select menu by number."""
        options = component.get("options") or []
        if not options:
            raise DemoInputError("this menu has no options to pick in the demo")
        for i, option in enumerate(options, start=1):
            self.say(f"    {i}. {option.get('label', option.get('value'))}")
        most = int(component.get("max_values") or 1)
        least = component.get("min_values")
        least = 1 if least is None else int(least)
        while True:
            hint = "a number" if most == 1 else f"numbers separated by commas (up to {most})"
            line = await self.ask(f"  choose {hint}: ")
            if line is None:
                raise DemoInputError("no choice made")
            picks = [p for p in re.split(r"[,\s]+", line.strip()) if p]
            if not picks and least == 0:
                return []
            valid = all(p.isdigit() and 1 <= int(p) <= len(options) for p in picks)
            if picks and valid and least <= len(picks) <= most:
                return [options[int(p) - 1]["value"] for p in picks]
            self.say(f"  please type {hint} from the list")

    async def show(self, record: Any) -> None:
        """Wait for the bot's answer to an interaction and print it."""
        callback = await record.responded(timeout=30)
        if callback["type"] == 9:  # a modal
            await self.fill_modal(record, callback["data"])
            return
        message = await record.message(timeout=60)
        shown = [message]
        for followup in record.followups:
            if followup is not message:
                shown.append(followup)
        self.clickable = []
        for item in shown:
            ephemeral = record.ephemeral or bool(int(item.get("flags") or 0) & 64)
            text, components = message_text(
                item, ephemeral=ephemeral, names=self.names(), number_from=len(self.clickable) + 1
            )
            self.clickable.extend((item, c) for c in components)
            self.say(text)

    async def fill_modal(self, record: Any, modal: dict[str, Any]) -> None:
        """A modal as prompts, one field at a time, then submit it."""
        self.say(f"┌─ {unmark(modal.get('title', 'Form'))} ─ (a form; Enter keeps a default)")
        values: dict[str, Any] = {}
        for row in modal.get("components") or []:
            if row["type"] == TEXT_DISPLAY:
                for line in wrap(unmark(row.get("content", "")), WIDTH - 2):
                    self.say(f"│ {line}")
                continue
            if row["type"] == LABEL:
                fields = [(row.get("label", ""), row.get("description"), row["component"])]
            else:
                fields = [(c.get("label", ""), None, c) for c in row.get("components") or []]
            for label, description, component in fields:
                values[component["custom_id"]] = await self.field(label, description, component)
        self.say("└─ submitted")
        submitted = await self.fake.submit_modal(record, values, user=self.user)
        await self.show(submitted)

    async def field(self, label: str, description: str | None, component: dict[str, Any]) -> Any:
        if description:
            self.say(f"│ {unmark(description)}")
        kind = component["type"]
        required = component.get("required", kind == TEXT_INPUT)
        if kind in SELECTS:
            self.say(f"│ {label}{' (required)' if required else ''}:")
            return await self.choose(component)
        if kind == CHECKBOX:
            while True:
                line = await self.ask(f"│ {label} [y/N]: ")
                answer = (line or "").strip().lower()
                if answer in ("", "n", "no", "y", "yes"):
                    return answer in ("y", "yes")
        default = component.get("value") or ""
        while True:
            shown = f" [{default}]" if default else ""
            placeholder = (
                f" (e.g. {component['placeholder']})" if component.get("placeholder") else ""
            )
            line = await self.ask(f"│ {label}{placeholder}{shown}: ")
            if line is None:
                raise DemoInputError("form left unfinished")
            value = line.strip() or default
            if value or not required:
                return value
            self.say("│ this field is required")

    def names(self) -> dict[str, str]:
        names = {str(c.id): c.name for c in self.fake.guild.channels.values()}
        names.update({str(r.id): r.name for r in self.fake.guild.roles.values()})
        names.update({str(m.user.id): m.user.username for m in self.fake.guild.members.values()})
        return names

    def help_text(self) -> str:
        lines = ["Commands (options as name: value; [optional]):"]
        for command in sorted(self.fake.commands_in_scope(), key=lambda c: c["name"]):
            lines.extend(_usage(command, [command["name"]]))
        return "\n".join(lines) + "\n" + HELP_EXTRA


def _usage(node: dict[str, Any], path: list[str]) -> list[str]:
    subs = [o for o in node.get("options", []) if o["type"] in (SUBCOMMAND, GROUP)]
    if subs:
        out = []
        for sub in subs:
            out.extend(_usage(sub, [*path, sub["name"]]))
        return out
    parts = []
    for option in node.get("options", []):
        choices = "|".join(str(c["value"]) for c in option.get("choices") or [])
        if option["type"] == BOOLEAN:
            choices = "true|false"
        shown = f"{option['name']}: {choices or option['name'].upper()}"
        parts.append(shown if option.get("required") else f"[{shown}]")
    usage = "/" + " ".join(path) + (" " + " ".join(parts) if parts else "")
    description = node.get("description", "")
    return (
        [f"  {usage}", f"      {description}"]
        if len(usage) > WIDTH // 2
        else [f"  {usage.ljust(WIDTH // 2)}  {description}"]
    )


def find_node(commands: list[dict[str, Any]], words: list[str]) -> dict[str, Any]:
    """The registered command or subcommand these words name."""
    node = next((c for c in commands if c["name"] == words[0]), None)
    if node is None:
        raise DemoInputError(f"there is no /{words[0]} (try `help`)")
    for word in words[1:]:
        child = next(
            (
                o
                for o in node.get("options", [])
                if o["name"] == word and o["type"] in (SUBCOMMAND, GROUP)
            ),
            None,
        )
        if child is None:
            raise DemoInputError(f"/{' '.join(words)}: no such subcommand (try `help`)")
        node = child
    if any(o["type"] in (SUBCOMMAND, GROUP) for o in node.get("options", [])):
        subs = ", ".join(o["name"] for o in node["options"])
        raise DemoInputError(f"/{' '.join(words)} needs one of: {subs}")
    return node


def parse_command(line: str, commands: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """'/pledge sign type: youtuber' -> ('pledge sign', {'type': 'youtuber'}), typed."""
    text = line.strip().lstrip("/")
    first = re.search(r"(?:^|\s)([\w-]+):", text)
    head = text[: first.start()] if first else text
    words = head.split()
    if not words:
        raise DemoInputError("type a command after the /")
    node = find_node(commands, words)
    declared = {o["name"]: o for o in node.get("options", [])}
    rest = text[len(head) :]
    options: dict[str, Any] = {}
    if declared:
        names = "|".join(re.escape(n) for n in sorted(declared, key=len, reverse=True))
        pieces = re.split(rf"(?:^|\s)({names}):", rest)
        if pieces[0].strip():
            raise DemoInputError(f"unknown option {pieces[0].strip()!r}; try `help`")
        for name, value in zip(pieces[1::2], pieces[2::2], strict=True):
            options[name] = _typed(declared[name], value.strip())
    elif rest.strip():
        raise DemoInputError(f"/{' '.join(words)} takes no options")
    for name, spec in declared.items():
        if spec.get("required") and name not in options:
            raise DemoInputError(f"/{' '.join(words)} needs {name}: (try `help`)")
    return " ".join(words), options


def _typed(spec: dict[str, Any], value: str) -> Any:
    name, kind = spec["name"], spec["type"]
    if not value:
        raise DemoInputError(f"{name}: needs a value")
    choices = spec.get("choices") or []
    if choices:
        for choice in choices:
            if value.lower() in (str(choice["value"]).lower(), str(choice["name"]).lower()):
                return choice["value"]
        allowed = ", ".join(str(c["value"]) for c in choices)
        raise DemoInputError(f"{name}: one of {allowed}")
    if kind == BOOLEAN:
        if value.lower() in ("true", "yes", "y"):
            return True
        if value.lower() in ("false", "no", "n"):
            return False
        raise DemoInputError(f"{name}: true or false")
    if kind in (INTEGER, NUMBER):
        try:
            return int(value) if kind == INTEGER else float(value)
        except ValueError:
            raise DemoInputError(f"{name}: a number") from None
    return value
