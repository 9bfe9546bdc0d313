"""Console-script entry points: parse configuration, build the pieces, run."""
