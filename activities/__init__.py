"""Every side effect, each idempotent (key = workflow id + step). Adapters are injected by worker.py."""
