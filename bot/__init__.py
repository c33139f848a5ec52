"""coalition-bot: the Creators Coalition on AI, in Discord."""

import os

# The bot's only BLAS work is small products for /ask; OpenBLAS's own thread pool would busy-wait
# beside the event loop after each one, so it runs on the calling thread (set before numpy loads;
# an operator's own OPENBLAS_NUM_THREADS wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
