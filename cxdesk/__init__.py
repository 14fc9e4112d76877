"""cxdesk: run a small business's customer feedback loop offline."""

__version__ = "0.1.0"
APP_NAME = "cxdesk"
