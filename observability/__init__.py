"""Metrics, traces and structured logs shared by the api, the media server and the worker."""
