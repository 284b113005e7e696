"""The staff report: what patients ask, read from the tracker store, as one self-contained HTML file."""
