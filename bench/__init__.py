"""`make bench`: the deadline-day figures, each beside a reference step measured in the same run.

`python -m bench [--teachers N] [--quick]` runs, one after another on this machine: the reference steps
(a bare aio-pika + asyncpg consumer and a bare FastAPI + PyJWT + asyncpg endpoint), each service's consumer
hot path, planning's SKP submit / approve / approval queue under concurrent clients, the full cycle of N
teachers through every service and the BKN sandbox, and the outbox lag at a steady event rate, with every
process's resident memory. Results go to `bench/results/` (JSON, markdown table, PNG chart).

It lives at the repository root, not under tools/, because it is run as `python -m bench` (what `make bench` calls)
and its committed results are a document of their own that the README links to.
"""
