"""Emma, the conversation agent: stages, tools, guardrails, providers and the local policy."""
