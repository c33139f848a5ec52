"""Python's cycle collector in a long-running bot: what start-up built is set aside, and the
young generation is collected less often."""

from __future__ import annotations

import gc

# Container objects allocated (less those freed) between two collections of the youngest
# generation; Python's default is 700. In a burst of interactions each one allocates a few
# hundred, most of them alive until its reply is sent, so at 700 the collector ran several times
# an interaction and walked the same live objects again and again. See "Interactions" in the
# README's performance section for what it measured.
YOUNG_THRESHOLD = 5_000


def settle() -> None:
    """Collect once, then move every object still alive into the permanent generation, which
    later collections do not walk (`gc.freeze`): the standards engine, the command tree, the
    modules' own objects. A full collection of the bot after start-up walked about 110,000 of
    them and held the event loop for 45–130 ms in the middle of a burst.

    Called when the bot is ready and after the standards are reloaded; what an earlier call set
    aside is looked at again first (`gc.unfreeze`), so an object dropped since is collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
