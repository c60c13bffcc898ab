"""`make chaos`: a run of the whole stack under faults that must lose nothing (see __main__)."""
