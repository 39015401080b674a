"""clusterplan.scenarios."""
