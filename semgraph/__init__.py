"""semgraph: one business semantic layer over CRM, ERP, HR, WMS and finance systems."""

__version__ = "0.1.0"
