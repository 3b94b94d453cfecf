"""Data protection: what the DPO does with the personal data Omni holds (subject access export,
erasure, retention), built on the registry of personal data (`omni.personal_data`)."""
