"""The data pipeline: ingest landing files, check them against their contracts, mask PII,
transform, and catalog the results, with OpenLineage events for every step."""
