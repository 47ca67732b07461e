"""Durable idempotency records: what `jaki.api.idempotent` keeps of a request made with an
Idempotency-Key, in the database so every process sees it. It sits below `jaki.api` and imports
nothing of `jaki`."""
