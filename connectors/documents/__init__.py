"""The hub's document store (issue 17 item 1): files a process carries, kept for the runs that
create and read them; docs/documents.md."""
