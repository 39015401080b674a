"""clusterplan.sources."""
