"""Sub-commands of the `cxdesk` CLI, one module per area; each only parses arguments and prints."""
