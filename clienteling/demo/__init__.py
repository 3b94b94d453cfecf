"""The demo dataset behind `manage.py seed_demo`: a French retailer with stores, a beauty
institute, a catalogue, staff with logins, and customers with cross-channel histories.

`catalogue` holds the fixed reference data, `builders` orchestrates one seeding run, and one
module per family of rows builds unsaved objects that are written with `bulk_create`.
"""
