"""``python -m cloudorg.cli``: the ``cloudorg`` command."""

import sys

from .app import main

sys.exit(main())
