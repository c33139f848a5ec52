"""An item's content hash is the SHA-256 of its fields as json.dumps writes them, as stored."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.items import AlertItem, ItemKind

FIELDS = st.lists(
    st.sampled_from(["title", "status", "status_date", "url", "identifier", "published_at"]),
    min_size=1,
    max_size=5,
).map(tuple)
TEXT = st.text()  # any code point, control characters and lone surrogates included


def json_hash(item: AlertItem, fields: tuple[str, ...]) -> str:
    values = {name: getattr(item, name) for name in fields}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


@given(TEXT, TEXT, st.none() | TEXT, st.none() | TEXT, FIELDS)
def test_content_hash_is_the_json_hash_it_always_was(
    title: str, url: str, status: str | None, status_date: str | None, fields: tuple[str, ...]
) -> None:
    item = AlertItem(
        source="govinfo-bills",
        external_id="BILLS-119s1",
        kind=ItemKind.BILL,
        jurisdiction="US",
        identifier="S.1",
        title=title,
        url=url,
        status=status,
        status_date=status_date,
    )
    assert item.content_hash(fields) == json_hash(item, fields)


def test_a_field_that_is_not_text_is_hashed_as_json_writes_it() -> None:
    item = AlertItem("s", "1", ItemKind.BILL, "US", "S.1", "A title", "https://example.org/1")
    odd = AlertItem.__new__(AlertItem)
    for name in AlertItem.__slots__:
        object.__setattr__(odd, name, getattr(item, name))
    object.__setattr__(odd, "status", 3)
    assert odd.content_hash(("title", "status")) == json_hash(odd, ("title", "status"))
