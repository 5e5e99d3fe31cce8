"""Research clients: their organisations (and, next, the studies they commission)."""
