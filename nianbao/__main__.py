"""``python -m nianbao``: the same as the ``nianbao`` command."""

from .cli import cli

cli(prog_name="nianbao")
