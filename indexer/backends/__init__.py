"""Storage backends. ``whoosh`` is the one implementation today; it alone imports Whoosh."""
