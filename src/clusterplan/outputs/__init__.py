"""clusterplan.outputs."""
