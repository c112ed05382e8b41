"""The local network's compute-status service: it measures every provider registered on the chain with
real checks (a paid chat request for a chatbot, the free model list for the others) and answers
`/health` and `/models` in the shape of 0G's compute-status service (docs/status-service.md)."""
