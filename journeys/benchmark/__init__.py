"""`manage.py bench_ingest`: the write paths of issue 9 (batch API, replay, history import,
webhook acknowledgement), each against its raw baseline measured in the same run."""
