"""What bkn_sync's ports are in production, besides its database: BKN's HTTP, a monotonic stopwatch."""
