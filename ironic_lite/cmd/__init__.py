"""Console-script and WSGI entry points: parse configuration, build the pieces, run."""
