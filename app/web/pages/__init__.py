"""Server-rendered pages (Jinja templates), browsing and editing."""
