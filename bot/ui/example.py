"""The visible label on example text: standards and pledge text the coalition has not adopted."""

from __future__ import annotations

COALITION = "Creators Coalition on AI"

#: On every reply that shows or quotes example standards or pledge text.
EXAMPLE_TEXT_LABEL = f"Example text — not adopted by the {COALITION}"
#: On counts, the wall and milestones while the pledge members sign is example text.
EXAMPLE_PLEDGE_LABEL = f"Signatures to an example pledge — not adopted by the {COALITION}"


def example_label(example: bool, *, signatures: bool = False) -> str:
    """The short label example text carries (empty for adopted text).

    With signatures=True it says that the signatures counted or listed were given to an
    example pledge.
    """
    if not example:
        return ""
    return EXAMPLE_PLEDGE_LABEL if signatures else EXAMPLE_TEXT_LABEL


def labelled(text: str, example: bool, *, signatures: bool = False, sep: str = " · ") -> str:
    """text with the example label in front of it, joined by sep; text alone when adopted."""
    label = example_label(example, signatures=signatures)
    return f"{label}{sep}{text}" if label and text else label or text
