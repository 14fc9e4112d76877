"""Sub-commands of the `cxdesk` CLI, one module per area; each only parses arguments and prints.

Each module has `register(subparsers, common_parent)`; a command sets `func(args) -> int`. The list is
written out here once: a module missing from a build fails at start-up instead of dropping commands.
"""

from cxdesk.commands import actions, analysis, brief, cases, data, insights, reports

COMMAND_MODULES = (data, analysis, insights, brief, actions, cases, reports)
