"""clusterplan: industry clusters, comparative advantage and above-forecast growth for any region."""

__version__ = "0.1.0"
