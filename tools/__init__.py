"""Developer tooling: the local process stack (`tools.stack`) and the demo (`tools.demo`)."""
