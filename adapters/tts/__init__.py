"""Vendor adapters: a Protocol, the official-SDK adapter and a local one per service."""
