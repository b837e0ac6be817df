"""The dispatcher's console: the map page at ``/`` and the snapshot it draws."""
