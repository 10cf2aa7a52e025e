"""The web API: ``iekg.api.main.create_app`` (a uvicorn factory) and ``serve``; one router per resource
in ``iekg.api.routers``; errors as application/problem+json in ``iekg.api.errors``."""
