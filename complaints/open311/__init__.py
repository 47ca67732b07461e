"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests and tokens, each in
`.json` and `.xml` as the specification writes them (wiki.open311.org/GeoReport_v2)."""
