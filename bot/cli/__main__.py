"""Run the ``innspill`` command as ``python -m bot.cli``."""

from bot.cli.main import main

raise SystemExit(main())
