"""referendum: an end-to-end verifiable referendum system."""

__version__ = "0.1.0"
