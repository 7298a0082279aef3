"""LLM providers behind one streaming interface, and the fallback chain over them."""
