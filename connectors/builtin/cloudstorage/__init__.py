"""Camunda's cloud storage connectors that move documents: Azure Blob Storage
(`io.camunda:azure-blobstorage:1`, `azure.py`) and Google Cloud Storage (`io.camunda:google-gcs:1`,
`gcs.py`), over the storage services' REST APIs with the hub's HTTP client (docs/cloud-storage.md).
"""
