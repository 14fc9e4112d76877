"""Dictionaries and models shipped with cxdesk as package data."""
