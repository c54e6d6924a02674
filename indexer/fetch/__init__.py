"""Fetching news from the web: a polite HTTP client, robots.txt, feed and sitemap discovery,
the raw page store, and the fetch run (``run``) that feeds fetched articles to the build."""
