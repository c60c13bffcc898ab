"""bkn_sync's tables, repositories, unit of work, and the one adapter that speaks BKN's HTTP."""
