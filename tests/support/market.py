"""Shared inputs of the local market's acceptance tests."""

# ~1,200 engine tokens: past chat-tiered's 1k bound, inside its 4k one (2x input, 3x output)
LONG_PROMPT = "Please summarise these notes. " + "The ledger pays each provider for its tokens. " * 140
