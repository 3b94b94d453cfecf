"""The dashboard benchmark: a set-based PostgreSQL dataset generator and a timing harness.

`dataset.generate_dataset` fills a migrated PostgreSQL database with N customers and M orders
(default 1,000,000 / 5,000,000) in a few INSERT … SELECT statements; `harness` times the
aggregate rebuild and the head-office views. `manage.py bench_dashboards` drives both.
"""
