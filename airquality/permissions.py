"""Who may do what in air quality: anyone reads, a resident manages their own subscription,
a sensor or feed sends readings with an API key holding INGEST_SCOPE (limited to the stations
its key lists, `ApiKey.allows`)."""

from jaki.apikeys.permissions import HasScope

INGEST_SCOPE = "airquality:ingest"

CanIngest = HasScope(INGEST_SCOPE)
