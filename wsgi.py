"""WSGI entry point: `gunicorn wsgi:app`."""

from app import create_app
from app.core.process import tune_garbage_collection

app = create_app()
tune_garbage_collection()
