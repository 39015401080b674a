"""clusterplan.measures."""
