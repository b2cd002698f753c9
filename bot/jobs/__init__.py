"""Background work run by the scheduler's leader: the ticker and the jobs it runs."""
