"""The web service: JSON API, pages and the map, over stored localities."""
