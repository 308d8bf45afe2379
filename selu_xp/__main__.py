"""``python -m selu_xp``: check selu on every backend installed here."""

import sys

from ._report import main

sys.exit(main())
