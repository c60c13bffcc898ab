"""Planning's tables and repositories."""
