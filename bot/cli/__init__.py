"""The ``innspill`` command line: sub-commands, the terminal chat, imports."""
