"""HTTP routers; each translates between HTTP and one part of the optimizer library."""
