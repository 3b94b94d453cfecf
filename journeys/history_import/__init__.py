"""`manage.py import_history`: customers, orders, returns and pickups of the past, from JSON
Lines or CSV files, written in chunks by the batch API's validators and write path.

files: a file's identity and its chunks (byte ranges of whole records); readers, omni_csv,
shop_csv, formats: records out of each format; writers: each kind validated and written;
chunks: one chunk in one transaction with its "done" row (models); tasks: a chunk on a
Celery worker.
"""
