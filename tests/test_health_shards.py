"""The heartbeat's "connected" means every shard's gateway socket is open."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.health import gateway_connected


@dataclass
class Shard:
    closed: bool = False

    def is_closed(self) -> bool:
        return self.closed


@dataclass
class ShardedClient:
    shards: dict[int, Shard] = field(default_factory=dict)
    ready: bool = True

    def is_ready(self) -> bool:
        return self.ready

    def is_closed(self) -> bool:
        return False

    async def wait_until_ready(self) -> None:
        return None


def test_a_sharded_client_is_connected_only_while_every_shard_is() -> None:
    client = ShardedClient({0: Shard(), 1: Shard()})
    assert gateway_connected(client)
    client.shards[1].closed = True
    assert not gateway_connected(client)
    assert not gateway_connected(ShardedClient({0: Shard()}, ready=False))
    assert not gateway_connected(ShardedClient({}))  # no shard (and no socket) yet
