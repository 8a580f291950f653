"""WSGI entry point for multi-process servers, configured by LAYERS_MOCK_* variables:

    LAYERS_MOCK_STORE=redis://127.0.0.1:6379/0 gunicorn -w 4 -b 127.0.0.1:8080 layers_mock.wsgi:app
"""

from .app import create_app
from .settings import Settings

app = create_app(Settings.from_env())
