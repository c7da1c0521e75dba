"""The web dashboard: an HTTP adapter beside the Discord one (`cogs/`), on the same services.

Never imports discord, cogs or the tools; the composition root (`newsdesk/`) builds it. Pages are rendered on
the server (Jinja2, autoescaped) and work without JavaScript.
"""
