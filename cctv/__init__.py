"""CCTV: public and restricted cameras, signed short-lived streams, health probes."""
